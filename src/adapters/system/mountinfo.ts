/**
 * @module /proc/self/mountinfo parsing and unmounting. Node cannot call umount(2), so unmounts are
 * spawned; what is mounted is always read back from the kernel, never remembered, so a crashed
 * daemon's mounts are found the same way as its own.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../process/run.js';

export interface MountInfo {
  mountId: number;
  parentId: number;
  /** "major:minor" of the filesystem: the same for every mount of one superblock. */
  device: string;
  /** Path inside the filesystem that is mounted (a bind mount's source, a cgroup's root). */
  root: string;
  mountPoint: string;
  mountOptions: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** The kernel escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    // Optional fields (shared:N, master:N ...) end at a lone "-".
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    mounts.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      device: fields[2],
      root: unescape(fields[3]),
      mountPoint: unescape(fields[4]),
      mountOptions: fields[5],
      fsType: fields[dash + 1],
      source: unescape(fields[dash + 2]),
      superOptions: fields[dash + 3],
    });
  }
  return mounts;
}

export async function readMountInfo(): Promise<MountInfo[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** True when `path` is `dir` itself or inside it (string prefix on path components). */
export function isPathWithin(path: string, dir: string): boolean {
  const d = dir.endsWith('/') && dir !== '/' ? dir.slice(0, -1) : dir;
  return path === d || path.startsWith(d === '/' ? '/' : `${d}/`);
}

/**
 * Mount points at or under `dir`, deepest first (and, for stacked mounts on one point, the most
 * recent first), which is the order they can be unmounted in.
 */
export function mountPointsUnder(mounts: readonly MountInfo[], dir: string): string[] {
  const hits = mounts.filter((m) => isPathWithin(m.mountPoint, dir));
  hits.sort((a, b) => depth(b.mountPoint) - depth(a.mountPoint) || b.mountId - a.mountId);
  return hits.map((m) => m.mountPoint);
}

function depth(path: string): number {
  return path.split('/').length;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === path);
}

/**
 * Unmounts everything at or under `dir`, deepest first; a mount that stays busy is detached
 * lazily as a last resort, so that nothing under `dir` is reachable through a mount afterwards.
 * Throws if something is still mounted there at the end.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const points = mountPointsUnder(await readMountInfo(), dir);
    if (points.length === 0) return;
    // One umount for all of them, deepest first (an exec costs more than the unmounts); one by
    // one, lazily where busy, only when that fails.
    if ((await run('umount', points, { allowFailure: true })).exitCode === 0) continue;
    for (const point of points) {
      const plain = await run('umount', [point], { allowFailure: true });
      if (plain.exitCode === 0) continue;
      if (/not mounted|no mount point/i.test(plain.stderr)) continue;
      // Busy (a process has it as cwd, or it is still bound somewhere): detach it.
      await run('umount', ['-l', point], { allowFailure: true });
    }
  }
  const left = mountPointsUnder(await readMountInfo(), dir);
  if (left.length > 0) throw new Error(`cannot unmount ${left.join(', ')}`);
}
