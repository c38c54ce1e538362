/**
 * @module ContainerLogs over conmon's CRI log files. conmon 2.1.6 with --log-size-max keeps ONE
 * file: past the limit it starts the file afresh and the older lines are gone (checked on this
 * machine; there is no `<path>.1`), so peapod rotates itself (log-rotation.ts). Older generations
 * named `<path>.<n>` (larger n = older) are read first when present; a follow goes on in the new
 * file after a rotation without losing the old file's last lines.
 */
import { type FSWatcher, watch } from 'node:fs';
import { rotatedGenerations } from './log-rotation.js';
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
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

/**
 * The rotated files newer than the one with inode `ino`, oldest first: what a follower that fell
 * behind by more than one rotation still has to read. When that file is gone (deleted as the
 * oldest), every rotated file left is newer.
 */
async function newerThan(logPath: string, ino: number): Promise<string[]> {
  const files = await rotatedFiles(logPath);
  const inodes = await Promise.all(files.map((f) => stat(f).then((st) => st.ino, () => undefined)));
  const at = inodes.indexOf(ino);
  return files.slice(at + 1);
}

async function readAll(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
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
    const older = await rotatedFiles(logPath);
    let handle: FileHandle | undefined;
    try {
      handle = await open(logPath, 'r');
    } catch {
      if (older.length === 0) throw new NotFoundError(`log file ${logPath} not found`);
    }
    const render = (l: LogLine) => `${opts.timestamps ? `${formatTimestamp(l.time)} ` : ''}${l.text.toString('utf8')}\n`;
    const since = opts.sinceTime;
    const wanted = (l: LogLine) => since === undefined || l.timeMs >= since;
    const budget = new Budget(opts.limitBytes);
    const assembler = new LineAssembler();
    let rest: Buffer = Buffer.alloc(0);
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
      for (const f of older) {
        const buf = await readAll(f);
        if (buf) backlog.push(...feed(buf));
      }
      let offset = 0;
      let ino = 0;
      if (handle) {
        const st = await handle.stat();
        ino = st.ino;
        const buf = Buffer.alloc(st.size);
        const { bytesRead } = await handle.read(buf, 0, st.size, 0);
        offset = bytesRead;
        backlog.push(...feed(buf.subarray(0, bytesRead)));
      }
      if (!opts.follow) backlog.push(...assembler.flush());
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
              fresh.push(...feed(buf.subarray(0, bytesRead)));
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
              for (const f of await newerThan(logPath, ino)) {
                const buf = await readAll(f);
                if (buf) fresh.push(...feed(buf));
              }
            }
            await handle?.close();
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
          }
          if (wasEnded && !replaced) fresh.push(...assembler.flush());
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
        watcher?.close();
        signal?.removeEventListener('abort', poke);
      }
    } finally {
      await handle?.close();
    }
  }
}
