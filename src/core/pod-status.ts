/**
 * @module The pod status as the kubelet computes it (generateAPIPodStatus, getPhase,
 * convertToAPIContainerStatuses, status/generate.go): a pure function of the spec, what the
 * runtime shows, the waiting reasons of the last sync, and the clock.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from './types.js';
import { latestInstances, type ContainerInstance, type PodRuntimeView } from './runtime-view.js';
import { isSidecar } from './pod-actions.js';
import { qosClass } from './qos.js';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface PodStatusInput {
  pod: Pod;
  view: PodRuntimeView;
  now: number;
  /** Container name → why it is not running (ErrImageNeverPull, CrashLoopBackOff, ...). */
  waiting: ReadonlyMap<string, WaitingReason>;
  hostIP: string;
  /** A failure the kubelet forces (admission rejection, deadline): phase Failed with this reason. */
  failure?: { reason: string; message: string };
  /** The pod is being torn down (deleted, deadline, completion): stopped containers are final. */
  terminating?: boolean;
  /** Probe results per container instance; without it every running container counts as started and ready. */
  probes?: ContainerProbeResults;
  /** Running instances whose postStart hook has not returned: still reported as waiting. */
  hookPending?: ReadonlySet<string>;
  /** Termination messages of exited instances, by container id. */
  messages?: ReadonlyMap<string, string>;
}

export interface ContainerProbeResults {
  isStarted(containerId: string): boolean;
  isReady(containerId: string): boolean;
}

export const CONTAINER_ID_SCHEME = 'peapod://';

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, view, now } = input;
  const spec = pod.spec!;
  const previous = pod.status ?? {};
  const latest = latestInstances(view);
  const hasInits = (spec.initContainers ?? []).length > 0;

  const statusOf = (c: Container, type: 'init' | 'app'): ContainerStatus =>
    containerStatus(c, type, latest.get(c.name), input.waiting.get(c.name), hasInits, input);
  const initStatuses = (spec.initContainers ?? []).map((c) => statusOf(c, 'init'));
  const appStatuses = spec.containers.map((c) => statusOf(c, 'app')).sort((a, b) => a.name.localeCompare(b.name));

  let phase = getPhase(pod, initStatuses, appStatuses, input.terminating ?? false);
  if (previous.phase === 'Succeeded' || previous.phase === 'Failed') phase = previous.phase;
  if (input.failure) phase = 'Failed';

  const sandbox = view.sandboxes[0];
  const podIP = sandbox?.ready ? sandbox.ip : undefined;
  const status: PodStatus = {
    phase,
    conditions: conditions(pod, initStatuses, appStatuses, phase, Boolean(sandbox?.ready && sandbox.ip), previous.conditions ?? [], now),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : previous.podIP && phase !== 'Pending' ? { podIP: previous.podIP, podIPs: previous.podIPs } : {}),
    startTime: previous.startTime ?? rfc3339(now),
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
    qosClass: qosClass(pod),
  };
  const failure = input.failure ?? (previous.reason ? { reason: previous.reason, message: previous.message ?? '' } : undefined);
  if (failure) {
    status.reason = failure.reason;
    status.message = failure.message;
  }
  return status;
}

function terminatedState(i: ContainerInstance, messages?: ReadonlyMap<string, string>): ContainerState {
  if (i.state === 'unknown') {
    return {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
        containerID: CONTAINER_ID_SCHEME + i.id,
      },
    };
  }
  const exitCode = i.exitCode ?? 0;
  const message = messages?.get(i.id) ?? i.message;
  return {
    terminated: {
      exitCode,
      reason: i.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      ...(i.startedAt !== undefined ? { startedAt: rfc3339(i.startedAt) } : {}),
      ...(i.finishedAt !== undefined ? { finishedAt: rfc3339(i.finishedAt) } : {}),
      containerID: CONTAINER_ID_SCHEME + i.id,
    },
  };
}

