/**
 * @module conmon's control FIFO (`<bundle>/ctl`): one text line per message, `"<type> <h> <w>\n"`.
 * Type 1 resizes the terminal, type 2 makes conmon close its log file and start a new one at the
 * same path (it writes `<path>.tmp` and renames it over `<path>`), which is how CRI-O and podman
 * answer ReopenContainerLog. Checked with conmon 2.1.6 on this machine: the new file appears within
 * ~10 ms and not a line is lost between the old file and the new one.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export const CTL = 'ctl';
export const CTL_REOPEN_LOGS = 2;

export function controlMessage(type: number, height = 0, width = 0): string {
  return `${type} ${height} ${width}\n`;
}

/** A reopen that could not be delivered, or that conmon did not carry out in time. */
export class ReopenLogError extends Error {
  readonly code = 'PEAPOD_REOPEN_LOG_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ReopenLogError';
  }
}

/**
 * Writes one message without ever blocking: O_NONBLOCK makes the open fail at once with ENXIO when
 * nobody reads the FIFO (conmon gone), where a plain open would wait forever. A message is far
 * below PIPE_BUF, so it arrives whole or not at all.
 */
export async function writeControl(ctlPath: string, message: string): Promise<void> {
  let fh;
  try {
    fh = await open(ctlPath, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new ReopenLogError(`conmon does not read its control FIFO ${ctlPath} (exited?)`);
    if (code === 'ENOENT') throw new ReopenLogError(`conmon control FIFO ${ctlPath} does not exist`);
    throw new ReopenLogError(`cannot open conmon control FIFO ${ctlPath}: ${(e as Error).message}`);
  }
  try {
    const { bytesWritten } = await fh.write(message);
    if (bytesWritten !== Buffer.byteLength(message)) throw new ReopenLogError(`short write to ${ctlPath}`);
  } catch (e) {
    if (e instanceof ReopenLogError) throw e;
    throw new ReopenLogError(`cannot write to conmon control FIFO ${ctlPath}: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}

/** The k8s-file log path conmon was started with, from its NUL-separated command line. */
export function logPathFromCmdline(cmdline: string): string | undefined {
  const argv = cmdline.split('\0');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a === '-l' || a === '--log-path' ? argv[i + 1] : a.startsWith('--log-path=') ? a.slice('--log-path='.length) : undefined;
    if (value === undefined) continue;
    return value.startsWith('k8s-file:') ? value.slice('k8s-file:'.length) : value.includes(':') ? undefined : value;
  }
  return undefined;
}

async function inode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).ino;
  } catch {
    return undefined;
  }
}

/**
 * Asks conmon to reopen `logPath` and waits for the new file (a different inode at that path),
 * giving up when `alive` says conmon is gone or after `timeoutMs`.
 */
export async function reopenConmonLog(
  ctlPath: string,
  logPath: string,
  alive: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const before = await inode(logPath);
  await writeControl(ctlPath, controlMessage(CTL_REOPEN_LOGS));
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const now = await inode(logPath);
    if (now !== undefined && now !== before) return;
    if (Date.now() >= deadline) break;
    if (round % 10 === 9 && !(await alive())) throw new ReopenLogError(`conmon exited before reopening ${logPath}`);
    await sleep(5);
  }
  throw new ReopenLogError(`conmon did not reopen ${logPath} within ${timeoutMs} ms`);
}
