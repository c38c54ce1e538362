/**
 * @module For `peapod reset`: the processes that belong to one peapod instance even when its state
 * is gone (a data dir removed under running pods, a crashed daemon): every process in the
 * instance's cgroup tree, and conmon processes whose command line names its run dir. They are
 * ours by construction (private cgroup root, private run dir), so reset may SIGKILL them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../core/layout.js';
import { KEEPER_CGROUP } from '../../core/cgroup-mode.js';
import { cgroupDirs, cgroupSubtree, cgroupTreePids, removeCgroupTree } from './cgroup-fs.js';
import { conmonMatches } from './host-leaks.js';

export async function instancePids(layout: Layout): Promise<number[]> {
  const pids = new Set<number>();
  for (const root of await cgroupDirs(layout.cgroupRoot)) {
    for (const dir of await cgroupSubtree(root)) {
      // The keeper of a delegated scope is the root's own, not a container's: it goes with the scope.
      if (dir === `${root}/${KEEPER_CGROUP}`) continue;
      const procs = await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '');
      for (const line of procs.split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
    }
  }
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const raw = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (raw && conmonMatches(raw.split('\0').filter(Boolean), layout.runDir)) pids.add(Number(entry));
  }
  pids.delete(process.pid);
  return [...pids];
}

/** SIGKILLs every process of the instance and waits (briefly) until they are gone. */
export async function killInstanceProcesses(layout: Layout): Promise<number> {
  const pids = await instancePids(layout);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 50 && (await instancePids(layout)).length > 0; i++) await sleep(100);
  return pids.length;
}

/**
 * For `peapod reset` of the default instance, once its service is removed: the cgroup systemd
 * gave `peapod.service`. Its stop (KillMode=process) leaves the containers' conmon processes in it,
 * as containerd's shims stay in containerd.service, and the old daemon's command helper until it
 * reads the end of its input; seen on a cgroup v2 host: the directory outlived the reset. Waits up
 * to `waitMs` for them to end, SIGKILLs what is left (only the service's, so peapod's, processes
 * ran there), then removes the cgroup. Returns the names of the processes it had to kill.
 */
export async function removeServiceCgroup(cgroupPath: string, waitMs = 5000): Promise<string[]> {
  if (!/^\/(?:[^/]+\/)*peapod\.service$/.test(cgroupPath)) throw new Error(`not the service's cgroup: ${cgroupPath}`);
  const pidsIn = (): Promise<number[]> => cgroupTreePids(cgroupPath);
  const deadline = Date.now() + waitMs;
  let left = await pidsIn();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = await pidsIn();
  }
  const killed: string[] = [];
  for (const pid of left) {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(comm || String(pid));
    } catch {
      /* already gone */
    }
  }
  await removeCgroupTree(cgroupPath, { waitMs });
  return killed;
}
