/**
 * @module An in-memory PodHost: pod dirs and pinned namespaces as sets, hostPath
 * checks that fail for the paths a test names, every removal recorded in order.
 */
import type { HostPathType, PinnedNamespaces, PodFiles, PodHost } from '../core/ports.js';

export class FakePodHost implements PodHost {
  readonly podDirs = new Set<string>();
  readonly pinned = new Set<string>();
  /** `removePodDir <uid>`, `removePodCgroup <uid>`, `unpin <sandboxId>`. */
  readonly calls: string[] = [];
  /** hostPath → the message its check fails with. */
  readonly hostPathErrors = new Map<string, string>();

  async writePodFiles(podUid: string, _files: PodFiles): Promise<{ hostname: string; hosts: string; resolvConf: string }> {
    this.podDirs.add(podUid);
    const dir = `/fake/pods/${podUid}`;
    return { hostname: `${dir}/hostname`, hosts: `${dir}/hosts`, resolvConf: `${dir}/resolv.conf` };
  }

  async pinNamespaces(sandboxId: string, want: { ipc: boolean; hostname?: string }): Promise<PinnedNamespaces> {
    this.pinned.add(sandboxId);
    return {
      ...(want.ipc ? { ipc: `/fake/ns/${sandboxId}/ipc` } : {}),
      ...(want.hostname !== undefined ? { uts: `/fake/ns/${sandboxId}/uts` } : {}),
    };
  }

  async unpinNamespaces(sandboxId: string): Promise<void> {
    if (this.pinned.delete(sandboxId)) this.calls.push(`unpin ${sandboxId}`);
  }

  async ensureEmptyDir(podUid: string, volumeName: string): Promise<string> {
    this.podDirs.add(podUid);
    return `/fake/pods/${podUid}/volumes/kubernetes.io~empty-dir/${volumeName}`;
  }

  async ensureShm(podUid: string): Promise<string> {
    this.podDirs.add(podUid);
    return `/fake/pods/${podUid}/shm`;
  }

  async checkHostPath(path: string, _type: HostPathType): Promise<void> {
    const err = this.hostPathErrors.get(path);
    if (err !== undefined) throw new Error(err);
  }

  async ensureSubPath(volumePath: string, subPath: string): Promise<string> {
    return `${volumePath}/${subPath}`;
  }

  /** Set: removePodDir waits for it (an unmount that hangs). */
  removePodDirHold: Promise<void> | undefined;

  async removePodDir(podUid: string): Promise<void> {
    this.calls.push(`removePodDir ${podUid}`);
    await this.removePodDirHold;
    this.podDirs.delete(podUid);
  }

  async removePodCgroup(podUid: string): Promise<void> {
    this.calls.push(`removePodCgroup ${podUid}`);
  }

  async listPodDirs(): Promise<string[]> {
    return [...this.podDirs];
  }

  async createTerminationLog(): Promise<void> {}

  async readTail(): Promise<string> {
    return '';
  }
}
