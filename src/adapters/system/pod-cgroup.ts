/**
 * @module The pod-level and QoS-level cgroups' limits. runc creates the parents of a container's cgroupsPath but
 * never writes their limits, so peapod writes them itself before the first container exists: on
 * cgroup v1 a child's CFS quota above its parent's is refused (EINVAL), so the parent must be set
 * up first, to the pod's sum. On a v1 hybrid host the limits go to the v1 controllers only (the
 * unified tree has no controllers there); on a pure v2 host to the unified files.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { podCgroupV1Files, podCgroupV2Files, type PodCgroupConfig, type PodCgroupWriter } from '../../core/pod-resources.js';
import { qosCgroupV1Files, qosCgroupV2Files } from '../../core/qos-cgroups.js';
import { readMountInfo, type MountInfo } from './mountinfo.js';

interface Hierarchies {
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

export class PodCgroupFiles implements PodCgroupWriter {
  private cached: Hierarchies | undefined;

  private async hierarchies(): Promise<Hierarchies> {
    return (this.cached ??= hierarchies(await readMountInfo()));
  }

  apply(cgroupPath: string, cfg: PodCgroupConfig): Promise<void> {
    return this.write(cgroupPath, podCgroupV1Files(cfg), podCgroupV2Files(cfg));
  }

  applyQos(cgroupPath: string, cpuShares: number): Promise<void> {
    return this.write(cgroupPath, qosCgroupV1Files(cpuShares), qosCgroupV2Files(cpuShares));
  }

  private async write(cgroupPath: string, v1Files: [string, string][], v2Files: [string, string][]): Promise<void> {
    const rel = cgroupPath.replace(/^\/+/, '');
    const h = await this.hierarchies();
    if (h.v2) {
      await enableControllers(h.v2, rel);
      for (const [file, value] of v2Files) await writeLimit(`${h.v2}/${rel}/${file}`, value);
      return;
    }
    for (const [entry, value] of v1Files) {
      const [controller, file] = entry.split('/');
      const mount = h.v1.get(controller);
      if (!mount) throw new Error(`cgroup v1 controller ${controller} is not mounted; cannot limit the pod cgroup`);
      await mkdir(`${mount}/${rel}`, { recursive: true });
      await writeLimit(`${mount}/${rel}/${file}`, value);
    }
  }
}

/** Every level from the root down to the pod cgroup hands cpu, memory and pids down. */
async function enableControllers(root: string, rel: string): Promise<void> {
  const available = new Set((await readFile(`${root}/cgroup.controllers`, 'utf8')).trim().split(/\s+/));
  const wanted = ['cpu', 'memory', 'pids'].filter((c) => available.has(c));
  let dir = root;
  for (const part of ['', ...rel.split('/')]) {
    if (part) {
      dir = `${dir}/${part}`;
      await mkdir(dir, { recursive: true });
    }
    await writeFile(`${dir}/cgroup.subtree_control`, wanted.map((c) => `+${c}`).join(' '));
  }
}

async function writeLimit(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (err) {
    throw new Error(`cannot write ${value} to ${path}: ${(err as Error).message}`);
  }
}

/** memory+swap accounting exists: then containers get swap = limit (no swap), as the kubelet does. */
export async function hasSwapAccounting(): Promise<boolean> {
  const h = hierarchies(await readMountInfo());
  let path = `${h.v1.get('memory') ?? '/sys/fs/cgroup/memory'}/memory.memsw.limit_in_bytes`;
  if (h.v2) {
    // The root cgroup has no memory.swap.max: look at our own cgroup, as the kubelet does.
    const self = /^0::(.*)$/m.exec(await readFile('/proc/self/cgroup', 'utf8').catch(() => ''))?.[1] ?? '/';
    path = `${h.v2}${self === '/' ? '' : self}/memory.swap.max`;
  }
  return access(path).then(
    () => true,
    () => false,
  );
}
