/**
 * @module computePodActions: what to do next for one living pod, as a pure function of its spec,
 * what the runtime shows and the clock (the kubelet's kuberuntime_manager computePodActions).
 * The pod worker executes the plan; termination (deletion, deadline, completion) is planned by
 * `planTermination` in pod-termination.ts.
 */
import type { Container, Pod } from './types.js';
import { backOffKey, type BackOff } from './backoff.js';
import { containerHash, latestInstances, type ContainerInstance, type PodRuntimeView } from './runtime-view.js';

export interface ContainerToStart {
  name: string;
  type: 'init' | 'app';
  restartCount: number;
  /** Set for a restart after an exit: the executor records it with BackOff.next. */
  backOff?: { key: string; exitedAt: number };
}

export interface ContainerToKill {
  instance: ContainerInstance;
  reason: string;
  message: string;
}

export interface PodActions {
  /** Kill every container and the sandbox (before creating a new one, or because the pod is done). */
  killPod: boolean;
  createSandbox: boolean;
  /** The ready sandbox to start containers in (when not creating one). */
  sandboxId?: string;
  /** How many sandboxes this pod had before; > 0 means "recreated". */
  sandboxAttempt: number;
  /** In the order they must start; init containers one at a time. */
  containersToStart: ContainerToStart[];
  containersToKill: ContainerToKill[];
  /** Containers waiting out crash-loop back-off, with the wait in ms and when it ends. */
  backOff: Map<string, { until: number; waitMs: number }>;
  /** A regular init container failed under restartPolicy Never: the pod fails. */
  initFailed: boolean;
  /** When the plan will change by itself (a back-off ends). */
  nextSyncAt?: number;
}

