/**
 * @module The columns kubectl prints for pods, computed server-side as upstream printPod does
 * (pkg/printers/internalversion/printers.go), and apimachinery's HumanDuration for ages.
 */
import type { Container, ContainerStatus, Pod } from './types.js';

export interface PodRow {
  name: string;
  ready: string; // "1/2"
  status: string; // "Running", "Init:1/2", "CrashLoopBackOff", "Terminating", ...
  restarts: string; // "3 (12s ago)"
  age: string; // "5m3s"
  /** First pod IP, or `<none>` (the -o wide cell). */
  ip: string;
  /** spec.nodeName, or `<none>`. */
  node: string;
  nominatedNode: string;
  readinessGates: string;
}

/** The Table columnDefinitions for pods; priority 1 columns show only with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export const podColumnDefinitions: readonly ColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', priority: 0, description: 'Name must be unique within a namespace.' },
  { name: 'Ready', type: 'string', format: '', priority: 0, description: 'The aggregate readiness state of this pod for accepting traffic.' },
  { name: 'Status', type: 'string', format: '', priority: 0, description: 'The aggregate status of the containers in this pod.' },
  { name: 'Restarts', type: 'string', format: '', priority: 0, description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
  { name: 'Age', type: 'string', format: '', priority: 0, description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
  { name: 'IP', type: 'string', format: '', priority: 1, description: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.' },
  { name: 'Node', type: 'string', format: '', priority: 1, description: 'NodeName indicates in which node this pod is scheduled.' },
  { name: 'Nominated Node', type: 'string', format: '', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.' },
  { name: 'Readiness Gates', type: 'string', format: '', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates' },
];

/** The cells of one Table row, in podColumnDefinitions order (the first five unless `wide`). */
export function podCells(pod: Pod, now: number, wide: boolean): string[] {
  const r = podRow(pod, now);
  const cells = [r.name, r.ready, r.status, r.restarts, r.age];
  return wide ? [...cells, r.ip, r.node, r.nominatedNode, r.readinessGates] : cells;
}

const isSidecar = (c: Container | undefined): boolean => c?.restartPolicy === 'Always';

function conditionTrue(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Go's zero time prints as "<unknown>", as translateTimestampSince does. */
export function ageSince(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

function finishedAt(s: ContainerStatus): number {
  const f = s.lastState?.terminated?.finishedAt;
  const t = f ? Date.parse(f) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

export function podRow(pod: Pod, now: number): PodRow {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const initCount = spec.initContainers?.length ?? 0;
  let total = spec.containers?.length ?? 0;
  for (const c of spec.initContainers ?? []) if (isSidecar(c)) total++;

  let reason = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const sidecar = isSidecar(initSpecs.get(c.name));
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      } else {
        reason = `Init:${term.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (term?.reason) {
        reason = term.reason;
      } else if (term) {
        reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const phase = status.phase;
  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) {
    restartsCell = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }

  let readinessGates = '<none>';
  const gates = spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueCount = 0;
    for (const g of gates) {
      const cond = (status.conditions ?? []).find((c) => c.type === g.conditionType);
      if (cond?.status === 'True') trueCount++;
    }
    readinessGates = `${trueCount}/${gates.length}`;
  }

  return {
    name: pod.metadata?.name ?? '',
    ready: `${ready}/${total}`,
    status: reason,
    restarts: restartsCell,
    age: ageSince(pod.metadata?.creationTimestamp, now),
    ip: status.podIPs?.[0]?.ip || status.podIP || '<none>',
    node: spec.nodeName || '<none>',
    nominatedNode: status.nominatedNodeName || '<none>',
    readinessGates,
  };
}

/** apimachinery duration.HumanDuration: a short, lossy age such as `45s`, `3m5s`, `2d3h`, `5y`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}
