/**
 * @module One worker per pod UID, as the kubelet's pod workers: syncs are serialised, triggered
 * by spec changes, container exits and timers. Each sync plans with computePodActions (pure),
 * executes the plan through PodRuntime, then derives the status (pure) and writes it only when
 * it changed. Deletion runs the termination sequence and removes the object at the end.
 */
import type { Pod } from '../core/types.js';
import type { Clock, ObjectStore, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { BackOff } from '../core/backoff.js';
import { computePodActions, type ContainerToStart } from '../core/pod-actions.js';
import { computePodStatus, type WaitingReason } from '../core/pod-status.js';
import { latestInstances, stableJson, type ContainerInstance, type PodRuntimeView } from '../core/runtime-view.js';
import { ConflictError } from '../core/errors.js';
import { ContainerStartError, type PodRuntime, type PreparedContainer } from './pod-runtime.js';
import type { RuntimeState } from './runtime-state.js';

/** How soon a sync that hit an error (image missing, create failed) is retried. */
export const ERROR_RESYNC_MS = 10_000;

export interface PodWorkerDeps {
  podRuntime: PodRuntime;
  state: RuntimeState;
  store: ObjectStore;
  clock: Clock;
  logger: Logger;
  backOff: BackOff;
  imageBackOff: BackOff;
  hostIP: string;
  /** Called once the pod is gone from the host (and from the store). */
  onDone(uid: string): void;
}

interface StartError extends WaitingReason {
  at: number;
}

export class PodWorker {
  private pod: Pod | undefined;
  private running = false;
  private pending = false;
  private done = false;
  private timer: TimerHandle | undefined;
  private readonly startErrors = new Map<string, StartError>();
  private waiting = new Map<string, WaitingReason>();
  /** When the running termination must SIGKILL; a later delete with a shorter grace pulls it in. */
  private killDeadline: number | undefined;
  private deletionGrace: number | undefined;

  constructor(
    readonly uid: string,
    private readonly d: PodWorkerDeps,
  ) {}

  /** The newest object from the store, or undefined once it was removed from it. */
  update(pod: Pod | undefined): void {
    const before = this.pod;
    this.pod = pod;
    const grace = pod?.metadata?.deletionGracePeriodSeconds;
    if (this.killDeadline !== undefined && grace !== undefined && grace !== this.deletionGrace) {
      this.killDeadline = Math.min(this.killDeadline, this.d.clock.now() + grace * 1000);
      this.deletionGrace = grace;
    }
    // Our own status writes come back through the watch: only other changes need a sync.
    if (!pod || !before || stableJson(specPart(pod)) !== stableJson(specPart(before))) this.trigger();
  }

  trigger(): void {
    if (this.done) return;
    this.pending = true;
    if (!this.running) void this.loop();
  }

  stop(): void {
    this.done = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending && !this.done) {
        this.pending = false;
        try {
          await this.sync();
        } catch (err) {
          this.d.logger.error('pod sync failed', { uid: this.uid, err: err instanceof Error ? err.stack : String(err) });
          this.schedule(this.d.clock.now() + ERROR_RESYNC_MS);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private schedule(at: number | undefined): void {
    if (at === undefined || this.done) return;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = this.d.clock.setTimeout(() => this.trigger(), Math.max(0, at - this.d.clock.now()));
  }

  private async sync(): Promise<void> {
    const pod = this.pod;
    const { state, podRuntime } = this.d;
    if (!pod) {
      // Removed from the store without us (force delete, or an orphan found at start).
      await this.killPod(undefined, state.view(this.uid), () => 0);
      await podRuntime.removePod(this.uid);
      this.finish();
      return;
    }
    if (pod.metadata!.deletionTimestamp) {
      await this.terminate(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.killPod(pod, state.view(this.uid), () => this.d.clock.now() + this.graceSeconds(pod) * 1000);
      this.writeStatus(pod, true);
      return;
    }

    const now = this.d.clock.now();
    const view = state.view(this.uid);
    const actions = computePodActions(pod, view, { now, backOff: this.d.backOff });
    const crashLoop = new Map<string, WaitingReason>();
    for (const [name, b] of actions.backOff) {
      const meta = pod.metadata!;
      crashLoop.set(name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(b.waitMs / 1000)}s restarting failed container=${name} pod=${meta.name}_${meta.namespace}(${meta.uid})`,
      });
    }
    let nextSync = actions.nextSyncAt;

    if (actions.killPod) {
      await this.killPod(pod, view, () => this.d.clock.now() + this.graceSeconds(pod) * 1000);
    }
    let sandboxId = actions.sandboxId;
    if (actions.createSandbox) {
      try {
        const t0 = this.d.clock.now();
        sandboxId = await podRuntime.createSandbox(pod);
        this.d.logger.debug('sandbox ready', { pod: pod.metadata!.name, ms: this.d.clock.now() - t0 });
      } catch (err) {
        this.d.logger.warn('FailedCreatePodSandBox', { pod: pod.metadata!.name, err: String(err) });
        this.waiting = new Map(crashLoop);
        this.writeStatus(pod, false);
        this.schedule(now + ERROR_RESYNC_MS);
        return;
      }
    }
    await Promise.all(
      actions.containersToKill.map((k) => podRuntime.killContainer(k.instance, () => this.d.clock.now() + this.graceSeconds(pod) * 1000, sharePid(pod))),
    );
    if (sandboxId && actions.containersToStart.length > 0) {
      const t0 = this.d.clock.now();
      const retryAt = await this.startContainers(pod, sandboxId, actions.containersToStart);
      this.d.logger.debug('containers started', { pod: pod.metadata!.name, count: actions.containersToStart.length, ms: this.d.clock.now() - t0 });
      if (retryAt !== undefined) nextSync = Math.min(nextSync ?? Infinity, retryAt);
    }
    this.waiting = new Map([...this.startErrors, ...crashLoop]);
    this.writeStatus(pod, false);
    this.schedule(nextSync);
  }

  /**
   * Init containers one at a time; app containers prepared in parallel (image, rootfs, conmon +
   * runc create) and started in spec order. Returns when a failed start should be retried.
   */
  private async startContainers(pod: Pod, sandboxId: string, starts: ContainerToStart[]): Promise<number | undefined> {
    const { podRuntime, clock } = this.d;
    const all = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
    let retryAt: number | undefined;
    const fail = (name: string, err: unknown): void => {
      const e = err instanceof ContainerStartError ? err : new ContainerStartError('CreateContainerError', String(err));
      const previous = this.startErrors.get(name);
      const reason = e.reason === 'ErrImagePull' && previous?.reason.match(/ErrImagePull|ImagePullBackOff/) ? 'ImagePullBackOff' : e.reason;
      this.startErrors.set(name, { reason, message: e.message, at: clock.now() });
      if (e.reason === 'ErrImagePull') {
        const key = `image/${this.uid}/${name}`;
        this.d.imageBackOff.next(key, clock.now());
        retryAt = Math.min(retryAt ?? Infinity, clock.now() + (this.d.imageBackOff.current(key) ?? ERROR_RESYNC_MS));
      } else {
        retryAt = Math.min(retryAt ?? Infinity, clock.now() + ERROR_RESYNC_MS);
      }
      this.d.logger.info('container start failed', { pod: pod.metadata!.name, container: name, reason: e.reason, message: e.message });
    };
    const prepare = (s: ContainerToStart): Promise<PreparedContainer> => {
      const spec = all.find((c) => c.name === s.name)!;
      return podRuntime.prepareContainer(pod, sandboxId, spec, s.type, s.restartCount);
    };
    const started = (s: ContainerToStart): void => {
      this.startErrors.delete(s.name);
      if (s.backOff) this.d.backOff.next(s.backOff.key, s.backOff.exitedAt);
    };

    const inits = starts.filter((s) => s.type === 'init');
    for (const s of inits) {
      try {
        const p = await prepare(s);
        await podRuntime.startContainer(p);
        started(s);
      } catch (err) {
        fail(s.name, err);
        return retryAt;
      }
    }
    const apps = starts.filter((s) => s.type === 'app');
    const prepared = apps.map((s) => prepare(s));
    for (const [i, s] of apps.entries()) {
      try {
        await podRuntime.startContainer(await prepared[i]);
        started(s);
      } catch (err) {
        fail(s.name, err);
      }
    }
    await Promise.allSettled(prepared);
    await this.collectGarbage();
    return retryAt;
  }

  /** Keeps the current and the previous instance of each container, as the kubelet's GC does. */
  private async collectGarbage(): Promise<void> {
    const view = this.d.state.view(this.uid);
    const keep = new Set<string>();
    for (const { current, previous } of latestInstances(view).values()) {
      keep.add(current.id);
      if (previous) keep.add(previous.id);
    }
    for (const c of view.containers) {
      if (!keep.has(c.id) && c.state !== 'running') await this.d.podRuntime.removeContainer(c.id);
    }
  }

  /** App containers in parallel, then sidecars one by one in reverse order, then the sandbox. */
  private async killPod(pod: Pod | undefined, view: PodRuntimeView, deadline: () => number): Promise<void> {
    const { podRuntime } = this.d;
    const alive = (c: ContainerInstance): boolean => c.state === 'running' || c.state === 'created';
    const shared = pod ? sharePid(pod) : true;
    const current = [...latestInstances(view).values()].map((l) => l.current);
    const leftovers = view.containers.filter((c) => alive(c) && !current.includes(c));
    await Promise.all([...current.filter((c) => alive(c) && c.type === 'app'), ...leftovers].map((c) => podRuntime.killContainer(c, deadline, shared)));
    const order = (pod?.spec?.initContainers ?? []).map((c) => c.name).reverse();
    const inits = current.filter((c) => alive(c) && c.type === 'init').sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    for (const c of inits) await podRuntime.killContainer(c, deadline, shared);
    for (const s of view.sandboxes) await podRuntime.stopSandbox(s.id);
  }

  private async terminate(pod: Pod): Promise<void> {
    const { state, podRuntime, store } = this.d;
    // Counted from when the node sees the deletion, as the kubelet does (deletionTimestamp has
    // only whole seconds).
    this.deletionGrace = pod.metadata!.deletionGracePeriodSeconds ?? this.graceSeconds(pod);
    this.killDeadline ??= this.d.clock.now() + this.deletionGrace * 1000;
    await this.killPod(pod, state.view(this.uid), () => this.killDeadline!);
    this.waiting = new Map();
    this.writeStatus(this.pod ?? pod, true);
    await podRuntime.removePod(this.uid);
    const meta = pod.metadata!;
    const stored = store.tryGet<Pod>('pods', meta.namespace!, meta.name!);
    if (stored?.metadata?.uid === this.uid) store.delete('pods', meta.namespace!, meta.name!);
    this.finish();
  }

  private finish(): void {
    this.d.backOff.forget(`${this.uid}/`);
    this.d.imageBackOff.forget(`image/${this.uid}/`);
    this.stop();
    this.d.onDone(this.uid);
  }

  private graceSeconds(pod: Pod): number {
    const g = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(g, 1);
  }

  private writeStatus(pod: Pod, terminating: boolean): void {
    const { store, state, clock } = this.d;
    const meta = pod.metadata!;
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = store.tryGet<Pod>('pods', meta.namespace!, meta.name!);
      if (!stored || stored.metadata?.uid !== this.uid) return;
      const status = computePodStatus({
        pod: stored,
        view: state.view(this.uid),
        now: clock.now(),
        waiting: this.waiting,
        hostIP: this.d.hostIP,
        terminating,
      });
      if (stableJson(status) === stableJson(stored.status)) return;
      try {
        this.pod = store.update<Pod>('pods', { ...stored, status });
        return;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }
}

function specPart(pod: Pod): unknown {
  return [pod.spec, pod.metadata?.deletionTimestamp, pod.metadata?.deletionGracePeriodSeconds, pod.status?.phase];
}

function sharePid(pod: Pod): boolean {
  return pod.spec?.shareProcessNamespace === true;
}

