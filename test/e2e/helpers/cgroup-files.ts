/**
 * @module The cgroup files of a pod or container, read from whichever hierarchy the host mounts:
 * cgroup v1 (one directory per controller; these CI machines) or v2 (one tree; most users'
 * machines, and the cgv2-vm). Values come back in one form for both, so a test asserts once:
 * the CPU weight as the host has it (v1 cpu.shares, v2 cpu.weight, which runc and the kubelet
 * derive from the shares), the quota as v2's `cpu.max` reads ("50000 100000", "max 100000"),
 * the memory limit as `memory.max` reads ("134217728", "max").
 */
import { readFileSync, existsSync } from 'node:fs';
import { cgroupVersionOf } from '../../../src/core/cgroup-mode.js';
import { sharesToWeight } from '../../../src/core/pod-resources.js';
import { parseMountInfo } from '../../../src/adapters/system/mountinfo.js';

export const CGROUP_VERSION = cgroupVersionOf(parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')));
export const CGROUP_V2 = CGROUP_VERSION === 'v2';

/** The directory of `cgroupPath` for `controller` (the one tree on v2). */
export function cgroupDir(controller: 'cpu' | 'memory' | 'pids', cgroupPath: string): string {
  return CGROUP_V2 ? `/sys/fs/cgroup${cgroupPath}` : `/sys/fs/cgroup/${controller}${cgroupPath}`;
}

export function cgroupExists(cgroupPath: string): boolean {
  return existsSync(cgroupDir('memory', cgroupPath));
}

function read(controller: 'cpu' | 'memory' | 'pids', cgroupPath: string, file: string): string {
  return readFileSync(`${cgroupDir(controller, cgroupPath)}/${file}`, 'utf8').trim();
}

/** v1 cpu.shares, v2 cpu.weight. */
export function cpuWeight(cgroupPath: string): number {
  return Number(read('cpu', cgroupPath, CGROUP_V2 ? 'cpu.weight' : 'cpu.shares'));
}

/** What `cpuWeight` reads for a cgroup the kubelet gives `shares` (the v2 value is runc's conversion). */
export function weightFor(shares: number): number {
  return CGROUP_V2 ? sharesToWeight(shares) : shares;
}

/** `<quota|max> <period>`, as v2's cpu.max. */
export function cpuMax(cgroupPath: string): string {
  if (CGROUP_V2) return read('cpu', cgroupPath, 'cpu.max');
  const quota = Number(read('cpu', cgroupPath, 'cpu.cfs_quota_us'));
  return `${quota < 0 ? 'max' : quota} ${read('cpu', cgroupPath, 'cpu.cfs_period_us')}`;
}

/** The memory limit in bytes, or "max", as v2's memory.max. */
export function memoryMax(cgroupPath: string): string {
  if (CGROUP_V2) return read('memory', cgroupPath, 'memory.max');
  const limit = BigInt(read('memory', cgroupPath, 'memory.limit_in_bytes'));
  return limit >= 2n ** 62n ? 'max' : String(limit);
}

/**
 * Swap a container may use beyond its memory limit, when the host accounts swap: v1
 * memory.memsw.limit_in_bytes − memory.limit_in_bytes, v2 memory.swap.max; undefined without.
 */
export function swapAllowance(cgroupPath: string): string | undefined {
  if (CGROUP_V2) return existsSync(`${cgroupDir('memory', cgroupPath)}/memory.swap.max`) ? read('memory', cgroupPath, 'memory.swap.max') : undefined;
  if (!existsSync(`${cgroupDir('memory', cgroupPath)}/memory.memsw.limit_in_bytes`)) return undefined;
  return String(BigInt(read('memory', cgroupPath, 'memory.memsw.limit_in_bytes')) - BigInt(read('memory', cgroupPath, 'memory.limit_in_bytes')));
}

/** A v2-only file (memory.oom.group, memory.events...). */
export function v2File(cgroupPath: string, file: string): string {
  return read('memory', cgroupPath, file);
}
