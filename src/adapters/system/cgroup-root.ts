/**
 * @module The instance's cgroup root on this host, made usable once before the first pod
 * (core/cgroup-mode.ts decides where it is). On a systemd cgroup v2 host that is a transient
 * scope with Delegate=yes, held by a keeper process in its `keeper` leaf, with cpu, memory and
 * pids passed down to its children; nothing outside that scope is ever written. On a v2 host
 * without systemd it is `/<instance>` with the controllers enabled from the tree's root; on v1
 * nothing needs doing before the first write. What is missing (controllers, a delegation
 * systemd refused) is one clear error, given to every pod that needs a cgroup; the daemon
 * itself stays up.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cgroupVersionOf,
  KEEPER_CGROUP,
  missingV2Controllers,
  planCgroupRoot,
  REQUIRED_V2_CONTROLLERS,
  type CgroupRootPlan,
} from '../../core/cgroup-mode.js';
import { cgroupProcs, hierarchies, removeCgroupTree, type Hierarchies } from './cgroup-fs.js';
import { readMountInfo } from './mountinfo.js';
import { startTransientScope, stopUnit, systemdBooted } from './systemd-units.js';

/** What the host has: where the hierarchies are mounted, and where the instance's root goes. */
export interface CgroupHost extends Hierarchies {
  plan: CgroupRootPlan;
}

export async function readCgroupHost(instance: string): Promise<CgroupHost> {
  const mounts = await readMountInfo();
  return { ...hierarchies(mounts), plan: planCgroupRoot({ version: cgroupVersionOf(mounts), systemd: systemdBooted(), instance }) };
}

const KEEPER = '/usr/bin/catatonit';

export class CgroupRoot {
  private prepared: Promise<void> | undefined;

  constructor(readonly host: CgroupHost) {}

  get root(): string {
    return this.host.plan.root;
  }

  /**
   * Resolves once the root is usable; rejects with what is missing. Prepared once, again after a
   * failure, and again if the delegated scope went away (stopped by hand) since.
   */
  ready(): Promise<void> {
    const { plan, v2 } = this.host;
    if (this.prepared && plan.driver === 'systemd' && v2 && !existsSync(`${v2}${plan.root}`)) this.prepared = undefined;
    this.prepared ??= this.prepare().catch((err: unknown) => {
      this.prepared = undefined;
      throw err;
    });
    return this.prepared;
  }

  private async prepare(): Promise<void> {
    const { plan, v1, v2 } = this.host;
    if (plan.version !== 'v2') {
      const missing = ['cpu', 'memory'].filter((c) => !v1.has(c));
      if (missing.length > 0) {
        throw new Error(`no usable cgroups: the host mounts no cgroup v1 ${missing.join(' and ')} controller and no cgroup v2 tree (v1 hierarchies: ${[...v1.keys()].join(', ') || 'none'})`);
      }
      return;
    }
    if (!v2) throw new Error('no usable cgroups: /sys/fs/cgroup is cgroup2 but not mounted at its root');
    if (plan.driver === 'systemd') await this.ensureScope(plan, v2);
    else await enableDown(v2, ['/', plan.root]);
  }

  private async ensureScope(plan: Extract<CgroupRootPlan, { driver: 'systemd' }>, v2: string): Promise<void> {
    const dir = `${v2}${plan.root}`;
    const leaf = `${dir}/${KEEPER_CGROUP}`;
    if (!existsSync(dir)) {
      const keeper = spawnKeeper();
      try {
        await startTransientScope({ unit: plan.unit, slice: plan.slice, pids: [keeper], description: `peapod pods (${plan.unit.replace(/\.scope$/, '')})` });
        await waitInCgroup(keeper, plan.root);
      } catch (err) {
        try {
          process.kill(keeper, 'SIGKILL');
        } catch {
          // already gone
        }
        throw new Error(`cgroup v2 under systemd needs a delegated cgroup subtree, and systemd gave none: ${(err as Error).message}`);
      }
    }
    await mkdir(leaf, { recursive: true });
    // No process may stay in a cgroup whose children get controllers: the keeper (or whatever
    // joined the scope's top) goes to its leaf; a scope kept only by pods gets a keeper again.
    for (const pid of await cgroupProcs(dir)) await writeFile(`${leaf}/cgroup.procs`, String(pid));
    if ((await cgroupProcs(leaf)).length === 0) await writeFile(`${leaf}/cgroup.procs`, String(spawnKeeper()));
    await enableDown(v2, [plan.root], `the scope ${plan.unit} systemd delegated`);
  }

}

/**
 * For `peapod reset`, once every container is gone: the instance's cgroups, root included. A
 * delegated scope is stopped through systemd (which takes its keeper and its cgroup with it).
 */
export async function removeInstanceCgroups(host: CgroupHost): Promise<void> {
  const { plan, v2 } = host;
  if (plan.driver !== 'systemd' || !v2) {
    await removeCgroupTree(plan.root);
    return;
  }
  const dir = `${v2}${plan.root}`;
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const c of children) if (c.isDirectory() && c.name !== KEEPER_CGROUP) await removeCgroupTree(`${plan.root}/${c.name}`);
  await stopUnit(plan.unit);
  for (let i = 0; i < 100 && existsSync(dir); i++) await sleep(100);
  if (existsSync(dir)) throw new Error(`${dir} is still there after stopping ${plan.unit}`);
}

/** catatonit pausing, detached: the process that keeps the scope (and so its cgroup) alive. */
function spawnKeeper(): number {
  const child = spawn(KEEPER, ['-P'], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${KEEPER} to hold the instance's cgroup scope`);
  return child.pid;
}

async function waitInCgroup(pid: number, cgroup: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const now = /^0::(.*)$/m.exec(await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => ''))?.[1];
    if (now === cgroup) return;
    await sleep(25);
  }
  throw new Error(`process ${pid} never arrived in ${cgroup}`);
}

/**
 * Each of `levels` (cgroup paths, outermost first; created where missing) passes cpu, memory and
 * pids down to its children. The first level's cgroup.controllers must offer them.
 */
export async function enableDown(v2: string, levels: string[], what?: string): Promise<void> {
  const first = `${v2}${levels[0] === '/' ? '' : levels[0]}`;
  const offered = await readFile(`${first}/cgroup.controllers`, 'utf8').catch(() => '');
  const missing = missingV2Controllers(offered);
  if (missing.length > 0) {
    throw new Error(`cgroup v2: ${what ?? first} lacks the ${missing.join(', ')} controller(s) pods need (it offers: ${offered.trim() || 'none'})`);
  }
  const enable = REQUIRED_V2_CONTROLLERS.map((c) => `+${c}`).join(' ');
  for (const level of levels) {
    const dir = `${v2}${level === '/' ? '' : level}`;
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(`${dir}/cgroup.subtree_control`, enable);
    } catch (err) {
      throw new Error(`cannot enable ${enable} in ${dir}/cgroup.subtree_control: ${(err as Error).message}`);
    }
  }
}
