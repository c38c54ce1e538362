/**
 * @module The agent's view of the runtime, the kubelet's PLEG + runtime cache in one: a full
 * relist (one `runc list` plus the bundles' annotations) at start and every few seconds as a
 * safety net, and a single-container refresh whenever conmon writes an exit file. Pod workers
 * read per-pod views from here instead of asking the runtime themselves.
 */
import { Annotations } from '../core/annotations.js';
import type { Clock, OciContainerInfo, OciRuntime, PodNetwork } from '../core/ports.js';
import type { ContainerInstance, PodRuntimeView, SandboxInstance } from '../core/runtime-view.js';
import type { Logger } from '../core/logger.js';

export class RuntimeState {
  private readonly containers = new Map<string, OciContainerInfo>();
  private readonly sandboxIPs = new Map<string, string>();
  private readonly exitWaiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<(podUid: string) => void>();
  private stopExitWatch: (() => void) | undefined;
  /**
   * A sequence number per write, so that a relist (which takes tens of ms) never overwrites or
   * drops an entry the agent recorded or refreshed after the relist began.
   */
  private seq = 0;
  private readonly writtenAt = new Map<string, number>();

  constructor(
    private readonly runtime: OciRuntime,
    private readonly network: PodNetwork,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** Starts following exits. Call `relist` once before serving. */
  start(): void {
    this.stopExitWatch = this.runtime.onExit((id) => void this.refresh(id));
  }

  stop(): void {
    this.stopExitWatch?.();
  }

  /** Called with a pod uid whenever something of that pod changed in the runtime. */
  onPodChange(listener: (podUid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async relist(): Promise<void> {
    const startedAt = ++this.seq;
    const all = (await this.runtime.list()).filter((info) => (this.writtenAt.get(info.id) ?? 0) < startedAt);
    const seen = new Set<string>();
    const changed = new Set<string>();
    for (const info of all) {
      seen.add(info.id);
      const before = this.containers.get(info.id);
      if (!before || before.status !== info.status || before.exitCode !== info.exitCode) {
        changed.add(podUidOf(info));
      }
      this.containers.set(info.id, keepStart(before, info));
      if (info.status !== 'running' && info.status !== 'created') this.resolveExit(info.id);
    }
    for (const [id, info] of this.containers) {
      if (!seen.has(id) && (this.writtenAt.get(id) ?? 0) < startedAt) {
        this.containers.delete(id);
        this.resolveExit(id);
        changed.add(podUidOf(info));
      }
    }
    // Adopted sandboxes (daemon restart) need their IP from the network's cache.
    for (const info of all) {
      if (isSandbox(info) && info.status === 'running' && !this.sandboxIPs.has(info.id)) {
        const hostNetworkIP = info.annotations[Annotations.hostNetworkIP];
        if (hostNetworkIP) {
          this.sandboxIPs.set(info.id, hostNetworkIP);
          continue;
        }
        const status = await this.network.status(info.id).catch(() => undefined);
        if (status) this.sandboxIPs.set(info.id, status.ip);
      }
    }
    for (const [id, at] of this.writtenAt) if (at < startedAt) this.writtenAt.delete(id);
    for (const uid of changed) this.emit(uid);
  }

  /** Re-reads one container (after an exit file appeared, or after the agent changed it). */
  async refresh(id: string): Promise<OciContainerInfo | undefined> {
    let info: OciContainerInfo | undefined;
    try {
      info = await this.runtime.inspect(id);
    } catch (err) {
      // Not knowing is not "gone": keep what we had; the next relist settles it.
      this.logger.warn('inspect failed', { id, err: String(err) });
      return this.containers.get(id);
    }
    const before = this.containers.get(id);
    this.writtenAt.set(id, ++this.seq);
    if (info) this.containers.set(id, keepStart(before, info));
    else this.containers.delete(id);
    if (!info || (info.status !== 'running' && info.status !== 'created')) this.resolveExit(id);
    const uid = info ? podUidOf(info) : before ? podUidOf(before) : undefined;
    if (uid) this.emit(uid);
    return info;
  }

  /**
   * Records a container the agent itself just created, without asking the runtime again (every
   * `runc state` costs ~25 ms of CPU on the pod start path).
   */
  recordCreated(id: string, annotations: Record<string, string>, pid: number): void {
    this.writtenAt.set(id, ++this.seq);
    this.containers.set(id, { id, annotations, status: 'created', pid, createdAt: new Date(this.clock.now()).toISOString() });
  }

  /**
   * Marks a container the agent just started; an exit already seen is never overwritten, but an
   * instance that exited before its start returned, and was read before the runtime noted the
   * start, gets its start time: a terminated state always has one.
   */
  recordStarted(id: string): void {
    const info = this.containers.get(id);
    if (info?.status === 'created') {
      this.writtenAt.set(id, ++this.seq);
      this.containers.set(id, { ...info, status: 'running', startedAt: new Date(this.clock.now()).toISOString() });
    } else if (info && info.status !== 'running' && !info.startedAt) {
      // It ran before it finished, whenever the start returned.
      const finished = info.finishedAt ? Date.parse(info.finishedAt) : Infinity;
      this.writtenAt.set(id, ++this.seq);
      this.containers.set(id, { ...info, startedAt: new Date(Math.min(this.clock.now(), finished)).toISOString() });
    }
  }

  /** Forgets a removed container without asking the runtime. */
  forget(id: string): void {
    this.writtenAt.set(id, ++this.seq);
    this.containers.delete(id);
    this.sandboxIPs.delete(id);
    this.resolveExit(id);
  }

  setSandboxIP(sandboxId: string, ip: string): void {
    this.sandboxIPs.set(sandboxId, ip);
  }

  /** Resolves when the container is no longer running (or is unknown). */
  waitForExit(id: string): Promise<void> {
    const info = this.containers.get(id);
    if (!info || (info.status !== 'running' && info.status !== 'created')) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.exitWaiters.get(id) ?? new Set();
      set.add(resolve);
      this.exitWaiters.set(id, set);
    });
  }

  get(id: string): OciContainerInfo | undefined {
    return this.containers.get(id);
  }

  /** Whether any container instance (running or kept for its logs) was made from the image. */
  usesImage(imageId: string): boolean {
    for (const info of this.containers.values()) {
      if (info.annotations[Annotations.imageConfigId] === imageId) return true;
      const ref = info.annotations[Annotations.imageId] ?? '';
      if (ref === imageId || ref.endsWith(`@${imageId}`)) return true;
    }
    return false;
  }

  /** Pod uids that have anything in the runtime. */
  podUids(): Set<string> {
    const out = new Set<string>();
    for (const info of this.containers.values()) {
      const uid = podUidOf(info);
      if (uid) out.add(uid);
    }
    return out;
  }

  /** Raw runtime records of one pod (sandboxes included). */
  podContainers(podUid: string): OciContainerInfo[] {
    return [...this.containers.values()].filter((c) => podUidOf(c) === podUid);
  }

  view(podUid: string): PodRuntimeView {
    const sandboxes: SandboxInstance[] = [];
    const containers: ContainerInstance[] = [];
    for (const info of this.podContainers(podUid)) {
      if (isSandbox(info)) {
        const ip = this.sandboxIPs.get(info.id);
        sandboxes.push({
          id: info.id,
          ready: info.status === 'running' && ip !== undefined,
          createdAt: Date.parse(info.createdAt),
          ...(ip ? { ip } : {}),
        });
      } else {
        containers.push(toInstance(info));
      }
    }
    sandboxes.sort((a, b) => b.createdAt - a.createdAt);
    return { sandboxes, containers };
  }

  private resolveExit(id: string): void {
    const set = this.exitWaiters.get(id);
    if (!set) return;
    this.exitWaiters.delete(id);
    for (const resolve of set) resolve();
  }

  private emit(uid: string): void {
    if (!uid) return;
    for (const l of this.listeners) l(uid);
  }
}

export function podUidOf(info: OciContainerInfo): string {
  return info.annotations[Annotations.podUid] ?? '';
}

export function isSandbox(info: OciContainerInfo): boolean {
  return info.annotations[Annotations.containerType] === 'sandbox';
}

function toInstance(info: OciContainerInfo): ContainerInstance {
  const a = info.annotations;
  const state =
    info.status === 'stopped' ? 'exited' : info.status === 'running' ? 'running' : info.status === 'created' ? 'created' : 'unknown';
  const inst: ContainerInstance = {
    id: info.id,
    name: a[Annotations.containerName] ?? '',
    type: a[Annotations.containerType] === 'init' ? 'init' : 'app',
    restartCount: Number(a[Annotations.restartCount] ?? 0),
    state,
    createdAt: Date.parse(info.createdAt),
    hash: a[Annotations.containerHash] ?? '',
    image: a[Annotations.image] ?? '',
    imageId: a[Annotations.imageId] ?? '',
    sandboxId: a[Annotations.sandboxId] ?? '',
  };
  if (info.startedAt) inst.startedAt = Date.parse(info.startedAt);
  if (info.finishedAt) inst.finishedAt = Date.parse(info.finishedAt);
  if (info.exitCode !== undefined) inst.exitCode = info.exitCode;
  if (state === 'exited') {
    inst.reason = info.oomKilled ? 'OOMKilled' : inst.exitCode === 0 ? 'Completed' : 'Error';
  }
  return inst;
}

/**
 * A fresh reading of a container that lacks the start time an earlier one had: the runtime read
 * it between the process's start and the runtime noting the start (an instance that exits at
 * once races its own `start`). The start does not go away; keep it.
 */
function keepStart(before: OciContainerInfo | undefined, info: OciContainerInfo): OciContainerInfo {
  return !info.startedAt && before?.startedAt ? { ...info, startedAt: before.startedAt } : info;
}
