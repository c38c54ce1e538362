/**
 * @module The pod's footprint on the host outside the containers: its directory (volumes, shm,
 * hosts/resolv.conf/hostname) and its pod-level cgroup. Removal only ever unmounts and then deletes
 * what is left under the pod dir, after checking nothing is mounted there any more, so a bind of
 * host files into the pod dir can never make it delete host files.
 */
import { chmod, chown, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Layout } from '../../core/layout.js';
import type { HostPathType, PinnedNamespaces, PodFiles, PodHost } from '../../core/ports.js';
import { run } from '../process/run.js';
import { cgroupDirs, errno, killCgroupProcesses, removeCgroupTree } from './cgroup-fs.js';
import { checkHostPath, ensureSubPath } from './host-path.js';
import { readFileIn } from './rootfs-file.js';
import { isMountPoint, mountPointsUnder, readMountInfo, unmountAllUnder } from './mountinfo.js';

/** Size of the pod's shared /dev/shm, as the kubelet/CRI-O default. */
export const SHM_SIZE_BYTES = 64 * 1024 * 1024;

export interface HostPodHostOptions {
  layout: Layout;
}

export class HostPodHost implements PodHost {
  private readonly layout: Layout;

  constructor(opts: HostPodHostOptions) {
    this.layout = opts.layout;
  }

  async writePodFiles(podUid: string, files: PodFiles): Promise<{ hostname: string; hosts: string; resolvConf: string }> {
    const dir = this.layout.podDir(podUid);
    await mkdir(dir, { recursive: true });
    const paths = { hostname: `${dir}/hostname`, hosts: `${dir}/etc-hosts`, resolvConf: `${dir}/resolv.conf` };
    const hostname = files.hostname.endsWith('\n') ? files.hostname : `${files.hostname}\n`;
    await writeInPlaceOrAtomic(paths.hostname, hostname);
    await writeInPlaceOrAtomic(paths.hosts, files.hosts);
    await writeInPlaceOrAtomic(paths.resolvConf, files.resolvConf);
    return paths;
  }

  async pinNamespaces(sandboxId: string, want: { ipc: boolean; hostname?: string }): Promise<PinnedNamespaces> {
    const dir = this.layout.pinnedNamespacesDir(sandboxId);
    const pinned: PinnedNamespaces = {};
    if (want.ipc) pinned.ipc = `${dir}/ipc`;
    if (want.hostname !== undefined) pinned.uts = `${dir}/uts`;
    if (!pinned.ipc && !pinned.uts) return pinned;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const args: string[] = [];
    for (const [type, path] of Object.entries(pinned)) {
      await writeFile(path, '');
      args.push(`--${type}=${path}`);
    }
    // unshare makes the namespaces and bind-mounts them onto the files; `hostname` runs inside
    // the new UTS namespace, so the pod's name is set once, before any container exists.
    const argv = want.hostname !== undefined ? [...args, 'hostname', want.hostname] : [...args, 'true'];
    const res = await run('unshare', argv, { allowFailure: true });
    if (res.exitCode !== 0) {
      await this.unpinNamespaces(sandboxId).catch(() => {});
      throw new Error(`cannot make the pod's namespaces (unshare ${argv.join(' ')}): ${res.stderr.trim() || `exit ${res.exitCode}`}`);
    }
    return pinned;
  }

  async unpinNamespaces(sandboxId: string): Promise<void> {
    const dir = this.layout.pinnedNamespacesDir(sandboxId);
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }

  async ensureEmptyDir(podUid: string, volumeName: string, medium: string, sizeLimitBytes?: number, fsGroup?: number): Promise<string> {
    const path = this.layout.emptyDirPath(podUid, volumeName);
    await mkdir(path, { recursive: true, mode: 0o777 });
    if (medium === 'Memory') {
      if (!(await isMountPoint(path))) {
        const opts = ['mode=0777', 'nosuid', 'nodev'];
        if (sizeLimitBytes !== undefined && sizeLimitBytes > 0) opts.push(`size=${sizeLimitBytes}`);
        await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', path]);
      }
    } else {
      await chmod(path, 0o777); // mkdir's mode is cut by the umask
    }
    if (fsGroup !== undefined) {
      // SetVolumeOwnership: the group owns it and new files inherit the group (setgid).
      await chown(path, 0, fsGroup);
      await chmod(path, 0o2777);
    }
    return path;
  }

  readFileIn(root: string, path: string): Promise<string | undefined> {
    return readFileIn(root, path);
  }

  async ensureShm(podUid: string): Promise<string> {
    const path = `${this.layout.podDir(podUid)}/shm`;
    await mkdir(path, { recursive: true });
    if (!(await isMountPoint(path))) {
      const opts = ['mode=1777', 'nosuid', 'nodev', 'noexec', `size=${SHM_SIZE_BYTES}`];
      await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'shm', path]);
    }
    return path;
  }

  checkHostPath(path: string, type: HostPathType): Promise<void> {
    return checkHostPath(path, type);
  }

  ensureSubPath(volumePath: string, subPath: string): Promise<string> {
    return ensureSubPath(volumePath, subPath);
  }

  async removePodDir(podUid: string): Promise<void> {
    const dir = this.layout.podDir(podUid);
    await unmountAllUnder(dir);
    // Checked again right before deleting: rm must never walk into a mount.
    const still = mountPointsUnder(await readMountInfo(), dir);
    if (still.length > 0) throw new Error(`refusing to remove ${dir}: still mounted: ${still.join(', ')}`);
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Wherever its QoS class put it (or a daemon from before the QoS levels did). What still runs in
   * it once the pod's containers have stopped is the pod's (an exec whose container went away
   * under it, say): SIGKILLed first, as the kubelet's pod cgroup removal does, instead of holding
   * every directory busy for the whole wait.
   */
  async removePodCgroup(podUid: string): Promise<void> {
    const failures: string[] = [];
    for (const path of this.layout.podCgroupCandidates(podUid)) {
      await killCgroupProcesses(path).catch(() => 0);
      await removeCgroupTree(path).catch((err: unknown) => failures.push((err as Error).message));
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  async listPodCgroups(): Promise<string[]> {
    const uids = new Set<string>();
    const root = this.layout.cgroupRoot;
    for (const top of await cgroupDirs(root)) {
      for (const level of [top, `${top}/burstable`, `${top}/besteffort`]) {
        const names = await readdir(level).catch(() => [] as string[]);
        for (const name of names) if (/^pod[0-9a-f-]{8,}$/.test(name)) uids.add(name.slice(3));
      }
    }
    return [...uids];
  }

  async createTerminationLog(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '', { mode: 0o666 });
    await chmod(path, 0o666);
  }

  async readTail(path: string, maxBytes: number): Promise<string> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch {
      return '';
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      await handle.close();
    }
  }

  async listPodDirs(): Promise<string[]> {
    try {
      const entries = await readdir(this.layout.podsDir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
  }
}

/** Write to a temp file beside the target, then rename: readers never see a half-written file. */
/**
 * A file that exists is truncated and rewritten (same inode: containers that bind-mount it see
 * the new content); a new one is written atomically.
 */
async function writeInPlaceOrAtomic(path: string, content: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r+');
  } catch (err) {
    if (errno(err) === 'ENOENT') return writeAtomic(path, content);
    throw err;
  }
  try {
    await fh.truncate(0);
    await fh.write(content, 0);
  } finally {
    await fh.close();
  }
}

export async function writeAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content, { mode });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
