/**
 * @module One worker per pod UID, as the kubelet's pod_workers: every input (a spec change, the
 * deletion, a container exit, a probe result, a timer, a changed ConfigMap or Secret, a pulled
 * image) wakes it at once; inputs that arrive while a pass runs are coalesced into the next
 * pass, never dropped; a deletion cancels a running sync pass. The pod goes through the
 * kubelet's three phases, each its own pass:
 *  - syncing (SyncPod): plan with computePodActions (pure), start and kill containers, write
 *    the status; ends when the pod is deleted, fails (admission, deadline) or completes;
 *  - terminating (SyncTerminatingPod): planTermination (pure) executed within the grace;
 *  - terminated (SyncTerminatedPod): volumes and the pod cgroup go, then the API object (only
 *    once the deletion asked for it), then the containers' records and rootfs.
 * A pass that fails to make the sandbox or its volumes is retried after a back-off, which only a
 * change that may fix it (spec, deletion, a config object, an image) cuts short.
 */
import type { Pod } from '../core/types.js';
import type { Clock, PodSource, PodStatusWriter, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { BackOff } from '../core/backoff.js';
import { computePodActions } from '../core/pod-actions.js';
import { planTermination, terminationGraceSeconds } from '../core/pod-termination.js';
import type { WaitingReason } from '../core/pod-status.js';
import { latestInstances, stableJson } from '../core/runtime-view.js';
import type { EventInput } from '../core/events.js';
import type { PodRuntime } from './pod-runtime.js';
import { VolumeMountError } from './volume-mount-error.js';
import type { RuntimeState } from './runtime-state.js';
import type { HookRunner } from './lifecycle-hooks.js';
import { ContainerKiller, containerSpec } from './container-killer.js';
import { ContainerStarter } from './container-starter.js';
import { PodStatusManager } from './pod-status-manager.js';
import type { Prober } from './prober-types.js';

/** How soon a pass that failed (sandbox, volumes, an unexpected error) is retried: the kubelet's backOffPeriod. */
export const ERROR_RESYNC_MS = 10_000;
/** A removal step running this long waits on something that hangs: the log says which (watchSlowPass). */
export const SLOW_PASS_MS = 30_000;

/** Why a worker was woken; several coalesce into one pass. */
export type WakeReason =
  | 'spec' // the pod's spec changed, or it was seen for the first time
  | 'deletion' // deletionTimestamp set, or its grace shortened
  | 'removed' // gone from the API
  | 'runtime' // a container or sandbox of the pod changed state (PLEG)
  | 'probe' // a probe result flipped, or a liveness/startup probe failed
  | 'timer' // a back-off, deadline or retry time came
  | 'config' // a ConfigMap or Secret the pod uses changed
  | 'image' // an image was added to the node
  | 'resync' // the periodic safety net
  | 'started'; // a container started in the last pass: the next step may be unblocked

/** Inputs that may fix what made a pass fail: they cut its back-off short. */
const FIXING: ReadonlySet<WakeReason> = new Set(['spec', 'deletion', 'removed', 'config', 'image']);

export type WorkerPhase = 'syncing' | 'terminating' | 'terminated';

export interface PodWorkerDeps {
  podRuntime: PodRuntime;
  state: RuntimeState;
  /** Where the pod is re-read before each status write, written, and finally deleted. */
  pods: Pick<PodSource, 'getPod'> & PodStatusWriter;
  clock: Clock;
  logger: Logger;
  backOff: BackOff;
  imageBackOff: BackOff;
  hostIP: string;
  events: { record(e: EventInput): void };
  hooks: HookRunner;
  prober: Prober;
  /** Called once the pod is gone from the host (and from the API). */
  onDone(uid: string): void;
  /** Called when its containers have stopped for good: it holds no node resources any more. */
  onTerminated?(uid: string): void;
  /** Resource admission (§10): a rejection fails the pod before anything of it starts. */
  admit?(pod: Pod): { reason: string; message: string } | undefined;
}

export const DEADLINE_EXCEEDED = {
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
};

interface PassResult {
  /** When to run again by itself (back-off expiry, deadline, retry). */
  nextSyncAt?: number;
  /** The pass failed: retry at nextSyncAt unless a fixing input comes first. */
  failed?: boolean;
  /** It started or killed something (a resync-only pass that does is logged: an event was missed). */
  acted?: boolean;
}

export class PodWorker {
  private pod: Pod | undefined;
  private removed = false;
  private phase: WorkerPhase = 'syncing';
  private finished = false;
  private running = false;
  private readonly wakes = new Set<WakeReason>();
  private timer: TimerHandle | undefined;
  /** When `timer` fires. */
  private timerDueAt: number | undefined;
  /** A failed pass is retried at this time unless a fixing input comes first. */
  private retryAt: number | undefined;
  /** Cancels the running sync pass (not a termination: that one is shortened through its deadline). */
  private abort: AbortController | undefined;
  /** SIGKILL time of the running termination; a shorter grace or a removal pulls it in. */
  private killDeadline: number | undefined;
  private deletionGrace: number | undefined;
  private admitted = false;
  /** What the running pass waits on after the kill, named in the warning about one that hangs. */
  private step: { name: string; since: number } | undefined;

  private readonly status: PodStatusManager;
  private readonly killer: ContainerKiller;
  private readonly starter: ContainerStarter;

  constructor(
    readonly uid: string,
    private readonly d: PodWorkerDeps,
  ) {
    this.status = new PodStatusManager({
      uid,
      pods: d.pods,
      state: d.state,
      clock: d.clock,
      hostIP: d.hostIP,
      probes: d.prober,
      terminationMessage: (pod, inst) => d.podRuntime.terminationMessage(pod, inst),
    });
    this.killer = new ContainerKiller({
      podRuntime: d.podRuntime,
      hooks: d.hooks,
      clock: d.clock,
      podIP: () => d.state.view(uid).sandboxes[0]?.ip,
      event: (pod, container, type, reason, message) => this.event(pod, container, type, reason, message),
    });
    this.starter = new ContainerStarter({
      uid,
      podRuntime: d.podRuntime,
      state: d.state,
      clock: d.clock,
      logger: d.logger,
      backOff: d.backOff,
      imageBackOff: d.imageBackOff,
      hooks: d.hooks,
      killer: this.killer,
      errorRetryMs: ERROR_RESYNC_MS,
      event: (pod, container, type, reason, message) => this.event(pod, container, type, reason, message),
      // Shows a container waiting (ContainerCreating) while its postStart hook runs.
      writeStatus: (pod) => this.writeStatus(pod, false),
      graceDeadline: (pod) => this.graceDeadline(pod),
    });
  }

  /** The newest object from the PodSource, or undefined once it was removed from it. */
  update(pod: Pod | undefined): void {
    const before = this.pod;
    if (!pod) {
      this.removed = true;
      // Nobody waits for a graceful end any more: whatever still runs is killed now.
      if (this.killDeadline !== undefined) this.killDeadline = Math.min(this.killDeadline, this.d.clock.now());
      this.abort?.abort();
      this.wake('removed');
      return;
    }
    this.pod = pod;
    const meta = pod.metadata!;
    if (meta.deletionTimestamp) {
      const grace = meta.deletionGracePeriodSeconds;
      const shortened = this.killDeadline !== undefined && grace !== undefined && grace !== this.deletionGrace;
      if (shortened) {
        this.killDeadline = Math.min(this.killDeadline!, this.d.clock.now() + grace! * 1000);
        this.deletionGrace = grace;
      }
      if (!before?.metadata?.deletionTimestamp || shortened) {
        this.abort?.abort();
        this.wake('deletion');
        return;
      }
    }
    // Our own status writes come back through the watch: only other changes need a pass.
    if (!before || stableJson(specPart(pod)) !== stableJson(specPart(before))) this.wake('spec');
  }

  /** Something outside the API changed for this pod. */
  trigger(reason: WakeReason): void {
    this.wake(reason);
  }

  /**
   * An image was added to the node: a container waiting for a local image it may not pull
   * (ErrImageNeverPull) may start now. Pulls in back-off keep to their own timer.
   */
  imagesChanged(): void {
    if ([...this.starter.startErrors.values()].some((e) => e.reason === 'ErrImageNeverPull')) this.wake('image');
  }

  stop(): void {
    this.finished = true;
    this.abort?.abort();
    if (this.timer) this.d.clock.clearTimeout(this.timer);
  }

  /** Where the pod is in its life, for the agent and for tests. */
  get workerPhase(): WorkerPhase {
    return this.phase;
  }

  /** The pod while it holds node resources: admitted (now or before a restart) and not finished. */
  get activePod(): Pod | undefined {
    const pod = this.pod;
    if (!pod || this.finished || this.phase === 'terminated') return undefined;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    return this.admitted || pod.status?.startTime ? pod : undefined;
  }

  private wake(reason: WakeReason): void {
    if (this.finished) return;
    this.wakes.add(reason);
    if (!this.running) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.wakes.size > 0 && !this.finished) {
        const reasons = [...this.wakes];
        this.wakes.clear();
        const now = this.d.clock.now();
        // A timer due now is this pass's reason too, even when its callback has not run yet (the
        // resync's came first in the same turn of a busy event loop): the pass sets the next one.
        if (this.timerDueAt !== undefined && this.timerDueAt <= now && !reasons.includes('timer')) reasons.push('timer');
        if (this.retryAt !== undefined && now < this.retryAt && !reasons.some((r) => FIXING.has(r)) && !reasons.includes('timer')) {
          this.setTimer(this.retryAt);
          continue;
        }
        this.retryAt = undefined;
        const abort = new AbortController();
        this.abort = abort;
        let result: PassResult;
        const phase = this.phase;
        const watchdog = this.watchSlowPass();
        try {
          result = await this.pass(abort.signal);
        } catch (err) {
          this.d.logger.error('pod sync failed', { uid: this.uid, phase, err: err instanceof Error ? err.stack : String(err) });
          result = { nextSyncAt: this.d.clock.now() + ERROR_RESYNC_MS, failed: true };
        } finally {
          this.abort = undefined;
          watchdog();
        }
        if (result.failed) this.retryAt = result.nextSyncAt;
        if (!this.finished) this.setTimer(result.nextSyncAt);
        this.d.logger.debug('pod sync', {
          pod: this.pod?.metadata?.name ?? this.uid,
          phase: phase === this.phase ? phase : `${phase}→${this.phase}`,
          woken: reasons.join(','),
          ms: this.d.clock.now() - now,
          ...(result.nextSyncAt !== undefined ? { nextInMs: result.nextSyncAt - this.d.clock.now() } : {}),
        });
        if (result.acted && reasons.length === 1 && reasons[0] === 'resync') {
          this.d.logger.warn('the periodic resync found work no event announced', { pod: this.pod?.metadata?.name ?? this.uid });
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Warns while one step of the pass after the kill (messages, volumes and cgroup, containers)
   * has run for SLOW_PASS_MS or more, naming it: none takes that long by design (the grace bounds
   * only the kill), so something it depends on hangs. Returns the stop.
   */
  private watchSlowPass(): () => void {
    const { clock, logger } = this.d;
    this.step = undefined;
    let timer: TimerHandle | undefined;
    let warnedAt = 0;
    const arm = (): void => {
      timer = clock.setTimeout(() => {
        const now = clock.now();
        if (this.step && now - this.step.since >= SLOW_PASS_MS && now - warnedAt >= SLOW_PASS_MS) {
          warnedAt = now;
          logger.warn('pod sync step still running', { pod: this.pod?.metadata?.name ?? this.uid, step: this.step.name, ms: now - this.step.since });
        }
        arm();
      }, SLOW_PASS_MS / 3);
    };
    arm();
    return () => {
      if (timer) clock.clearTimeout(timer);
      this.step = undefined;
    };
  }

  private setStep(name: string): void {
    this.step = { name, since: this.d.clock.now() };
  }

  /** One timer: at the earliest time the last pass asked to run again (each pass recomputes it). */
  private setTimer(at: number | undefined): void {
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = undefined;
    if (at === undefined || this.finished) return;
    this.timerDueAt = at;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = undefined;
      this.wake('timer');
    }, Math.max(0, at - this.d.clock.now()));
  }

  private async pass(signal: AbortSignal): Promise<PassResult> {
    if (this.phase === 'syncing') {
      const pod = this.pod;
      if (pod && !this.mustTerminate(pod)) {
        const result = await this.syncPod(pod, signal);
        if (!result.terminal) return result;
      }
      this.phase = 'terminating';
    }
    if (this.phase === 'terminating') {
      await this.syncTerminatingPod();
      this.phase = 'terminated';
      this.d.onTerminated?.(this.uid);
    }
    return this.syncTerminatedPod();
  }

  private mustTerminate(pod: Pod): boolean {
    const phase = pod.status?.phase;
    return this.removed || !!pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed';
  }

  // SyncPod ------------------------------------------------------------------------------------

  private async syncPod(pod: Pod, signal: AbortSignal): Promise<PassResult & { terminal?: boolean }> {
    const { state, podRuntime, prober, clock } = this.d;
    if (!this.admitted && this.rejectAtAdmission(pod)) return { terminal: true };

    const now = clock.now();
    const deadlineAt = activeDeadline(pod, now);
    if (deadlineAt !== undefined && now >= deadlineAt) {
      this.status.failure = DEADLINE_EXCEEDED;
      this.event(pod, undefined, 'Normal', 'DeadlineExceeded', DEADLINE_EXCEEDED.message);
      return { terminal: true, acted: true };
    }
    for (const e of prober.takeEvents(this.uid)) this.event(pod, e.containerName, e.type, e.reason, e.message);
    let acted = await this.killProbeFailures(pod);

    const view = state.view(this.uid);
    const actions = computePodActions(pod, view, {
      now,
      backOff: this.d.backOff,
      isStarted: (i) => !this.starter.hookPending.has(i.id) && prober.isStarted(i.id),
    });
    const crashLoop = new Map<string, WaitingReason>();
    for (const [name, b] of actions.backOff) {
      const meta = pod.metadata!;
      crashLoop.set(name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(b.waitMs / 1000)}s restarting failed container=${name} pod=${meta.name}_${meta.namespace}(${meta.uid})`,
      });
      this.event(pod, name, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${meta.name}_${meta.namespace}(${meta.uid})`);
    }
    let nextSyncAt = actions.nextSyncAt;
    if (deadlineAt !== undefined) nextSyncAt = Math.min(nextSyncAt ?? Infinity, deadlineAt);

    if (actions.initFailed || (actions.killPod && !actions.createSandbox)) {
      // An init container failed under Never, or every container is done and none will run
      // again: the pod is complete; the terminating phase stops what is left (sidecars, sandbox).
      this.status.waiting = crashLoop;
      return { terminal: true, acted };
    }
    if (actions.killPod) {
      if (view.sandboxes.length > 0) this.event(pod, undefined, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.killer.execute(pod, planTermination(pod, view), this.graceDeadline(pod));
      acted = true;
    }

    let sandboxId = actions.sandboxId;
    let sandboxReady: Promise<unknown> | undefined;
    if (actions.createSandbox) {
      try {
        const sandbox = await podRuntime.beginSandbox(pod, (reason, message) => this.event(pod, undefined, 'Warning', reason, message));
        sandboxId = sandbox.id;
        acted = true;
        // The containers to start are prepared (created) meanwhile; they start once it is ready.
        sandboxReady = sandbox.ready.then(
          () => undefined,
          (err: unknown) => err ?? new Error('the pod sandbox failed'),
        );
      } catch (err) {
        return this.sandboxFailed(pod, err, crashLoop);
      }
    }
    await Promise.all(
      actions.containersToKill.map((k) => {
        this.event(pod, k.instance.name, 'Normal', 'Killing', k.message);
        acted = true;
        return this.killer.stopContainer(pod, k.instance, this.graceDeadline(pod));
      }),
    );
    const sandboxUp = sandboxReady ? sandboxReady.then((failure) => failure === undefined) : Promise.resolve(true);
    let started = false;
    if (sandboxId && actions.containersToStart.length > 0) {
      const t0 = clock.now();
      const r = await this.starter.start(pod, sandboxId, actions.containersToStart, sandboxUp, signal);
      started = r.started;
      // A start that failed again is a retry, not work an event should have announced.
      if (started) acted = true;
      this.d.logger.debug('containers started', { pod: pod.metadata!.name, count: actions.containersToStart.length, ms: clock.now() - t0 });
      if (r.retryAt !== undefined) nextSyncAt = Math.min(nextSyncAt ?? Infinity, r.retryAt);
    }
    if (sandboxReady && !(await sandboxUp)) return this.sandboxFailed(pod, await sandboxReady, crashLoop);
    if (signal.aborted) return { acted };
    this.trackProbes(pod);
    this.status.waiting = new Map([...this.starter.startErrors, ...crashLoop]);
    await this.status.collectMessages(pod);
    this.writeStatus(pod, false);
    // A container that started may unblock the next step (the next init container, the app
    // containers after a sidecar): sync again, as the kubelet does on PLEG's ContainerStarted.
    if (started) this.wake('started');
    return { ...(nextSyncAt !== undefined ? { nextSyncAt } : {}), acted };
  }

  private sandboxFailed(pod: Pod, err: unknown, crashLoop: Map<string, WaitingReason>): PassResult {
    if (err instanceof VolumeMountError) this.event(pod, undefined, 'Warning', 'FailedMount', err.message);
    else this.event(pod, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(err)}`);
    this.status.waiting = crashLoop;
    this.writeStatus(pod, false);
    return { nextSyncAt: this.d.clock.now() + ERROR_RESYNC_MS, failed: true, acted: true };
  }

  /**
   * Once per worker, synchronously (so two new pods are never admitted against the same free
   * room). A pod with anything on the host, or a start time, was admitted in an earlier life of
   * the daemon and is never rejected now.
   */
  private rejectAtAdmission(pod: Pod): boolean {
    const view = this.d.state.view(this.uid);
    const fresh = view.sandboxes.length === 0 && view.containers.length === 0 && !pod.status?.startTime;
    const rejection = fresh ? this.d.admit?.(pod) : undefined;
    if (!rejection) {
      this.admitted = true;
      return false;
    }
    this.status.failure = rejection;
    this.d.logger.info('pod rejected at admission', { pod: pod.metadata!.name, reason: rejection.reason });
    this.event(pod, undefined, 'Warning', rejection.reason, rejection.message);
    return true;
  }

  /** Liveness/startup failures the prober reported: kill with the probe's grace; restart follows the policy. */
  private async killProbeFailures(pod: Pod): Promise<boolean> {
    const failures = this.d.prober.takeFailures(this.uid);
    if (failures.length === 0) return false;
    const current = new Map([...latestInstances(this.d.state.view(this.uid)).values()].map((l) => [l.current.id, l.current]));
    await Promise.all(
      failures.map((f) => {
        const inst = current.get(f.containerId);
        if (!inst || inst.state !== 'running') return undefined;
        this.event(pod, f.containerName, 'Normal', 'Killing', `Container ${f.containerName} failed ${f.kind} probe, will be restarted`);
        const deadline = this.d.clock.now() + (f.terminationGracePeriodSeconds ?? terminationGraceSeconds(pod)) * 1000;
        return this.killer.stopContainer(pod, inst, () => deadline);
      }),
    );
    return true;
  }

  /** Tells the prober which instances run (after their postStart), and forgets the rest. */
  private trackProbes(pod: Pod): void {
    const view = this.d.state.view(this.uid);
    const podIP = view.sandboxes[0]?.ready ? view.sandboxes[0].ip : undefined;
    const keep = new Set<string>();
    for (const { current } of latestInstances(view).values()) {
      if (current.state !== 'running' || this.starter.hookPending.has(current.id)) continue;
      const container = containerSpec(pod, current.name);
      if (!container) continue;
      keep.add(current.id);
      this.d.prober.track({ pod, container, containerId: current.id, startedAt: current.startedAt ?? current.createdAt, podIP });
    }
    this.d.prober.untrack(this.uid, keep);
  }

  // SyncTerminatingPod -----------------------------------------------------------------------

  /** Stops everything of the pod within its grace, then records the final container states. */
  private async syncTerminatingPod(): Promise<void> {
    const pod = this.removed ? undefined : this.pod;
    const { prober, clock, state } = this.d;
    if (pod?.metadata?.deletionTimestamp) {
      prober.setTerminating(this.uid);
      // Counted from when the node sees the deletion, as the kubelet does (deletionTimestamp has
      // only whole seconds).
      this.deletionGrace = pod.metadata.deletionGracePeriodSeconds ?? terminationGraceSeconds(pod);
      this.killDeadline ??= clock.now() + Math.max(this.deletionGrace, 1) * 1000;
    } else {
      prober.untrack(this.uid);
      this.killDeadline ??= this.removed ? clock.now() : clock.now() + terminationGraceSeconds(pod) * 1000;
    }
    const t0 = clock.now();
    await this.killer.execute(pod, planTermination(pod, state.view(this.uid)), () => this.killDeadline!);
    this.d.logger.debug('pod killed', { pod: pod?.metadata?.name ?? this.uid, ms: clock.now() - t0 });
    prober.untrack(this.uid);
    if (!pod || this.removed) return;
    this.status.waiting = new Map();
    this.setStep('reading termination messages');
    await this.status.collectMessages(pod);
    this.writeStatus(this.pod ?? pod, true);
  }

  // SyncTerminatedPod ------------------------------------------------------------------------

  /**
   * A finished pod that is not deleted keeps its stopped containers (for logs and status) until
   * it is. Once deleted: volumes and the pod cgroup go, then the API object (the kubelet's
   * PodResourcesAreReclaimed), then the containers' records and rootfs (its container GC).
   */
  private async syncTerminatedPod(): Promise<PassResult> {
    const pod = this.pod;
    if (!this.removed && !pod?.metadata?.deletionTimestamp) return {};
    const { podRuntime, pods, clock } = this.d;
    const t0 = clock.now();
    this.setStep('unmounting volumes, removing the pod cgroup');
    await podRuntime.reclaimPodResources(this.uid);
    const t1 = clock.now();
    if (pod && !this.removed) pods.deletePod(pod.metadata!.namespace!, pod.metadata!.name!, this.uid);
    this.setStep('removing containers and sandboxes');
    await podRuntime.removeContainers(this.uid);
    this.d.logger.debug('pod removed', { pod: pod?.metadata?.name ?? this.uid, reclaimMs: t1 - t0, removeContainersMs: clock.now() - t1 });
    this.finish();
    return { acted: true };
  }

  private finish(): void {
    this.d.backOff.forget(`${this.uid}/`);
    this.d.imageBackOff.forget(`image/${this.uid}/`);
    this.stop();
    this.d.onDone(this.uid);
  }

  // Helpers ----------------------------------------------------------------------------------

  private event(pod: Pod, container: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void {
    this.d.events.record({ pod, ...(container ? { container } : {}), type, reason, message, ...(component ? { component } : {}) });
  }

  /** SIGKILL time for a kill that starts now with the pod's grace (fixed once computed). */
  private graceDeadline(pod: Pod): () => number {
    const at = this.d.clock.now() + terminationGraceSeconds(pod) * 1000;
    return () => at;
  }

  private writeStatus(pod: Pod, terminating: boolean): void {
    const meta = pod.metadata!;
    const stored = this.status.write({ namespace: meta.namespace!, name: meta.name! }, { terminating, hookPending: this.starter.hookPending });
    if (stored) this.pod = stored;
  }
}

function specPart(pod: Pod): unknown {
  return [pod.spec, pod.metadata?.deletionTimestamp, pod.metadata?.deletionGracePeriodSeconds, pod.status?.phase];
}

/** When activeDeadlineSeconds runs out, counted from status.startTime. */
function activeDeadline(pod: Pod, now: number): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  if (seconds === undefined || seconds === null) return undefined;
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : now;
  return start + seconds * 1000;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
