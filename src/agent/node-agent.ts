/**
 * @module The node agent (the kubelet's job): follows the pods bound to this node through the
 * PodSource port, keeps one PodWorker per pod UID (which writes status through PodStatusWriter),
 * feeds them runtime changes, cleans up what belongs to no pod, and serves logs/exec lookups for
 * the API. Both ports are the local store today (local-store-node-api.ts); over a Kubernetes API
 * server the same agent would be a cluster's node (DESIGN.md §3).
 */
import type { Pod } from '../core/types.js';
import type { AttachStreams, Clock, ExecRequest, ImageService, ExecStreams, PodRuntimeAccess, PodSource, PodStatusWriter, TimerHandle, WatchEvent } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { Layout } from '../core/layout.js';
import { BackOff } from '../core/backoff.js';
import { BadRequestError } from '../core/errors.js';
import { latestInstances, type ContainerInstance } from '../core/runtime-view.js';
import { PodWorker } from './pod-worker.js';
import type { PodRuntime } from './pod-runtime.js';
import type { RuntimeState } from './runtime-state.js';
import type { EventInput } from '../core/events.js';
import type { HookRunner } from './lifecycle-hooks.js';
import type { Prober } from './prober-types.js';
import { admitPod, type NodeResources } from '../core/admission.js';
import { sysctlRejection } from '../core/security-context.js';

/** Safety-net relist period (the kubelet's PLEG relist); exits normally arrive through inotify at once. */
export const RELIST_PERIOD_MS = 5_000;
/** Every pod worker runs a pass this often even without an input (the kubelet's syncFrequency). */
export const RESYNC_PERIOD_MS = 60_000;

export interface NodeAgentDeps {
  layout: Layout;
  /** The pods to run, and where their status goes (the API). */
  pods: PodSource & PodStatusWriter;
  state: RuntimeState;
  podRuntime: PodRuntime;
  clock: Clock;
  logger: Logger;
  nodeName: string;
  hostIP: string;
  /** Runs `runtime.exec`; kept separate so the agent does not hold the OciRuntime itself. */
  exec(containerId: string, req: ExecRequest, io: ExecStreams): Promise<number>;
  attach(containerId: string, io: AttachStreams): Promise<void>;
  events: { record(e: EventInput): void };
  hooks: HookRunner;
  prober: Prober;
  /** The node's allocatable for admission (§10); without it every pod is admitted. */
  allocatable?: NodeResources;
  /** How often every worker runs a pass without an input (RESYNC_PERIOD_MS by default). */
  resyncPeriodMs?: number;
  /** How often the runtime is listed again (RELIST_PERIOD_MS by default). */
  relistPeriodMs?: number;
  /** Images added to (or removed from) the node, for pods waiting on a local image. */
  images?: Pick<ImageService, 'onImagesChanged'>;
}

export class NodeAgent implements PodRuntimeAccess {
  private readonly workers = new Map<string, PodWorker>();
  private readonly backOff = new BackOff();
  private readonly imageBackOff = new BackOff();
  private stopWatch: (() => void) | undefined;
  private stopStateListener: (() => void) | undefined;
  private stopProberListener: (() => void) | undefined;
  private stopImageListener: (() => void) | undefined;
  private relistTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private stopped = false;
  private qosSync: Promise<void> = Promise.resolve();
  private qosPending = false;

  constructor(private readonly d: NodeAgentDeps) {}

  async start(): Promise<void> {
    const { pods, state } = this.d;
    await state.relist();
    state.start();
    this.stopStateListener = state.onPodChange((uid) => this.onRuntimeChange(uid));
    this.stopProberListener = this.d.prober.onChange((uid) => this.workers.get(uid)?.trigger('probe'));
    this.stopImageListener = this.d.images?.onImagesChanged?.(() => {
      for (const w of this.workers.values()) w.imagesChanged();
    });
    const list = pods.listPods();
    for (const pod of list.items) this.onPod(pod);
    this.stopWatch = pods.watchPods(list.metadata.resourceVersion, (e) => this.onEvent(e));
    // Whatever runs for a pod the API no longer has (force-deleted while we were down).
    for (const uid of state.podUids()) if (!this.workers.has(uid)) this.worker(uid).update(undefined);
    // Pod cgroups without a pod or a container (a crash between the cgroup and the sandbox).
    const known = new Set([...list.items.map((p) => p.metadata?.uid ?? ''), ...state.podUids()]);
    this.d.podRuntime
      .removeOrphanPodCgroups(known)
      .then((uids) => uids.length > 0 && this.d.logger.info('removed orphaned pod cgroups', { pods: uids.join(',') }))
      .catch((err: unknown) => this.d.logger.warn('orphaned pod cgroups not removed', { err: String(err) }));
    this.syncQosCgroups();
    this.scheduleRelist();
    this.scheduleResync();
  }

