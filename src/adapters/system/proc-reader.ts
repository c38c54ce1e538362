/**
 * @module ProcFsReader: process table rows from /proc/<pid>/{stat,status,cmdline}, as `ps` reads
 * them, for the dashboard's picture of a pod. Read-only; a process that exits between two reads
 * is simply left out.
 */
import { readFile } from 'node:fs/promises';
import type { ProcessInfo, ProcessReader } from '../../core/ports.js';
import { CLOCK_TICKS_PER_SECOND } from './cgroup-stats.js';

const PAGE_SIZE = 4096;

export class ProcFsReader implements ProcessReader {
  private bootTimeMs: number | undefined;

  constructor(private readonly procRoot = '/proc') {}

  async read(pids: readonly number[]): Promise<ProcessInfo[]> {
    const boot = await this.bootTime();
    const rows = await Promise.all(pids.map((pid) => this.readOne(pid, boot)));
    return rows.filter((r): r is ProcessInfo => r !== undefined);
  }

  private async bootTime(): Promise<number> {
    if (this.bootTimeMs === undefined) {
      const stat = await readFile(`${this.procRoot}/stat`, 'utf8').catch(() => '');
      this.bootTimeMs = Number(/^btime\s+(\d+)/m.exec(stat)?.[1] ?? 0) * 1000;
    }
    return this.bootTimeMs;
  }

  private async readOne(pid: number, bootTimeMs: number): Promise<ProcessInfo | undefined> {
    const dir = `${this.procRoot}/${pid}`;
    const [stat, status, cmdline] = await Promise.all([
      readFile(`${dir}/stat`, 'utf8').catch(() => undefined),
      readFile(`${dir}/status`, 'utf8').catch(() => ''),
      readFile(`${dir}/cmdline`, 'utf8').catch(() => ''),
    ]);
    if (stat === undefined) return undefined;
    return parseProcess(pid, stat, status, cmdline, bootTimeMs);
  }
}

/** One row from the three files' text; undefined when stat is not a stat line. */
export function parseProcess(pid: number, stat: string, status: string, cmdline: string, bootTimeMs: number): ProcessInfo | undefined {
  // comm may hold spaces and parentheses: the fields start after the last ')'.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const comm = stat.slice(open + 1, close);
  const f = stat.slice(close + 2).trim().split(/\s+/);
  const tick = (i: number): number => Number(f[i] ?? 0);
  const nsPids = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [pid];
  const args = cmdline.split('\0').filter((a) => a !== '');
  return {
    pid,
    nsPid: nsPids[nsPids.length - 1] ?? pid,
    ppid: tick(1),
    command: args.length > 0 ? args.join(' ') : `[${comm}]`,
    state: f[0] ?? '?',
    cpuNanos: ((tick(11) + tick(12)) * 1e9) / CLOCK_TICKS_PER_SECOND,
    rssBytes: tick(21) * PAGE_SIZE,
    startedAt: bootTimeMs + (tick(19) * 1000) / CLOCK_TICKS_PER_SECOND,
  };
}
