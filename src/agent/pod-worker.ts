/**
 * @module One worker per pod UID, as the kubelet's pod workers: syncs are serialised, triggered
 * by spec changes, container exits and timers. Each sync plans with computePodActions (pure),
 * executes the plan through PodRuntime (containers started by ContainerStarter, stopped by
 * ContainerKiller), then derives the status (pure) and writes it, only when it changed, through
 * the PodStatusWriter port. Deletion runs the termination sequence and removes the object at the end.
 */
import type { Pod } from '../core/types.js';
import type { Clock, PodSource, PodStatusWriter, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { BackOff } from '../core/backoff.js';
import { computePodActions } from '../core/pod-actions.js';
import { computePodStatus, type WaitingReason } from '../core/pod-status.js';
import { latestInstances, stableJson } from '../core/runtime-view.js';
import { ConflictError } from '../core/errors.js';
import type { PodRuntime } from './pod-runtime.js';
import { VolumeMountError } from './pod-volumes.js';
import type { RuntimeState } from './runtime-state.js';
import type { EventInput } from '../core/events.js';
import type { HookRunner } from './lifecycle-hooks.js';
import { ContainerKiller, containerSpec } from './container-killer.js';
import { ContainerStarter } from './container-starter.js';
import type { Prober } from './prober-types.js';

/** How soon a sync that hit an error (image missing, create failed) is retried. */
export const ERROR_RESYNC_MS = 10_000;

export interface PodWorkerDeps {
  podRuntime: PodRuntime;
  state: RuntimeState;
  /** Where the pod is re-read before each status write, and written. */
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
  /** Resource admission (§10): a rejection fails the pod before anything of it starts. */
  admit?(pod: Pod): { reason: string; message: string } | undefined;
}

export const DEADLINE_EXCEEDED = {
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
};

export class PodWorker {
  private pod: Pod | undefined;
  private running = false;
  private pending = false;
  private done = false;
  private timer: TimerHandle | undefined;
  private waiting = new Map<string, WaitingReason>();
  /** When the running termination must SIGKILL; a later delete with a shorter grace pulls it in. */
  private killDeadline: number | undefined;
  private deletionGrace: number | undefined;
  private failure: { reason: string; message: string } | undefined;
  /** Termination messages of exited instances, read once each. */
  private readonly messages = new Map<string, string>();
  private scheduledRecorded = false;
  private startedThisSync = false;
  private admitted = false;

  private readonly killer: ContainerKiller;
  private readonly starter: ContainerStarter;

  constructor(
    readonly uid: string,
    private readonly d: PodWorkerDeps,
  ) {
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
    this.startedThisSync = false;
    const pod = this.pod;
    const { state, podRuntime, prober, clock } = this.d;
    if (!pod) {
      // Removed from the API without us (force delete, or an orphan found at start).
      prober.untrack(this.uid);
      await this.killer.killPod(undefined, state.view(this.uid), () => 0);
      await podRuntime.removePod(this.uid);
      this.finish();
      return;
    }
    if (pod.metadata!.deletionTimestamp) {
      prober.setTerminating(this.uid);
      await this.terminate(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      prober.untrack(this.uid);
      await this.killer.killPod(pod, state.view(this.uid), this.graceDeadline(pod));
      await this.collectMessages(pod);
      this.writeStatus(pod, true);
      return;
    }
    if (!this.scheduledRecorded && !pod.status?.startTime) {
      const m = pod.metadata!;
      this.event(pod, undefined, 'Normal', 'Scheduled', `Successfully assigned ${m.namespace}/${m.name} to ${pod.spec?.nodeName ?? ''}`, 'default-scheduler');
    }
    this.scheduledRecorded = true;
    if (!this.admitted && this.rejectAtAdmission(pod)) return;

    const now = clock.now();
    const deadlineAt = activeDeadline(pod, now);
    if (deadlineAt !== undefined && now >= deadlineAt) {
      this.failure = DEADLINE_EXCEEDED;
      this.event(pod, undefined, 'Normal', 'DeadlineExceeded', DEADLINE_EXCEEDED.message);
      prober.untrack(this.uid);
      await this.killer.killPod(pod, state.view(this.uid), this.graceDeadline(pod));
      this.writeStatus(pod, true);
      return;
    }
    for (const e of prober.takeEvents(this.uid)) this.event(pod, e.containerName, e.type, e.reason, e.message);
    await this.killProbeFailures(pod);

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
    let nextSync = actions.nextSyncAt;

    if (actions.killPod) {
      if (actions.createSandbox && view.sandboxes.length > 0) {
        this.event(pod, undefined, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      }
      await this.killer.killPod(pod, view, this.graceDeadline(pod));
    }
    let sandboxId = actions.sandboxId;
    let sandboxReady: Promise<unknown> | undefined;
    const sandboxFailed = (err: unknown): void => {
      if (err instanceof VolumeMountError) this.event(pod, undefined, 'Warning', 'FailedMount', err.message);
      else this.event(pod, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(err)}`);
      this.waiting = new Map(crashLoop);
      this.writeStatus(pod, false);
      this.schedule(now + ERROR_RESYNC_MS);
    };
    if (actions.createSandbox) {
      try {
        const t0 = clock.now();
        const sandbox = await podRuntime.beginSandbox(pod, (reason, message) => this.event(pod, undefined, 'Warning', reason, message));
        sandboxId = sandbox.id;
        // The containers to start are prepared (created) meanwhile; they start once it is ready.
        sandboxReady = sandbox.ready.then(
          () => this.d.logger.debug('sandbox ready', { pod: pod.metadata!.name, ms: clock.now() - t0 }),
          (err: unknown) => err ?? new Error('the pod sandbox failed'),
        );
      } catch (err) {
        sandboxFailed(err);
        return;
      }
    }
    await Promise.all(
      actions.containersToKill.map((k) => {
        this.event(pod, k.instance.name, 'Normal', 'Killing', k.message);
        return this.killer.stopContainer(pod, k.instance, this.graceDeadline(pod));
      }),
    );
    const sandboxUp = sandboxReady ? sandboxReady.then((failure) => failure === undefined) : Promise.resolve(true);
    if (sandboxId && actions.containersToStart.length > 0) {
      const t0 = clock.now();
      const { retryAt, started } = await this.starter.start(pod, sandboxId, actions.containersToStart, sandboxUp);
      if (started) this.startedThisSync = true;
      this.d.logger.debug('containers started', { pod: pod.metadata!.name, count: actions.containersToStart.length, ms: clock.now() - t0 });
      if (retryAt !== undefined) nextSync = Math.min(nextSync ?? Infinity, retryAt);
    }
    if (sandboxReady && !(await sandboxUp)) {
      sandboxFailed(await sandboxReady);
      return;
    }
    this.trackProbes(pod);
    this.waiting = new Map([...this.starter.startErrors, ...crashLoop]);
    await this.collectMessages(pod);
    this.writeStatus(pod, false);
    if (deadlineAt !== undefined) nextSync = Math.min(nextSync ?? Infinity, deadlineAt);
    this.schedule(nextSync);
    // A container that started may unblock the next step (the next init container, the app
    // containers after a sidecar): sync again, as the kubelet does on PLEG's ContainerStarted.
    if (this.startedThisSync) this.trigger();
  }

  // Admission ---------------------------------------------------------------------------------

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
    this.failure = rejection;
    this.d.logger.info('pod rejected at admission', { pod: pod.metadata!.name, reason: rejection.reason });
    this.event(pod, undefined, 'Warning', rejection.reason, rejection.message);
    this.writeStatus(pod, true);
    return true;
  }

  /** The pod while it holds node resources: admitted (now or before a restart) and not finished. */
  get activePod(): Pod | undefined {
    const pod = this.pod;
    if (!pod || this.done) return undefined;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    return this.admitted || pod.status?.startTime ? pod : undefined;
  }

  /** Liveness/startup failures the prober reported: kill with the probe's grace; restart follows the policy. */
  private async killProbeFailures(pod: Pod): Promise<void> {
    const failures = this.d.prober.takeFailures(this.uid);
    if (failures.length === 0) return;
    const current = new Map([...latestInstances(this.d.state.view(this.uid)).values()].map((l) => [l.current.id, l.current]));
    await Promise.all(
      failures.map((f) => {
        const inst = current.get(f.containerId);
        if (!inst || inst.state !== 'running') return undefined;
        this.event(pod, f.containerName, 'Normal', 'Killing', `Container ${f.containerName} failed ${f.kind} probe, will be restarted`);
        const grace = f.terminationGracePeriodSeconds ?? this.graceSeconds(pod);
        const deadline = this.d.clock.now() + grace * 1000;
        return this.killer.stopContainer(pod, inst, () => deadline);
      }),
    );
  }

  /** Reads the termination message of every exited instance not read yet; cut to the pod-wide cap. */
  private async collectMessages(pod: Pod): Promise<void> {
    const spec = pod.spec!;
    const cap = Math.floor(12288 / Math.max(1, spec.containers.length + (spec.initContainers ?? []).length));
    for (const { current, previous } of latestInstances(this.d.state.view(this.uid)).values()) {
      for (const inst of [current, previous]) {
        if (!inst || inst.state !== 'exited' || this.messages.has(inst.id)) continue;
        const message = await this.d.podRuntime.terminationMessage(pod, inst).catch(() => '');
        this.messages.set(inst.id, Buffer.from(message).subarray(0, cap).toString('utf8'));
      }
    }
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

  private event(pod: Pod, container: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void {
    this.d.events.record({ pod, ...(container ? { container } : {}), type, reason, message, ...(component ? { component } : {}) });
  }

  private async terminate(pod: Pod): Promise<void> {
    const { state, podRuntime, pods } = this.d;
    // Counted from when the node sees the deletion, as the kubelet does (deletionTimestamp has
    // only whole seconds).
    this.deletionGrace = pod.metadata!.deletionGracePeriodSeconds ?? this.graceSeconds(pod);
    this.killDeadline ??= this.d.clock.now() + this.deletionGrace * 1000;
    await this.killer.killPod(pod, state.view(this.uid), () => this.killDeadline!);
    this.waiting = new Map();
    await this.collectMessages(pod);
    this.writeStatus(this.pod ?? pod, true);
    await podRuntime.removePod(this.uid);
    const meta = pod.metadata!;
    pods.deletePod(meta.namespace!, meta.name!, this.uid);
    this.finish();
  }

  private finish(): void {
    this.d.backOff.forget(`${this.uid}/`);
    this.d.imageBackOff.forget(`image/${this.uid}/`);
    this.stop();
    this.d.onDone(this.uid);
  }

  /** SIGKILL time for a kill that starts now with the pod's grace (fixed once computed). */
  private graceDeadline(pod: Pod): () => number {
    const at = this.d.clock.now() + this.graceSeconds(pod) * 1000;
    return () => at;
  }

  private graceSeconds(pod: Pod): number {
    const g = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(g, 1);
  }

  private writeStatus(pod: Pod, terminating: boolean): void {
    const { pods, state, clock } = this.d;
    const meta = pod.metadata!;
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = pods.getPod(meta.namespace!, meta.name!);
      if (!stored || stored.metadata?.uid !== this.uid) return;
      const status = computePodStatus({
        pod: stored,
        view: state.view(this.uid),
        now: clock.now(),
        waiting: this.waiting,
        hostIP: this.d.hostIP,
        terminating,
        probes: this.d.prober,
        hookPending: this.starter.hookPending,
        messages: this.messages,
        ...(this.failure ? { failure: this.failure } : {}),
      });
      if (stableJson(status) === stableJson(stored.status)) return;
      try {
        this.pod = pods.updatePodStatus({ ...stored, status });
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
