/**
 * @module cgroupfs directories peapod's pods leave behind. runc creates the intermediate
 * directories of a cgroupsPath itself but never removes them, in any hierarchy (11 on a v1
 * hybrid host, counting name=systemd and the unified tree), so they are removed here.
 * Hierarchies are found from mountinfo, which also covers a pure cgroup v2 host.
 */
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../core/layout.js';
import { type MountInfo, readMountInfo } from './mountinfo.js';

export interface Hierarchies {
  /** v1 controller name → mount point. */
  v1: Map<string, string>;
  /** The cgroup2 mount, when it carries controllers (a pure v2 host). */
  v2?: string;
}

export function hierarchies(mounts: readonly MountInfo[]): Hierarchies {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const m of mounts) {
    if (m.root !== '/') continue;
    if (m.fsType === 'cgroup') {
      for (const opt of m.superOptions.split(',')) if (!v1.has(opt)) v1.set(opt, m.mountPoint);
    } else if (m.fsType === 'cgroup2') {
      unified ??= m.mountPoint;
    }
  }
  return v1.has('memory') || v1.has('cpu') ? { v1 } : { v1, ...(unified ? { v2: unified } : {}) };
}

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
 * rmdir of `cgroupPath` and everything below it in every hierarchy, deepest first, each once it
 * is empty. A cgroup whose processes were just killed stays populated until the kernel has
 * finished them (an OOM-killed process can take a while to free its memory), and rmdir of a
 * populated cgroup fails with EBUSY: so each directory is removed once its `cgroup.procs` is
 * empty, waiting up to `waitMs` for that. Idempotent. Processes still there after the wait are
 * reported (the caller retries later), never killed: they are not ours to kill here.
 */
export async function removeCgroupTree(cgroupPath: string, opts: { waitMs?: number } = {}): Promise<void> {
  const failures: string[] = [];
  for (const top of await cgroupDirs(cgroupPath)) {
    for (const dir of await cgroupSubtree(top)) {
      const err = await rmdirWhenEmpty(dir, opts.waitMs ?? 5000);
      if (err) failures.push(`${dir}: ${err}`);
    }
  }
  if (failures.length > 0) throw new Error(`cannot remove cgroup ${cgroupPath}: ${failures.join('; ')}`);
}

/**
 * SIGKILLs every process left in `cgroupPath` and below, in every hierarchy; returns how many.
 * Only for a cgroup whose processes are all ours to end (a pod's, once its containers stopped).
 */
export async function killCgroupProcesses(cgroupPath: string): Promise<number> {
  const pids = await cgroupTreePids(cgroupPath);
  let killed = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

/** Pids in `cgroupPath` and below, in every hierarchy, without this process. */
export async function cgroupTreePids(cgroupPath: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const top of await cgroupDirs(cgroupPath)) for (const dir of await cgroupSubtree(top)) for (const pid of await cgroupProcs(dir)) pids.add(pid);
  pids.delete(process.pid);
  return [...pids];
}

/** Pids in the cgroup itself (not its children); [] when it is gone. */
export async function cgroupProcs(dir: string): Promise<number[]> {
  const text = await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

async function rmdirWhenEmpty(dir: string, waitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return undefined;
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return undefined;
      if (code !== 'EBUSY') return code ?? String(err);
      if (Date.now() >= deadline) {
        const pids = await cgroupProcs(dir);
        return pids.length > 0 ? `still holds process(es) ${pids.join(', ')}` : 'EBUSY';
      }
      await sleep(Math.min(20 * (attempt + 1), 200));
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
