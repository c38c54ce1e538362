/**
 * @module Non-TTY exec: `runc exec` with piped stdio (runtime-pipeline.md §6). runc copies the
 * container's process settings (env, capabilities) and applies --env/--cwd/--user on top.
 * A TTY needs a real terminal on runc's stdio (P5): runc-exec-tty.ts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import type { ExecRequest, ExecStreams } from '../../core/ports.js';
import { runtimeErrorText } from './runtime-message.js';
import { runTtyExec } from './runc-exec-tty.js';

export class ExecTimeoutError extends Error {
  readonly code = 'PEAPOD_EXEC_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`command timed out after ${timeoutMs} ms`);
    this.name = 'ExecTimeoutError';
  }
}

export interface ExecContext {
  runtimePath: string;
  runcRoot: string;
  /** Where the exec's pid file goes (so a timeout can kill the process itself, not only runc). */
  tmpDir: string;
}

export function execArgv(ctx: ExecContext, id: string, req: ExecRequest, pidFile: string): string[] {
  const argv = ['--root', ctx.runcRoot, 'exec', '--pid-file', pidFile];
  for (const e of req.env ?? []) argv.push('--env', e);
  if (req.cwd) argv.push('--cwd', req.cwd);
  if (req.user) {
    argv.push('--user', `${req.user.uid}:${req.user.gid}`);
    for (const g of req.user.additionalGids ?? []) argv.push('--additional-gids', String(g));
  }
  argv.push(id, ...req.args);
  return argv;
}

export async function runExec(ctx: ExecContext, id: string, req: ExecRequest, io: ExecStreams): Promise<number> {
  if (req.tty) return runTtyExec(ctx, id, req, io);
  if (req.args.length === 0) throw new Error('exec needs a command');
  await mkdir(ctx.tmpDir, { recursive: true });
  const pidFile = `${ctx.tmpDir}/exec-${randomBytes(6).toString('hex')}.pid`;
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(ctx.runtimePath, execArgv(ctx, id, req, pidFile), {
        stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      let errTail = '';
      let timedOut = false;
      if (io.stdin && child.stdin) {
        child.stdin.on('error', () => {});
        io.stdin.pipe(child.stdin);
      }
      child.stdout!.on('data', (c: Buffer) => io.stdout?.write(c));
      child.stderr!.on('data', (c: Buffer) => {
        io.stderr?.write(c);
        // runc's own failure (e.g. no such executable) is on the same stderr; keep the tail.
        errTail = (errTail + c.toString('utf8')).slice(-4096);
      });
      let timer: NodeJS.Timeout | undefined;
      if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          void killExecProcess(pidFile).finally(() => child.kill('SIGKILL'));
        }, req.timeoutMs);
      }
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(new Error(`${ctx.runtimePath} exec: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (io.stdin && child.stdin) io.stdin.unpipe?.(child.stdin);
        if (timedOut) return reject(new ExecTimeoutError(req.timeoutMs!));
        if (code === null) return resolve(128 + (signal === 'SIGKILL' ? 9 : 15));
        // runc's own failures exit 255 with a logrus error line; a process can exit 255 too, so
        // only treat it as a failure when runc said so.
        if (code === 255 && /level=error/.test(errTail)) return reject(new Error(runtimeErrorText(errTail)));
        resolve(code);
      });
    });
  } finally {
    await rm(pidFile, { force: true });
  }
}

async function killExecProcess(pidFile: string): Promise<void> {
  try {
    const pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // not started yet or already gone; killing runc is then enough
  }
}
