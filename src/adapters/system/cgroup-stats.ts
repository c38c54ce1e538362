/**
 * @module CgroupFsStats: the cgroup counters cAdvisor reads, for metrics.k8s.io, /stats/summary and
 * the dashboard, on both hierarchies. v1 (hybrid hosts like these): cpuacct.usage and
 * memory.usage_in_bytes / memory.stat total_*; v2: cpu.stat usage_usec, memory.current and
 * memory.stat. The working set is usage − inactive_file, floored at 0, as cAdvisor computes it.
 * Read-only: it never creates or writes a cgroup.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { CgroupStats, CgroupStatsReader } from '../../core/ports.js';
import { readMountInfo } from './mountinfo.js';
import { hierarchies } from './cgroup-fs.js';

/** Where the hierarchies are mounted: v1 controller → mount point, or the v2 unified mount. */
export interface CgroupMounts {
  v1: ReadonlyMap<string, string>;
  v2?: string;
}

export interface CgroupFsStatsOptions {
  /** Found from /proc/self/mountinfo when not given (tests give fixture directories). */
  mounts?: CgroupMounts;
  /** /proc, for the v2 node figures (/proc/stat, /proc/meminfo). */
  procRoot?: string;
  now?: () => number;
}

/** USER_HZ: /proc/stat and /proc/<pid>/stat count in 1/100 s on every Linux architecture peapod runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

export class CgroupFsStats implements CgroupStatsReader {
  private mounts: Promise<CgroupMounts> | undefined;
  private readonly procRoot: string;
  private readonly now: () => number;

  constructor(private readonly opts: CgroupFsStatsOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.now = opts.now ?? Date.now;
  }

  private hierarchies(): Promise<CgroupMounts> {
    return (this.mounts ??= this.opts.mounts ? Promise.resolve(this.opts.mounts) : readMountInfo().then(hierarchies));
  }

  async read(cgroupPath: string): Promise<CgroupStats | undefined> {
    const h = await this.hierarchies();
    const rel = relative(cgroupPath);
    const timestamp = this.now();
    if (h.v2) {
      const dir = join(h.v2, rel);
      const [cpuStat, current, memStat] = await Promise.all([readOpt(`${dir}/cpu.stat`), readOpt(`${dir}/memory.current`), readOpt(`${dir}/memory.stat`)]);
      if (cpuStat === undefined && current === undefined) return undefined;
      const cpu = parseFlatKeyed(cpuStat ?? '');
      const mem = parseFlatKeyed(memStat ?? '');
      const usage = num(current);
      return { timestamp, cpuUsageNanos: (cpu.get('usage_usec') ?? 0) * 1000, ...memory(usage, mem.get('inactive_file') ?? 0, mem.get('anon') ?? 0) };
    }
    const cpuacct = h.v1.get('cpuacct');
    const memoryMount = h.v1.get('memory');
    const [usageNs, memUsage, memStat] = await Promise.all([
      cpuacct ? readOpt(`${join(cpuacct, rel)}/cpuacct.usage`) : undefined,
      memoryMount ? readOpt(`${join(memoryMount, rel)}/memory.usage_in_bytes`) : undefined,
      memoryMount ? readOpt(`${join(memoryMount, rel)}/memory.stat`) : undefined,
    ]);
    if (usageNs === undefined && memUsage === undefined) return undefined;
    const mem = parseFlatKeyed(memStat ?? '');
    // total_* include the children (a pod cgroup's containers); the root has them too.
    const inactiveFile = mem.get('total_inactive_file') ?? mem.get('inactive_file') ?? 0;
    const rss = mem.get('total_rss') ?? mem.get('rss') ?? 0;
    return { timestamp, cpuUsageNanos: num(usageNs), ...memory(num(memUsage), inactiveFile, rss) };
  }

  async readNode(): Promise<CgroupStats> {
    const h = await this.hierarchies();
    if (!h.v2) {
      const root = await this.read('/');
      if (root) return root;
    }
    // v2: the root cgroup has no memory.current; the machine's own counters say the same thing.
    const timestamp = this.now();
    const [stat, meminfo] = await Promise.all([readOpt(`${this.procRoot}/stat`), readOpt(`${this.procRoot}/meminfo`)]);
    return { timestamp, cpuUsageNanos: procStatCpuNanos(stat ?? ''), ...meminfoMemory(meminfo ?? '') };
  }

  async pids(cgroupPath: string): Promise<number[]> {
    const h = await this.hierarchies();
    const rel = relative(cgroupPath);
    const mount = h.v2 ?? h.v1.get('pids') ?? h.v1.get('memory') ?? h.v1.get('cpuacct');
    if (!mount) return [];
    const out: number[] = [];
    await collectPids(join(mount, rel), out, 0);
    return out;
  }
}

function memory(usage: number, inactiveFile: number, rss: number): Pick<CgroupStats, 'memoryUsageBytes' | 'memoryWorkingSetBytes' | 'memoryRssBytes'> {
  return { memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactiveFile), memoryRssBytes: rss };
}

/** Non-idle time of the `cpu` line (user nice system idle iowait irq softirq steal ...), ns. */
export function procStatCpuNanos(text: string): number {
  const line = /^cpu\s+(.*)$/m.exec(text)?.[1];
  if (!line) return 0;
  const f = line.trim().split(/\s+/).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1e9) / CLOCK_TICKS_PER_SECOND;
}

/** usage = MemTotal − MemFree, working set = usage − Inactive(file), rss = AnonPages (kB in the file). */
export function meminfoMemory(text: string): Pick<CgroupStats, 'memoryUsageBytes' | 'memoryWorkingSetBytes' | 'memoryRssBytes'> {
  const kb = (key: string): number => Number(new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return memory(kb('MemTotal') - kb('MemFree'), kb('Inactive(file)'), kb('AnonPages'));
}

/** `key value` lines (memory.stat, cpu.stat). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

async function collectPids(dir: string, out: number[], depth: number): Promise<void> {
  const procs = await readOpt(`${dir}/cgroup.procs`);
  if (procs === undefined) return;
  for (const line of procs.split('\n')) if (/^\d+$/.test(line)) out.push(Number(line));
  if (depth > 8) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await collectPids(`${dir}/${e.name}`, out, depth + 1);
}

function relative(cgroupPath: string): string {
  const rel = cgroupPath.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel.split('/').includes('..')) throw new Error(`invalid cgroup path ${cgroupPath}`);
  return rel;
}

function join(mount: string, rel: string): string {
  return rel === '' ? mount : `${mount}/${rel}`;
}

function num(text: string | undefined): number {
  const n = Number((text ?? '').trim());
  return Number.isFinite(n) ? n : 0;
}

async function readOpt(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