function containerStatus(
  c: Container,
  type: 'init' | 'app',
  instances: { current: ContainerInstance; previous?: ContainerInstance } | undefined,
  waiting: WaitingReason | undefined,
  hasInits: boolean,
  input: Pick<PodStatusInput, 'probes' | 'hookPending' | 'messages'>,
): ContainerStatus {
  const status: ContainerStatus = {
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: {},
    lastState: {},
  };
  if (!instances) {
    status.state = { waiting: waitingState(waiting ?? { reason: hasInits ? 'PodInitializing' : 'ContainerCreating' }) };
    return status;
  }
  const { current, previous } = instances;
  status.image = current.image;
  status.imageID = current.imageId;
  status.containerID = CONTAINER_ID_SCHEME + current.id;
  status.restartCount = current.restartCount;
  if (previous) status.lastState = terminatedState(previous, input.messages);
  const regularInit = type === 'init' && !isSidecar(c);
  const state = current.state === 'running' && input.hookPending?.has(current.id) ? 'created' : current.state;
  switch (state) {
    case 'running': {
      status.state = { running: { startedAt: rfc3339(current.startedAt ?? current.createdAt) } };
      const started = input.probes ? input.probes.isStarted(current.id) : true;
      status.started = started;
      status.ready = !regularInit && started && (input.probes ? input.probes.isReady(current.id) : true);
      break;
    }
    case 'created':
      status.state = { waiting: waitingState(waiting ?? { reason: hasInits && type === 'app' ? 'PodInitializing' : 'ContainerCreating' }) };
      break;
    default: {
      const terminated = terminatedState(current, input.messages);
      if (waiting) {
        status.state = { waiting: waitingState(waiting) };
        status.lastState = terminated;
      } else {
        status.state = terminated;
        status.ready = regularInit && terminated.terminated!.exitCode === 0;
      }
    }
  }
  return status;
}

function waitingState(w: WaitingReason): { reason: string; message?: string } {
  return w.message ? { reason: w.reason, message: w.message } : { reason: w.reason };
}

/** kubelet getPhase (§1.2). */
export function getPhase(pod: Pod, inits: ContainerStatus[], apps: ContainerStatus[], podIsTerminal: boolean): string {
  const spec = pod.spec!;
  const policy = spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  let pendingSidecar = 0;
  for (const c of spec.initContainers ?? []) {
    const st = inits.find((s) => s.name === c.name);
    if (isSidecar(c)) {
      if (!st || (st.state?.running && !st.started) || (st.state?.waiting && !st.lastState?.terminated)) pendingSidecar++;
      continue;
    }
    if (!st) pendingInit++;
    else if (st.state?.running) pendingInit++;
    else if (st.state?.terminated) {
      if (st.state.terminated.exitCode !== 0) failedInit++;
    } else if (st.state?.waiting) {
      if (st.lastState?.terminated) {
        if (st.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers) {
    const st = apps.find((s) => s.name === c.name);
    if (!st) unknown++;
    else if (st.state?.running) running++;
    else if (st.state?.terminated) {
      stopped++;
      if (st.state.terminated.exitCode === 0) succeeded++;
    } else if (st.state?.waiting) {
      if (st.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const regularEverStarted = running + stopped > 0;
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || (pendingSidecar > 0 && !regularEverStarted)) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function conditions(
  pod: Pod,
  inits: ContainerStatus[],
  apps: ContainerStatus[],
  phase: string,
  sandboxReady: boolean,
  previous: PodCondition[],
  now: number,
): PodCondition[] {
  const spec = pod.spec!;
  const make = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    const cond: PodCondition = {
      type,
      status,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : rfc3339(now),
    };
    if (reason) cond.reason = reason;
    if (message) cond.message = message;
    return cond;
  };

  // Initialized
  let initialized: PodCondition;
  const anyAppStarted = apps.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if (phase === 'Succeeded' && (spec.initContainers ?? []).length > 0) {
    initialized = make('Initialized', true, 'PodCompleted');
  } else {
    const incomplete = (spec.initContainers ?? [])
      .filter((c) => {
        const st = inits.find((s) => s.name === c.name);
        return isSidecar(c) ? !st?.started : !st?.ready;
      })
      .map((c) => c.name);
    initialized =
      incomplete.length === 0 || anyAppStarted
        ? make('Initialized', true)
        : make('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`);
  }

  // ContainersReady and Ready
  const unready = [
    ...(spec.initContainers ?? []).filter(isSidecar).map((c) => inits.find((s) => s.name === c.name)),
    ...spec.containers.map((c) => apps.find((s) => s.name === c.name)),
  ]
    .filter((s) => !s?.ready)
    .map((s) => s?.name ?? '');
  let containersReady: PodCondition;
  if (phase === 'Succeeded' || phase === 'Failed') {
    containersReady = make('ContainersReady', false, phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed');
  } else if (unready.length === 0) {
    containersReady = make('ContainersReady', true);
  } else {
    containersReady = make('ContainersReady', false, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`);
  }
  let ready = { ...make('Ready', containersReady.status === 'True', containersReady.reason, containersReady.message) };
  if (ready.status === 'True') {
    const gates = (spec.readinessGates ?? []).map((g) => g.conditionType);
    const missing = gates.filter((g) => pod.status?.conditions?.find((c) => c.type === g)?.status !== 'True');
    if (missing.length) {
      ready = make('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${missing[0]}" does not exist.`);
    }
  }

  const ours = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  const foreign = previous.filter((c) => !ours.has(c.type));
  return [
    make('PodReadyToStartContainers', sandboxReady),
    initialized,
    ready,
    containersReady,
    make('PodScheduled', true),
    ...foreign,
  ];
}