  /** Stops following; leaves every container running (they outlive the daemon). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    this.stopStateListener?.();
    this.stopProberListener?.();
    this.stopImageListener?.();
    this.d.prober.stop();
    this.d.state.stop();
    if (this.relistTimer) this.d.clock.clearTimeout(this.relistTimer);
    if (this.resyncTimer) this.d.clock.clearTimeout(this.resyncTimer);
    for (const w of this.workers.values()) w.stop();
  }

  private scheduleRelist(): void {
    if (this.stopped) return;
    this.relistTimer = this.d.clock.setTimeout(() => {
      this.backOff.gc(this.d.clock.now());
      // Pods that finished (Succeeded/Failed) stop counting without being removed.
      this.syncQosCgroups();
      this.d.state
        .relist()
        .catch((err: unknown) => this.d.logger.warn('relist failed', { err: String(err) }))
        .finally(() => this.scheduleRelist());
    }, this.d.relistPeriodMs ?? RELIST_PERIOD_MS);
  }

  /** The safety net: a pass for every pod; one that finds work logs it (an event was missed). */
  private scheduleResync(): void {
    if (this.stopped) return;
    this.resyncTimer = this.d.clock.setTimeout(() => {
      for (const w of this.workers.values()) w.trigger('resync');
      this.scheduleResync();
    }, this.d.resyncPeriodMs ?? RESYNC_PERIOD_MS);
  }

  private onEvent(e: WatchEvent<Pod>): void {
    const pod = e.object;
    if (e.type === 'DELETED') {
      this.workers.get(pod.metadata?.uid ?? '')?.update(undefined);
      return;
    }
    if (e.type === 'ADDED' || e.type === 'MODIFIED') this.onPod(pod);
  }

  private onPod(pod: Pod): void {
    // Only pods bound to this node: unbound ones are the scheduler's until it binds them.
    if (pod.spec?.nodeName !== this.d.nodeName) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.worker(uid).update(pod);
  }

  private onRuntimeChange(uid: string): void {
    const w = this.workers.get(uid);
    if (w) w.trigger('runtime');
    else if (!this.stopped) this.worker(uid).update(undefined);
  }

  private worker(uid: string): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, {
        podRuntime: this.d.podRuntime,
        state: this.d.state,
        pods: this.d.pods,
        clock: this.d.clock,
        logger: this.d.logger,
        backOff: this.backOff,
        imageBackOff: this.imageBackOff,
        hostIP: this.d.hostIP,
        events: this.d.events,
        hooks: this.d.hooks,
        prober: this.d.prober,
        onDone: (done) => {
          this.workers.delete(done);
          this.syncQosCgroups();
        },
        // A finished pod gives its share back at once, not at the next relist.
        onTerminated: () => this.syncQosCgroups(),
        admit: (pod) => {
          const rejection = this.admit(pod);
          if (!rejection) this.syncQosCgroups();
          return rejection;
        },
      });
      this.workers.set(uid, w);
    }
    return w;
  }

  /** The kubelet's admit handlers in order: sysctls first, then resources. */
  private admit(pod: Pod): { reason: string; message: string } | undefined {
    const sysctls = sysctlRejection(pod);
    if (sysctls) return sysctls;
    if (!this.d.allocatable) return undefined;
    const uid = pod.metadata?.uid;
    const active: Pod[] = [];
    for (const [u, w] of this.workers) {
      const p = u === uid ? undefined : w.activePod;
      if (p) active.push(p);
    }
    return admitPod(pod, active, this.d.allocatable);
  }

  /**
   * The QoS-level cgroups follow the pods that hold node resources, as the kubelet updates them
   * on admission and removal. Runs one at a time; requests made meanwhile coalesce into one run,
   * which reads the pods when it starts (so after the worker has marked its pod admitted).
   */
  private syncQosCgroups(): void {
    if (this.qosPending) return;
    this.qosPending = true;
    this.qosSync = this.qosSync.then(async () => {
      this.qosPending = false;
      const active: Pod[] = [];
      for (const w of this.workers.values()) {
        const p = w.activePod;
        if (p) active.push(p);
      }
      await this.d.podRuntime.updateQosCgroups(active).catch((err: unknown) => this.d.logger.warn('QoS cgroups update failed', { err: String(err) }));
    });
  }

  /** A ConfigMap or Secret the pod uses changed: a pass now may start what waited for it. */
  configChanged(uid: string): void {
    this.workers.get(uid)?.trigger('config');
  }

  /** Number of pods with a worker (for metrics and tests). */
  get podCount(): number {
    return this.workers.size;
  }

  // PodRuntimeAccess ------------------------------------------------------------------------

  private instances(pod: Pod, container: string): { current: ContainerInstance; previous?: ContainerInstance } | undefined {
    const known = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.name === container);
    if (!known) throw new BadRequestError(`container ${container} is not valid for pod ${pod.metadata?.name}`);
    return latestInstances(this.d.state.view(pod.metadata!.uid!)).get(container);
  }

  logPath(pod: Pod, container: string, previous: boolean): string | undefined {
    const l = this.instances(pod, container);
    const inst = previous ? l?.previous : l?.current;
    return inst ? this.d.layout.containerLogPath(pod.metadata!.uid!, container, inst.restartCount) : undefined;
  }

  waitForExit(pod: Pod, container: string): Promise<void> {
    const cur = this.instances(pod, container)?.current;
    return cur ? this.d.state.waitForExit(cur.id) : Promise.resolve();
  }

  exec(pod: Pod, container: string, req: ExecRequest, io: ExecStreams): Promise<number> {
    return this.d.exec(this.runningInstance(pod, container).id, req, io);
  }

  attach(pod: Pod, container: string, io: AttachStreams): Promise<void> {
    return this.d.attach(this.runningInstance(pod, container).id, io);
  }

  private runningInstance(pod: Pod, container: string): ContainerInstance {
    const cur = this.instances(pod, container)?.current;
    if (!cur || cur.state !== 'running') {
      throw new BadRequestError(`container ${container} is not running in pod ${pod.metadata?.name}`);
    }
    return cur;
  }
}
