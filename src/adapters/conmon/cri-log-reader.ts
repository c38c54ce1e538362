/**
 * @module ContainerLogs over conmon's CRI log files. conmon 2.1.6 with --log-size-max keeps ONE
 * file: past the limit it starts the file afresh and the older lines are gone (checked on this
 * machine; there is no `<path>.1`), so peapod rotates itself (log-rotation.ts). Older generations
 * named `<path>.<n>` (larger n = older) are read first when present; a follow goes on in the new
 * file after a rotation without losing the old file's last lines.
 */
import { type FSWatcher, watch } from 'node:fs';
import { rotatedGenerations } from './log-rotation.js';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import type { ContainerLogs, LogReadOptions } from '../../core/ports.js';
import { formatTimestamp, LineAssembler, type LogLine, parseCriRecord, splitLines } from './cri-log-format.js';

const POLL_MS = 250;

/** Rotated generations next to the log, oldest (largest n) first. */
async function rotatedFiles(logPath: string): Promise<string[]> {
  const generations = await rotatedGenerations(logPath);
  return generations.sort((a, b) => b - a).map((n) => `${logPath}.${n}`);
}

interface Generation {
  path: string;
  ino: number;
  handle: FileHandle;
}

async function openGeneration(path: string): Promise<Generation | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    return { path, ino: (await handle.stat()).ino, handle };
  } catch {
    await handle.close();
    return undefined;
  }
}

/**
 * The rotated generations, oldest first, each opened: the handle holds the file the decision was
 * made on, whatever is renamed afterwards. A rotation renames every generation one up while this
 * runs, so a listing whose names and inodes changed between the opens and a second look is taken
 * again: deciding on one file and reading another by its name read a generation twice.
 */
