/**
 * @module The CRI log format conmon writes, one record per line:
 * `<RFC3339Nano> <stdout|stderr> <P|F> <text>`, where P marks a fragment of a longer line that
 * continues in the next record(s) and F the end of one. Lines are joined here.
 */

export interface CriRecord {
  /** The timestamp as written by conmon, e.g. 2026-11-27T04:47:20.284652436+00:00. */
  time: string;
  timeMs: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: Buffer;
}

/** A full log line (fragments joined), with the time of its first fragment. */
export interface LogLine {
  time: string;
  timeMs: number;
  stream: 'stdout' | 'stderr';
  text: Buffer;
}

const SPACE = 0x20;

export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const a = line.indexOf(SPACE);
  if (a <= 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const time = line.subarray(0, a).toString('latin1');
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag may be "F", "P" or a ":"-separated list starting with it (CRI allows more tags).
  const c = line.indexOf(SPACE, b + 1);
  const tag = line.subarray(b + 1, c < 0 ? line.length : c).toString('latin1');
  const text = c < 0 ? Buffer.alloc(0) : line.subarray(c + 1);
  const timeMs = Date.parse(time);
  if (!Number.isFinite(timeMs)) return undefined;
  return { time, timeMs, stream, partial: tag.split(':')[0] === 'P', text };
}

/**
 * Joins P fragments per stream (stdout and stderr fragments may interleave) into lines.
 * Keeps unfinished fragments between calls, so it can be fed a file in pieces.
 */
export class LineAssembler {
  private readonly pending = new Map<string, { first: CriRecord; parts: Buffer[] }>();

  push(rec: CriRecord): LogLine | undefined {
    const open = this.pending.get(rec.stream);
    if (rec.partial) {
      if (open) open.parts.push(rec.text);
      else this.pending.set(rec.stream, { first: rec, parts: [rec.text] });
      return undefined;
    }
    if (!open) return { time: rec.time, timeMs: rec.timeMs, stream: rec.stream, text: rec.text };
    this.pending.delete(rec.stream);
    open.parts.push(rec.text);
    return { time: open.first.time, timeMs: open.first.timeMs, stream: rec.stream, text: Buffer.concat(open.parts) };
  }

  /** Unfinished lines, as they are (the writer died mid-line, or the reader is done). */
  flush(): LogLine[] {
    const out = [...this.pending.values()]
      .sort((x, y) => x.first.timeMs - y.first.timeMs)
      .map((o) => ({ time: o.first.time, timeMs: o.first.timeMs, stream: o.first.stream, text: Buffer.concat(o.parts) }));
    this.pending.clear();
    return out;
  }
}

/** Splits complete lines off `buf`; returns them and the unterminated rest. */
export function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, rest: buf.subarray(start) };
}

/**
 * kubectl --timestamps shows the kubelet's RFC3339Nano rendering: UTC as "Z", trailing zeros of
 * the fraction dropped. conmon writes "+00:00"; other offsets are kept as written.
 */
export function formatTimestamp(time: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`;
}
