/**
 * @module For `peapod reset`: the processes that belong to one peapod instance even when its state
 * is gone (a data dir removed under running pods, a crashed daemon): every process in the
 * instance's cgroup tree, and conmon processes whose command line names its run dir. They are
 * ours by construction (private cgroup root, private run dir), so reset may SIGKILL them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../core/layout.js';
import { cgroupDirs, cgroupSubtree } from './cgroup-fs.js';
import { conmonMatches } from './host-leaks.js';

export async function instancePids(layout: Layout): Promise<number[]> {
  const pids = new Set<number>();
  for (const root of await cgroupDirs(layout.cgroupRoot)) {
    for (const dir of await cgroupSubtree(root)) {
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
