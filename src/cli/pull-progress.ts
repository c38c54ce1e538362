/**
 * @module The progress display of `peapod image pull`: on a terminal one line per layer with
 * bytes, total and rate, redrawn in place (at most 10 times a second); otherwise one plain line
 * per layer when it completes, so logs stay readable.
 */
import type { Writable } from 'node:stream';
import type { ImagePullProgressLine } from '../client/peapod-client.js';

interface LayerState {
  current: number;
  total: number;
  phase: string;
  started: number;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export class PullProgress {
  private readonly layers = new Map<string, LayerState>();
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    private readonly now: () => number,
  ) {}

  update(p: ImagePullProgressLine): void {
    if (p.phase === 'resolving' || !p.digest) {
      if (!this.tty) this.out.write('Resolving manifest\n');
      return;
    }
    let l = this.layers.get(p.digest);
    if (!l) {
      l = { current: 0, total: p.total ?? 0, phase: p.phase, started: this.now() };
      this.layers.set(p.digest, l);
    }
    const before = l.phase;
    l.phase = p.phase;
    l.current = p.current ?? l.current;
    l.total = p.total ?? l.total;
    if (!this.tty) {
      if ((p.phase === 'done' || p.phase === 'exists') && before !== 'done' && before !== 'exists') this.out.write(`${this.line(p.digest, l)}\n`);
      if (p.phase === 'done' && before === 'exists') return;
      return;
    }
    const t = this.now();
    if (p.phase === 'downloading' && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.draw();
  }

  finish(): void {
    if (this.tty) this.draw();
  }

  private draw(): void {
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
    const lines = [...this.layers.entries()].map(([d, l]) => `\x1b[2K${this.line(d, l)}`);
    this.out.write(`${up}${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private line(digest: string, l: LayerState): string {
    const id = digest.replace(/^sha256:/, '').slice(0, 12);
    if (l.phase === 'exists') return `Layer ${id}: already present`;
    const secs = Math.max(0.001, (this.now() - l.started) / 1000);
    const rate = `${formatBytes(Math.round(l.current / secs))}/s`;
    if (l.phase === 'done') return `Layer ${id}: done ${formatBytes(l.total)} (${rate})`;
    return `Layer ${id}: ${l.phase} ${formatBytes(l.current)} / ${formatBytes(l.total)} ${rate}`;
  }
}
