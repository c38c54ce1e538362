/**
 * @module Starting the containers a sync's plan names, as the kubelet's SyncPod does: init
 * containers one at a time; app containers prepared in parallel (image, rootfs, conmon + runc
 * create), meanwhile the sandbox becomes ready, and started in spec order once it is, each after
 * the previous one's postStart hook returned. A sandbox that failed meanwhile takes the prepared
 * ones with it. Start errors are kept per container between syncs (a repeated ErrImagePull
 * becomes ImagePullBackOff) and decide when the pod worker retries.
 */
import type { Pod } from '../core/types.js';
import type { Clock } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { BackOff } from '../core/backoff.js';
import type { ContainerToStart } from '../core/pod-actions.js';
import type { WaitingReason } from '../core/pod-status.js';
import { latestInstances } from '../core/runtime-view.js';
import type { PodRuntime } from './pod-runtime.js';
import type { PreparedContainer } from './container-preparer.js';
import type { RuntimeState } from './runtime-state.js';
import type { HookRunner } from './lifecycle-hooks.js';
import type { ContainerKiller } from './container-killer.js';
import { ContainerStartError } from './container-start-error.js';

export interface ContainerStarterDeps {
  /** The pod's UID: the starter belongs to one pod worker. */
  uid: string;
  podRuntime: PodRuntime;
  state: RuntimeState;
  clock: Clock;
  logger: Logger;
  backOff: BackOff;
  imageBackOff: BackOff;
  hooks: HookRunner;
  killer: ContainerKiller;
  /** How soon a failed start is retried when no image back-off says otherwise. */
  errorRetryMs: number;
  event(pod: Pod, container: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Writes the pod's status now (not terminating). */
  writeStatus(pod: Pod): void;
  /** SIGKILL time for a kill that starts now with the pod's grace. */
  graceDeadline(pod: Pod): () => number;
}

interface StartError extends WaitingReason {
  at: number;
}

export interface StartResult {
  /** When a failed start should be retried. */
  retryAt: number | undefined;
  /** A container started: it may unblock the next step. */
  started: boolean;
}

export class ContainerStarter {
  private readonly errors = new Map<string, StartError>();
  /** Running instances whose postStart hook has not returned yet. */
  private readonly pendingHooks = new Set<string>();

  constructor(private readonly d: ContainerStarterDeps) {}

  /** The last start failure of each container that has not started since. */
  get startErrors(): ReadonlyMap<string, WaitingReason> {
    return this.errors;
  }

  /** Running instances whose postStart hook has not returned yet. */
  get hookPending(): ReadonlySet<string> {
    return this.pendingHooks;
  }

