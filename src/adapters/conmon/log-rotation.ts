/**
 * @module Size-based rotation of a live CRI log, the kubelet's way: `<path>` is renamed to
 * `<path>.1`, older generations move one up (larger n = older, as CriLogReader reads them), those
 * beyond maxFiles-1 are deleted, and the writer is asked to reopen. conmon keeps writing into the
 * renamed file until it reopens, so nothing is lost in between; no rotated file is compressed.
 */
import { link, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LogRotationOptions, LogRotator } from '../../core/ports.js';

export interface RotationPlan {
  /** Renames `<path>.from` → `<path>.to`, in this order (oldest first, so nothing is overwritten). */
  shift: Array<{ from: number; to: number }>;
  /** Generations (numbered after the shift) to delete once the writer has reopened. */
  remove: number[];
}

/**
 * What to do to the rotated generations present so that `<path>` can become `<path>.1` and, once
 * the writer has made a new `<path>`, at most maxFiles files remain. Every generation moves up
 * first and the excess goes only after the reopen, so a failed reopen can undo all of it. Pure.
 */
export function planRotation(generations: readonly number[], maxFiles: number): RotationPlan {
  const keep = maxFiles - 1; // rotated files allowed besides the live one
  const sorted = [...new Set(generations)].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => b - a);
  return {
    shift: sorted.map((n) => ({ from: n, to: n + 1 })),
    remove: sorted.map((n) => n + 1).filter((n) => n > keep),
  };
}

/** Generation numbers of `<path>.<n>` next to the log (conmon's `<path>.tmp` and others ignored). */
export async function rotatedGenerations(logPath: string): Promise<number[]> {
  const base = `${basename(logPath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(logPath));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(base) && /^[1-9]\d*$/.test(n.slice(base.length)))
    .map((n) => Number(n.slice(base.length)));
}

/** The writer did not start a new file; the rotated one was put back so the next round retries. */
export class LogRotationError extends Error {
  readonly code = 'PEAPOD_LOG_ROTATION_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogRotationError';
  }
}

function checkOptions(opts: LogRotationOptions): void {
  if (!(opts.maxSize > 0)) throw new RangeError(`log rotation maxSize must be positive, got ${opts.maxSize}`);
  if (!Number.isInteger(opts.maxFiles) || opts.maxFiles < 2) {
    throw new RangeError(`log rotation maxFiles must be an integer of at least 2, got ${opts.maxFiles}`);
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Rotates `logPath` when it is larger than maxSize; resolves true when it did. A log missing
 * while its directory exists (an earlier reopen was lost) gets a reopen, as the kubelet does.
 * When reopen rejects and the writer made no new file, the rotated file is linked back to
 * `logPath` (never over a file the writer made late), the older generations move back, nothing
 * is deleted, and LogRotationError is thrown.
 */
export async function rotateIfNeeded(logPath: string, opts: LogRotationOptions, reopen: () => Promise<void>): Promise<boolean> {
  checkOptions(opts);
  const st = await statOrUndefined(logPath);
  if (st === undefined) {
    if (await statOrUndefined(dirname(logPath))) await reopen();
    return false;
  }
  if (st.size <= opts.maxSize) return false;

  const gen = (n: number) => `${logPath}.${n}`;
  const plan = planRotation(await rotatedGenerations(logPath), opts.maxFiles);
  for (const { from, to } of plan.shift) await rename(gen(from), gen(to)).catch(ignoreMissing);
  await rename(logPath, gen(1));
  const dropExcess = async () => {
    for (const n of plan.remove) await unlink(gen(n)).catch(ignoreMissing);
  };
  try {
    await reopen();
  } catch (err) {
    const outcome = await restore(gen(1), logPath, st.ino);
    if (outcome === 'restored') {
      for (const { from, to } of [...plan.shift].reverse()) await rename(gen(to), gen(from)).catch(ignoreMissing);
      throw new LogRotationError(`${logPath} was not reopened; it was put back: ${(err as Error).message}`, { cause: err });
    }
    // The writer made a new file after all (late): the rotation is complete.
  }
  await dropExcess();
  return true;
}

/**
 * Links the rotated file back unless the writer already made a new one ('late'). 'kept' when
 * the writer replaced it in the meantime (late, too), so the rotated name stays.
 */
async function restore(rotated: string, logPath: string, ino: number): Promise<'restored' | 'late' | 'kept'> {
  try {
    await link(rotated, logPath); // no-clobber, unlike rename
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'late';
    throw new LogRotationError(`${logPath} was not reopened and could not be put back; its lines are in ${rotated}`, { cause: e });
  }
  // Only drop the second name while logPath still is that file, so a writer reopening in this
  // very moment cannot leave its lines with no name.
  if ((await statOrUndefined(logPath))?.ino !== ino) return 'kept';
  await unlink(rotated).catch(ignoreMissing);
  return 'restored';
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

export class FileLogRotator implements LogRotator {
  rotateIfNeeded(logPath: string, opts: LogRotationOptions, reopen: () => Promise<void>): Promise<boolean> {
    return rotateIfNeeded(logPath, opts, reopen);
  }
}
