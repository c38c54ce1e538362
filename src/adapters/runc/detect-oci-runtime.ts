/**
 * @module Which OCI runtime to drive. crun is preferred where it works, but crun 1.8 refuses
 * cgroup-v1 hybrid hosts ("cgroups in hybrid mode not supported"), so it is only chosen on a pure
 * v1 or pure v2 layout, after `crun --version` runs and, given an infra rootfs, a real
 * `crun run` of catatonit succeeds.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import type { Layout } from '../../core/layout.js';
import { buildSandboxSpec } from '../../core/oci-spec.js';
import { run } from '../process/run.js';
import { readMountInfo } from '../system/mountinfo.js';

const CRUN = '/usr/bin/crun';
const RUNC_PATHS = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'];

export type CgroupLayout = 'v1' | 'hybrid' | 'v2';

export function cgroupLayoutOf(mounts: ReadonlyArray<{ mountPoint: string; fsType: string }>): CgroupLayout {
  const root = mounts.filter((m) => m.mountPoint === '/sys/fs/cgroup').at(-1);
  if (root?.fsType === 'cgroup2') return 'v2';
  const v1 = mounts.some((m) => m.fsType === 'cgroup' && m.mountPoint.startsWith('/sys/fs/cgroup/'));
  const unified = mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint.startsWith('/sys/fs/cgroup/'));
  return v1 && unified ? 'hybrid' : 'v1';
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function crunWorks(layout: Layout, infraRootfs?: string): Promise<boolean> {
  if (!(await executable(CRUN))) return false;
  const v = await run(CRUN, ['--version'], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
  if (!v || v.exitCode !== 0) return false;
  if (!infraRootfs) return true;
  const probe = `${layout.runDir}/tmp/crun-probe-${randomBytes(4).toString('hex')}`;
  const root = `${probe}/state`;
  try {
    await mkdir(root, { recursive: true });
    const spec = buildSandboxSpec({
      rootfs: infraRootfs,
      netnsPath: '',
      hostname: 'probe',
      cgroupsPath: `${layout.cgroupRoot}/crun-probe`,
      args: ['/catatonit', '--version'],
    });
    // A new, empty network namespace instead of a pinned one.
    const linux = spec.linux as { namespaces: Array<{ type: string; path?: string }> };
    linux.namespaces = linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network' } : n));
    await writeFile(`${probe}/config.json`, JSON.stringify(spec));
    const id = `peapod-probe-${randomBytes(4).toString('hex')}`;
    const r = await run(CRUN, ['--root', root, 'run', '--bundle', probe, id], { allowFailure: true, timeoutMs: 10_000 });
    await run(CRUN, ['--root', root, 'delete', '--force', id], { allowFailure: true }).catch(() => {});
    return r.exitCode === 0;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true }).catch(() => {});
  }
}

export async function detectOciRuntime(layout: Layout, infraRootfs?: string): Promise<{ name: 'runc' | 'crun'; path: string }> {
  const cgroups = cgroupLayoutOf(await readMountInfo());
  if (cgroups !== 'hybrid' && (await crunWorks(layout, infraRootfs))) return { name: 'crun', path: CRUN };
  for (const p of RUNC_PATHS) if (await executable(p)) return { name: 'runc', path: p };
  throw new Error('no usable OCI runtime: install runc (or crun on a host without hybrid cgroups)');
}