export interface PodActionsContext {
  now: number;
  backOff: Pick<BackOff, 'waitUntil' | 'current'>;
  /** A running sidecar is "started" once its postStart returned and its startup probe passed. */
  isStarted?: (instance: ContainerInstance) => boolean;
}

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export function computePodActions(pod: Pod, view: PodRuntimeView, ctx: PodActionsContext): PodActions {
  const spec = pod.spec!;
  const uid = pod.metadata!.uid!;
  const policy = spec.restartPolicy ?? 'Always';
  const inits = spec.initContainers ?? [];
  const apps = spec.containers;
  const latest = latestInstances(view);
  const actions: PodActions = {
    killPod: false,
    createSandbox: false,
    sandboxAttempt: view.sandboxes.length,
    containersToStart: [],
    containersToKill: [],
    backOff: new Map(),
    initFailed: false,
  };

  const sandbox = view.sandboxes[0];
  const readyCount = view.sandboxes.filter((s) => s.ready).length;
  const sandboxChanged = !sandbox || !sandbox.ready || readyCount > 1 || !sandbox.ip;

  const nextRestartCount = (name: string): number => {
    const l = latest.get(name);
    return l ? l.current.restartCount + 1 : 0;
  };

  if (sandboxChanged) {
    actions.killPod = view.sandboxes.length > 0 || view.containers.length > 0;
    actions.createSandbox = true;
    // A Never pod whose sandbox died after its containers ran is not brought back. Containers are
    // created while their sandbox is still being made; one that never started did not run (the
    // daemon died before the sandbox was ready): that sandbox is made again.
    if (policy === 'Never' && view.sandboxes.length > 0 && view.containers.some(ran)) {
      actions.createSandbox = false;
      return actions;
    }
    if (inits.length > 0) {
      actions.containersToStart.push({ name: inits[0].name, type: 'init', restartCount: nextRestartCount(inits[0].name) });
      return actions;
    }
    for (const c of apps) {
      const l = latest.get(c.name);
      if (policy === 'OnFailure' && l?.current.state === 'exited' && l.current.exitCode === 0) continue;
      actions.containersToStart.push({ name: c.name, type: 'app', restartCount: nextRestartCount(c.name) });
    }
    if (actions.containersToStart.length === 0) actions.createSandbox = false;
    return actions;
  }

  actions.sandboxId = sandbox.id;
  const inSandbox = (i: ContainerInstance | undefined): ContainerInstance | undefined =>
    i && i.sandboxId === sandbox.id ? i : undefined;

  /** Restart an exited instance unless it must wait out its back-off. */
  const restart = (c: Container, type: 'init' | 'app', cur: ContainerInstance): void => {
    const key = backOffKey(uid, c.name, containerHash(c));
    const exitedAt = cur.finishedAt ?? ctx.now;
    const until = ctx.backOff.waitUntil(key, exitedAt, ctx.now);
    if (until !== undefined) {
      actions.backOff.set(c.name, { until, waitMs: ctx.backOff.current(key) ?? 0 });
      actions.nextSyncAt = Math.min(actions.nextSyncAt ?? Infinity, until);
      return;
    }
    actions.containersToStart.push({ name: c.name, type, restartCount: cur.restartCount + 1, backOff: { key, exitedAt } });
  };

  const kill = (instance: ContainerInstance, reason: string, message: string): void => {
    actions.containersToKill.push({ instance, reason, message });
  };

  // Init containers: once any app container ran in this sandbox the pod is initialised.
  const initialized = apps.some((c) => inSandbox(latest.get(c.name)?.current));
  let initDone = true;
  for (const c of inits) {
    const cur = inSandbox(latest.get(c.name)?.current);
    if (!cur) {
      if (initialized && !isSidecar(c)) continue; // record gone after initialisation: Completed
      actions.containersToStart.push({ name: c.name, type: 'init', restartCount: nextRestartCount(c.name) });
      initDone = false;
      break;
    }
    if (cur.state === 'created' || cur.state === 'unknown') {
      kill(cur, 'Unknown', 'Container is in unknown state, try killing it before restart');
      actions.containersToStart.push({ name: c.name, type: 'init', restartCount: cur.restartCount + 1 });
      initDone = false;
      break;
    }
    if (isSidecar(c)) {
      if (cur.state === 'running') {
        if (initialized || (ctx.isStarted?.(cur) ?? true)) continue;
        initDone = false;
        break;
      }
      restart(c, 'init', cur);
      if (initialized) continue;
      initDone = false;
      break;
    }
    if (cur.state === 'running') {
      initDone = false;
      break;
    }
    if (cur.exitCode === 0) continue;
    if (initialized) continue; // a failure after initialisation is history, not a blocker
    initDone = false;
    if (policy === 'Never') {
      actions.initFailed = true;
      actions.killPod = true;
    } else {
      restart(c, 'init', cur);
    }
    break;
  }
  if (!initDone) return actions;

  let keep = 0;
  for (const c of apps) {
    const cur = inSandbox(latest.get(c.name)?.current);
    if (!cur) {
      actions.containersToStart.push({ name: c.name, type: 'app', restartCount: nextRestartCount(c.name) });
      continue;
    }
    switch (cur.state) {
      case 'running':
        if (cur.hash !== containerHash(c)) {
          kill(cur, 'Killing', `Container ${c.name} definition changed, will be restarted`);
          actions.containersToStart.push({ name: c.name, type: 'app', restartCount: cur.restartCount + 1 });
        } else {
          keep++;
        }
        break;
      case 'created':
      case 'unknown':
        kill(cur, 'Unknown', 'Container is in unknown state, try killing it before restart');
        actions.containersToStart.push({ name: c.name, type: 'app', restartCount: cur.restartCount + 1 });
        break;
      case 'exited':
        if (shouldRestart(policy, cur.exitCode ?? 0)) restart(c, 'app', cur);
        break;
    }
  }
  // Every app container is done and none will run again: the pod is complete; stop the sidecars
  // and the sandbox (the kubelet's "keepCount == 0" rule).
  const appsPending =
    actions.containersToStart.some((s) => s.type === 'app') || apps.some((c) => actions.backOff.has(c.name));
  if (keep === 0 && !appsPending) {
    actions.killPod = true;
    actions.containersToStart = [];
    actions.backOff.clear();
    delete actions.nextSyncAt;
  }
  return actions;
}

export function shouldRestart(policy: string, exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/**
 * Whether the instance's process ever ran: it runs or has a start time. One killed while only
 * created has an exit code but no start (the runtime notes every start it makes, adopted ones too).
 */
function ran(instance: ContainerInstance): boolean {
  return instance.state === 'running' || instance.startedAt !== undefined;
}