async function openRotated(logPath: string): Promise<Generation[]> {
  for (let attempt = 0; ; attempt++) {
    const gens = (await Promise.all((await rotatedFiles(logPath)).map(openGeneration))).filter((g): g is Generation => g !== undefined);
    const names = await rotatedFiles(logPath);
    const inodes = await Promise.all(names.map((f) => stat(f).then((st) => st.ino, () => undefined)));
    const unchanged = names.length === gens.length && gens.every((g, i) => g.path === names[i] && g.ino === inodes[i]);
    if (unchanged || attempt >= 20) return gens;
    await Promise.all(gens.map((g) => g.handle.close()));
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads each generation whole and closes them all. */
async function readGenerations(gens: Generation[], keep: (index: number) => boolean): Promise<Buffer[]> {
  const out: Buffer[] = [];
  try {
    for (const [i, g] of gens.entries()) if (keep(i)) out.push(await g.handle.readFile());
  } finally {
    await Promise.all(gens.map((g) => g.handle.close().catch(() => {})));
  }
  return out;
}

/**
 * Reads the rotated generations between the file with inode `from` (read whole already) and the
 * one with inode `to` (the file the follower has just opened, rotated meanwhile itself perhaps):
 * what a follower that fell behind by more than one rotation still has to read. Generations newer
 * than `to` are left for later, when the follower has read `to`. When `from` is gone (deleted as
 * the oldest), every generation before `to` is newer. Both files must still be open, so that no
 * new file can have taken either inode.
 */
async function readBetween(logPath: string, from: number, to: number): Promise<Buffer[]> {
  const gens = await openRotated(logPath);
  const start = gens.findIndex((g) => g.ino === from);
  const end = gens.findIndex((g) => g.ino === to);
  return readGenerations(gens, (i) => i > start && (end < 0 || i < end));
}

/** Byte budget of limitBytes: cuts the last line short, then says stop. */
class Budget {
  private left: number;
  constructor(limit: number | undefined) {
    this.left = limit !== undefined && limit > 0 ? limit : Infinity;
  }
  get exhausted(): boolean {
    return this.left <= 0;
  }
  take(s: string): string {
    const b = Buffer.from(s, 'utf8');
    if (b.length <= this.left) {
      this.left -= b.length;
      return s;
    }
    const cut = b.subarray(0, this.left).toString('utf8');
    this.left = 0;
    return cut;
  }
}

export class CriLogReader implements ContainerLogs {
  async *read(logPath: string, opts: LogReadOptions, signal?: AbortSignal): AsyncIterable<string> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(logPath, 'r');
    } catch {
      handle = undefined;
    }
    let ino = handle ? (await handle.stat()).ino : 0;
    const older = await openRotated(logPath);
    if (!handle && older.length === 0) throw new NotFoundError(`log file ${logPath} not found`);
    const render = (l: LogLine) => `${opts.timestamps ? `${formatTimestamp(l.time)} ` : ''}${l.text.toString('utf8')}\n`;
    const since = opts.sinceTime;
    const wanted = (l: LogLine) => since === undefined || l.timeMs >= since;
    const budget = new Budget(opts.limitBytes);
    const assembler = new LineAssembler();
    let rest: Buffer = Buffer.alloc(0);
    // Appends one at a time: a 10 MiB file holds ~10^5 lines, too many to spread into push() (a RangeError).
    const append = (to: LogLine[], lines: LogLine[]): void => {
      for (const l of lines) to.push(l);
    };
    const feed = (chunk: Buffer): LogLine[] => {
      const { lines, rest: r } = splitLines(rest.length ? Buffer.concat([rest, chunk]) : chunk);
      rest = Buffer.from(r);
      const out: LogLine[] = [];
      for (const raw of lines) {
        const rec = parseCriRecord(raw);
        const line = rec && assembler.push(rec);
        if (line) out.push(line);
      }
      return out;
    };

    try {
      // The backlog: older generations, then the current file up to its present end.
      let backlog: LogLine[] = [];
      // The live file, when rotated since it was opened, is read as the live file, not twice, and
      // generations newer than it are the follower's to read once it has read that file.
      const live = older.findIndex((g) => g.ino === ino);
      for (const buf of await readGenerations(older, (i) => live < 0 || i < live)) append(backlog, feed(buf));
      let offset = 0;
      if (handle) {
        const st = await handle.stat();
        const buf = Buffer.alloc(st.size);
        const { bytesRead } = await handle.read(buf, 0, st.size, 0);
        offset = bytesRead;
        append(backlog, feed(buf.subarray(0, bytesRead)));
      }
      if (!opts.follow) append(backlog, assembler.flush());
      if (opts.tailLines !== undefined && opts.tailLines >= 0) backlog = opts.tailLines === 0 ? [] : backlog.slice(-opts.tailLines);
      for (const l of backlog) {
        if (!wanted(l)) continue;
        yield budget.take(render(l));
        if (budget.exhausted) return;
      }
      if (!opts.follow || signal?.aborted) return;

      let ended = false;
      let wake: (() => void) | undefined;
      const poke = () => wake?.();
      opts.until?.then(
        () => {
          ended = true;
          poke();
        },
        () => {
          ended = true;
          poke();
        },
      );
      signal?.addEventListener('abort', poke, { once: true });
      /**
       * The last generation read to its end, while the ones after it are still to read; held open
       * until then, so that no new file can take its inode and be mistaken for it.
       */
      let readUpTo: { handle: FileHandle; ino: number } | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dirname(logPath), { persistent: false }, poke);
        watcher.on('error', () => {});
      } catch {
        watcher = undefined; // polling alone still works
      }
      try {
        for (;;) {
          if (signal?.aborted) return;
          const wasEnded = ended;
          // Drain what the current file has, then see whether it was replaced or truncated.
          const fresh: LogLine[] = [];
          const drain = async (): Promise<void> => {
            if (!handle) return;
            for (;;) {
              const buf = Buffer.alloc(64 * 1024);
              const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
              if (bytesRead === 0) break;
              offset += bytesRead;
              append(fresh, feed(buf.subarray(0, bytesRead)));
            }
          };
          await drain();
          const now = await stat(logPath).catch(() => undefined);
          const replaced = now !== undefined && (now.ino !== ino || now.size < offset);
          if (replaced) {
            // Rotated: conmon closes the old file before the new one appears, so what it wrote
            // after the drain above is there now and this reaches the old file's true end.
            if (now.ino !== ino && handle) {
              await drain();
              await readUpTo?.handle.close();
              readUpTo = { handle, ino };
            } else {
              await handle?.close();
            }
            handle = undefined;
            ino = 0;
            offset = 0;
            rest = Buffer.alloc(0);
            try {
              handle = await open(logPath, 'r');
              ino = (await handle.stat()).ino;
            } catch {
              // Renamed away again already: the next round picks up whatever is there then.
            }
            // With a current file open, every generation between the last one read whole and it
            // is complete (conmon writes the newest only), however many rotations the follower
            // fell behind.
            if (handle && readUpTo !== undefined) {
              for (const buf of await readBetween(logPath, readUpTo.ino, ino)) append(fresh, feed(buf));
              await readUpTo.handle.close();
              readUpTo = undefined;
            }
          }
          if (wasEnded && !replaced) append(fresh, assembler.flush());
          for (const l of fresh) {
            if (!wanted(l)) continue;
            yield budget.take(render(l));
            if (budget.exhausted) return;
          }
          if (replaced) continue; // read the new file at once
          if (wasEnded) return;
          await new Promise<void>((resolve) => {
            if (ended || signal?.aborted) return resolve();
            const t = setTimeout(resolve, POLL_MS);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      } finally {
        await readUpTo?.handle.close();
        watcher?.close();
        signal?.removeEventListener('abort', poke);
      }
    } finally {
      await handle?.close();
    }
  }
}
