/**
 * @module Which cgroup hierarchy the host mounts, and where this instance's cgroups go: decided
 * from what the host has, never from configuration.
 *
 * - cgroup v1 (and the v1 + empty-unified "hybrid" layout of these machines): `/<instance>` in
 *   every v1 hierarchy, as the kubelet's cgroupfs driver puts `kubepods`.
 * - cgroup v2 without systemd as init: nobody else manages the tree; `/<instance>` at its root.
 * - cgroup v2 under systemd: systemd owns the tree, and only a subtree it delegates may be written
 *   (systemd's CGROUP_DELEGATION rules). The delegated subtree is a transient scope of our own,
 *   `machine.slice/<instance>.scope` with Delegate=yes, beside the service rather than inside it:
 *   systemd (≤ 255) cannot start a service again while the service's own cgroup has controllers
 *   enabled for live sub-cgroups (status=219/CGROUP), so pods inside `peapod.service` would make
 *   `systemctl restart peapod` fail exactly when it matters, with containers running. A scope
 *   needs a process: a keeper (catatonit, pausing) holds it, in a leaf of its own, because a
 *   cgroup whose children have controllers may hold no process itself.
 */

/** How the host mounts cgroups. */
export type CgroupVersion = 'v1' | 'hybrid' | 'v2';

export function cgroupVersionOf(mounts: ReadonlyArray<{ mountPoint: string; fsType: string }>): CgroupVersion {
  const root = mounts.filter((m) => m.mountPoint === '/sys/fs/cgroup').at(-1);
  if (root?.fsType === 'cgroup2') return 'v2';
  const v1 = mounts.some((m) => m.fsType === 'cgroup' && m.mountPoint.startsWith('/sys/fs/cgroup/'));
  const unified = mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint.startsWith('/sys/fs/cgroup/'));
  return v1 && unified ? 'hybrid' : 'v1';
}

/** The slice systemd keeps containers and VMs in (systemd-nspawn, machined, Podman). */
export const MACHINE_SLICE = 'machine.slice';
/** The leaf of the delegated scope that holds its keeper process. */
export const KEEPER_CGROUP = 'keeper';
/** Controllers every pod cgroup needs on cgroup v2 (cpu.weight/cpu.max, memory.*, pids.max). */
export const REQUIRED_V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;

export type CgroupRootPlan =
  /** Write `root` (and below) directly: every v1 hierarchy, or the whole v2 tree. */
  | { driver: 'cgroupfs'; version: CgroupVersion; root: string }
  /** Ask systemd for the scope `unit` in `slice` with Delegate=yes; `root` is its cgroup. */
  | { driver: 'systemd'; version: 'v2'; root: string; unit: string; slice: string };

export interface CgroupHostFacts {
  version: CgroupVersion;
  /** systemd is the init system (/run/systemd/system exists, as sd_booted() checks). */
  systemd: boolean;
  /** The daemon instance name (Layout's `instance`). */
  instance: string;
}

export function planCgroupRoot(facts: CgroupHostFacts): CgroupRootPlan {
  if (facts.version === 'v2' && facts.systemd) {
    const unit = `${facts.instance}.scope`;
    return { driver: 'systemd', version: 'v2', root: `/${MACHINE_SLICE}/${unit}`, unit, slice: MACHINE_SLICE };
  }
  return { driver: 'cgroupfs', version: facts.version, root: `/${facts.instance}` };
}

/**
 * What a v2 cgroup lacks of the controllers pods need, from its `cgroup.controllers` text; []
 * when nothing is missing.
 */
export function missingV2Controllers(controllersText: string): string[] {
  const have = new Set(controllersText.trim().split(/\s+/).filter(Boolean));
  return REQUIRED_V2_CONTROLLERS.filter((c) => !have.has(c));
}

/**
 * The cgroups from `root` down to `path` (inclusive, `root` first), each of which must pass the
 * controllers down (`cgroup.subtree_control`) so that `path`'s children get them. Throws when
 * `path` is not inside `root`: nothing outside the instance's root is ever written.
 */
export function cgroupLevels(root: string, path: string): string[] {
  const norm = (p: string) => `/${p.split('/').filter(Boolean).join('/')}`;
  const r = norm(root);
  const p = norm(path);
  if (p !== r && !p.startsWith(`${r === '/' ? '' : r}/`)) throw new Error(`cgroup ${p} is outside the instance's cgroup root ${r}`);
  const levels = [r];
  const rest = p.slice(r === '/' ? 1 : r.length + 1).split('/').filter(Boolean);
  let cur = r === '/' ? '' : r;
  for (const part of rest) {
    cur = `${cur}/${part}`;
    levels.push(cur);
  }
  return levels;
}
