/**
 * @module TTY exec: runc needs a real terminal on its stdio for `exec -t` (runtime-pipeline.md
 * P5); Node cannot receive a console fd, so node-pty gives runc a pseudo-terminal. stdout and
 * stderr are one stream through a terminal; resizes go to the pty, which the kernel passes on.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import pty from 'node-pty';
import type { ExecRequest, ExecStreams, TerminalSize } from '../../core/ports.js';
import { execArgv, type ExecContext } from './runc-exec.js';
import { runtimeErrorText } from './runtime-message.js';

const DEFAULT_SIZE: TerminalSize = { width: 80, height: 24 };

export async function runTtyExec(ctx: ExecContext, id: string, req: ExecRequest, io: ExecStreams): Promise<number> {
  if (req.args.length === 0) throw new Error('exec needs a command');
  await mkdir(ctx.tmpDir, { recursive: true });
  const pidFile = `${ctx.tmpDir}/exec-${randomBytes(6).toString('hex')}.pid`;
  const argv = execArgv(ctx, id, req, pidFile);
  // `runc exec --tty`: runc makes the container's console on the terminal it is given.
  argv.splice(argv.indexOf('exec') + 1, 0, '--tty');
  let size = DEFAULT_SIZE;
  // The client sends its size first; take it if it is already here so the shell starts right.
  io.onResize?.((s) => (size = s));
  try {
    return await new Promise<number>((resolve, reject) => {
      let term: pty.IPty;
      try {
        term = pty.spawn(ctx.runtimePath, argv, { name: 'xterm', cols: size.width, rows: size.height, env: process.env as Record<string, string> });
      } catch (err) {
        reject(new Error(`${ctx.runtimePath} exec: ${(err as Error).message}`));
        return;
      }
      let tail = '';
      term.onData((data) => {
        tail = (tail + data).slice(-4096);
        io.stdout?.write(Buffer.from(data, 'utf8'));
      });
      io.onResize?.((s) => {
        if (s.width > 0 && s.height > 0) term.resize(s.width, s.height);
      });
      const onStdin = (c: Buffer | string): void => term.write(typeof c === 'string' ? c : c.toString('utf8'));
      io.stdin?.on('data', onStdin);
      term.onExit(({ exitCode, signal }) => {
        io.stdin?.removeListener('data', onStdin);
        if (exitCode === 255 && /level=error/.test(tail)) return reject(new Error(runtimeErrorText(tail)));
        resolve(signal ? 128 + signal : exitCode);
      });
    });
  } finally {
    await rm(pidFile, { force: true });
  }
}
