/**
 * @module The pod-level and QoS-level cgroups' limits. runc creates the parents of a container's cgroupsPath but
 * never writes their limits, so peapod writes them itself before the first container exists: on
 * cgroup v1 a child's CFS quota above its parent's is refused (EINVAL), so the parent must be set
 * up first, to the pod's sum. On a v1 hybrid host the limits go to the v1 controllers only (the
 * unified tree has no controllers there); on a pure v2 host to the unified files, with cpu,
 * memory and pids passed down from the instance's cgroup root (never above it: see
 * cgroup-root.ts).
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cgroupLevels } from '../../core/cgroup-mode.js';
import { podCgroupV1Files, podCgroupV2Files, type PodCgroupConfig, type PodCgroupWriter } from '../../core/pod-resources.js';
import { qosCgroupV1Files, qosCgroupV2Files } from '../../core/qos-cgroups.js';
import { hierarchies } from './cgroup-fs.js';
import { enableDown, type CgroupRoot } from './cgroup-root.js';
import { readMountInfo } from './mountinfo.js';

export { hierarchies } from './cgroup-fs.js';

export class PodCgroupFiles implements PodCgroupWriter {
  constructor(private readonly root: CgroupRoot) {}

  apply(cgroupPath: string, cfg: PodCgroupConfig): Promise<void> {
    return this.write(cgroupPath, podCgroupV1Files(cfg), podCgroupV2Files(cfg));
  }

  applyQos(cgroupPath: string, cpuShares: number): Promise<void> {
    return this.write(cgroupPath, qosCgroupV1Files(cpuShares), qosCgroupV2Files(cpuShares));
  }

  private async write(cgroupPath: string, v1Files: [string, string][], v2Files: [string, string][]): Promise<void> {
    await this.root.ready();
    const { plan, v1, v2 } = this.root.host;
    if (plan.version === 'v2' && v2) {
      await enableDown(v2, cgroupLevels(plan.root, cgroupPath));
      for (const [file, value] of v2Files) await writeLimit(`${v2}${cgroupPath}/${file}`, value);
      return;
    }
    const rel = cgroupPath.replace(/^\/+/, '');
    for (const [entry, value] of v1Files) {
      const [controller, file] = entry.split('/');
      const mount = v1.get(controller);
      if (!mount) throw new Error(`cgroup v1 controller ${controller} is not mounted; cannot limit the pod cgroup`);
      await mkdir(`${mount}/${rel}`, { recursive: true });
      await writeLimit(`${mount}/${rel}/${file}`, value);
    }
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