  /**
   * Init containers one at a time; app containers prepared in parallel (image, rootfs, conmon +
   * runc create) and started in spec order, once `sandboxUp` says the sandbox is ready.
   */
  async start(pod: Pod, sandboxId: string, starts: ContainerToStart[], sandboxUp: Promise<boolean>, signal?: AbortSignal): Promise<StartResult> {
    const { podRuntime, clock } = this.d;
    let started = false;
    const all = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
    let retryAt: number | undefined;
    const fail = (name: string, err: unknown): void => {
      if (signal?.aborted) return; // the pass was cancelled (the pod is being deleted): not a start failure
      const e = err instanceof ContainerStartError ? err : new ContainerStartError('CreateContainerError', String(err));
      const previous = this.errors.get(name);
      const reason = e.reason === 'ErrImagePull' && previous?.reason.match(/ErrImagePull|ImagePullBackOff/) ? 'ImagePullBackOff' : e.reason;
      this.errors.set(name, { reason, message: e.message, at: clock.now() });
      if (e.reason === 'ErrImagePull') {
        const key = `image/${this.d.uid}/${name}`;
        this.d.imageBackOff.next(key, clock.now());
        retryAt = Math.min(retryAt ?? Infinity, clock.now() + (this.d.imageBackOff.current(key) ?? this.d.errorRetryMs));
      } else {
        retryAt = Math.min(retryAt ?? Infinity, clock.now() + this.d.errorRetryMs);
      }
      this.d.logger.info('container start failed', { pod: pod.metadata!.name, container: name, reason: e.reason, message: e.message });
      if (e.reason.startsWith('ErrImage') || e.reason === 'InvalidImageName') this.d.event(pod, name, 'Warning', e.reason, e.message);
      else this.d.event(pod, name, 'Warning', 'Failed', `Error: ${e.message}`);
    };
    const prepare = async (s: ContainerToStart): Promise<PreparedContainer> => {
      const spec = all.find((c) => c.name === s.name)!;
      const p = await podRuntime.prepareContainer(pod, sandboxId, spec, s.type, s.restartCount, signal);
      if (!p.pulled) this.d.event(pod, s.name, 'Normal', 'Pulled', `Container image "${spec.image}" already present on machine`);
      this.d.event(pod, s.name, 'Normal', 'Created', `Created container: ${s.name}`);
      return p;
    };
    /** Started, then its postStart (the next container waits for it, as the kubelet does). */
    const start = async (s: ContainerToStart, p: PreparedContainer): Promise<void> => {
      if (signal?.aborted) {
        // Created for a pass that was cancelled meanwhile: never started, so gone again.
        await podRuntime.removeContainer(p.id);
        return;
      }
      await podRuntime.startContainer(p);
      started = true;
      this.errors.delete(s.name);
      if (s.backOff) this.d.backOff.next(s.backOff.key, s.backOff.exitedAt);
      this.d.event(pod, s.name, 'Normal', 'Started', `Started container ${s.name}`);
      const spec = all.find((c) => c.name === s.name)!;
      const hook = spec.lifecycle?.postStart;
      if (!hook) return;
      this.pendingHooks.add(p.id);
      this.d.writeStatus(pod); // shows it waiting (ContainerCreating) while the hook runs
      const podIP = this.d.state.view(this.d.uid).sandboxes[0]?.ip;
      const result = await untilAborted(this.d.hooks.run(spec, p.id, hook, podIP), signal);
      this.pendingHooks.delete(p.id);
      if (!result) return; // cancelled: the hook goes on, the termination that follows stops the container
      if (result.ok) return;
      this.d.logger.info('postStart hook failed', { pod: pod.metadata!.name, container: s.name, message: result.message });
      this.d.event(pod, s.name, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
      const inst = latestInstances(this.d.state.view(this.d.uid)).get(s.name)?.current;
      if (inst) await this.d.killer.stopContainer(pod, inst, this.d.graceDeadline(pod));
      this.errors.set(s.name, { reason: 'PostStartHookError', message: result.message, at: clock.now() });
    };

    /** A sandbox that failed while they were prepared takes them with it (syncPod reports it). */
    const discardIfSandboxFailed = async (prepared: Promise<PreparedContainer>[]): Promise<boolean> => {
      if (await sandboxUp) return false;
      for (const r of await Promise.allSettled(prepared)) if (r.status === 'fulfilled') await podRuntime.removeContainer(r.value.id);
      return true;
    };

    const inits = starts.filter((s) => s.type === 'init');
    for (const s of inits) {
      const prepared = prepare(s);
      prepared.catch(() => {});
      if (await discardIfSandboxFailed([prepared])) return { retryAt: undefined, started };
      try {
        await start(s, await prepared);
      } catch (err) {
        fail(s.name, err);
        return { retryAt, started };
      }
    }
    const apps = starts.filter((s) => s.type === 'app');
    const prepared = apps.map((s) => prepare(s));
    // Handled in the loop below, in spec order; until then a rejection must not count as unhandled.
    for (const p of prepared) p.catch(() => {});
    if (await discardIfSandboxFailed(prepared)) return { retryAt: undefined, started };
    for (const [i, s] of apps.entries()) {
      try {
        await start(s, await prepared[i]);
      } catch (err) {
        fail(s.name, err);
      }
    }
    await Promise.allSettled(prepared);
    await this.collectGarbage();
    return { retryAt, started };
  }

  /** Keeps the current and the previous instance of each container, as the kubelet's GC does. */
  private async collectGarbage(): Promise<void> {
    const view = this.d.state.view(this.d.uid);
    const keep = new Set<string>();
    for (const { current, previous } of latestInstances(view).values()) {
      keep.add(current.id);
      if (previous) keep.add(previous.id);
    }
    for (const c of view.containers) {
      if (!keep.has(c.id) && c.state !== 'running') await this.d.podRuntime.removeContainer(c.id);
    }
  }
}

/** The promise's value, or undefined as soon as the signal aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
