/**
 * @module cgroupfs directories peapod's pods leave behind. runc creates the intermediate
 * directories of a cgroupsPath itself but never removes them, in any hierarchy (11 on a v1
 * hybrid host, counting name=systemd and the unified tree), so they are removed here.
 * Hierarchies are found from mountinfo, which also covers a pure cgroup v2 host.
 */
import { readdir, rmdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../core/layout.js';
import { type MountInfo, readMountInfo } from './mountinfo.js';

/** One mount point per cgroup hierarchy (a hierarchy mounted twice is listed once). */
export function cgroupHierarchies(mounts: readonly MountInfo[]): string[] {
  const seen = new Set<string>();
  const points: string[] = [];
  for (const m of mounts) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    // Only mounts of a hierarchy's root map cgroupsPath 1:1 onto directories.
    if (m.root !== '/') continue;
    if (seen.has(m.device)) continue;
    seen.add(m.device);
    points.push(m.mountPoint);
  }
  return points;
}

export async function listCgroupHierarchies(): Promise<string[]> {
  return cgroupHierarchies(await readMountInfo());
}

/** The directory of a cgroupfs path (`/a/b`) in each hierarchy. */
export async function cgroupDirs(cgroupPath: string): Promise<string[]> {
  const rel = cgroupPath.replace(/^\/+/, '');
  return (await listCgroupHierarchies()).map((h) => (rel === '' ? h : `${h}/${rel}`));
}

/** Child cgroup directories of `dir`, recursively, deepest first (the order rmdir needs). */
export async function cgroupSubtree(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    out.push(...(await cgroupSubtree(`${dir}/${e.name}`)));
  }
  out.push(dir);
  return out;
}

/**
 * rmdir of `cgroupPath` and everything below it in every hierarchy. Idempotent. A cgroup whose
 * last process has just died can stay busy for a moment, so EBUSY is retried briefly; a cgroup
 * that still has processes after that is reported, never killed.
 */
export async function removeCgroupTree(cgroupPath: string): Promise<void> {
  const failures: string[] = [];
  for (const top of await cgroupDirs(cgroupPath)) {
    for (const dir of await cgroupSubtree(top)) {
      const err = await rmdirRetrying(dir);
      if (err) failures.push(`${dir}: ${err}`);
    }
  }
  if (failures.length > 0) throw new Error(`cannot remove cgroup ${cgroupPath}: ${failures.join('; ')}`);
}

async function rmdirRetrying(dir: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return undefined;
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return undefined;
      if (code !== 'EBUSY' || attempt >= 10) return code ?? String(err);
      await sleep(20 * (attempt + 1));
    }
  }
}

/** For `peapod reset`: the instance's cgroup root, with any pod cgroups left under it. */
export async function removeCgroupRoot(layout: Layout): Promise<void> {
  await removeCgroupTree(layout.cgroupRoot);
}

export function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
