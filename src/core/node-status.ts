/**
 * @module The Node object the agent reports (the kubelet's setNodeStatus): capacity and
 * allocatable, the four conditions with the kubelet's reasons and messages, nodeInfo and
 * addresses. Pressure thresholds are the kubelet's default hard eviction thresholds.
 */
import type { KubeObject } from './types.js';
import type { NodeCapacity, NodeResources } from './admission.js';
import { rfc3339Seconds } from './rfc3339.js';

/** memory.available < 100Mi, nodefs.available < 10%, (pid: fewer than 5% of pid_max left). */
export const MEMORY_PRESSURE_BYTES = 100 * 1024 * 1024;
export const DISK_PRESSURE_FRACTION = 0.1;
export const PID_PRESSURE_FRACTION = 0.05;

export interface NodeObservation {
  memoryAvailableBytes: number;
  /** Free fraction (0..1) of the file system of the data dir. */
  diskAvailableFraction: number;
  /** Free fraction (0..1) of pid_max. */
  pidsAvailableFraction: number;
  ephemeralStorageBytes: number;
}

export interface NodeIdentity {
  name: string;
  hostIP: string;
  hostname: string;
  kubeletVersion: string;
  nodeInfo: {
    machineID: string;
    systemUUID: string;
    bootID: string;
    kernelVersion: string;
    osImage: string;
    containerRuntimeVersion: string;
    operatingSystem: string;
    architecture: string;
  };
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

function quantities(r: NodeResources, ephemeralStorageBytes: number): Record<string, string> {
  return {
    cpu: cpuQuantity(r.cpuMillis),
    memory: memoryQuantity(r.memoryBytes),
    pods: String(r.pods),
    'ephemeral-storage': String(ephemeralStorageBytes),
  };
}

function cpuQuantity(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** The kubelet reports memory in Ki when it divides evenly. */
function memoryQuantity(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}Ki` : String(bytes);
}

export function buildNode(id: NodeIdentity, cap: NodeCapacity, obs: NodeObservation, now: number, previous?: KubeObject): KubeObject {
  const ts = rfc3339Seconds(now);
  const prevConds = ((previous?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
  const cond = (type: string, pressure: boolean, reason: [string, string], message: [string, string]): Condition => {
    const status = pressure ? 'True' : 'False';
    const before = prevConds.find((c) => c.type === type);
    const i = pressure ? 0 : 1;
    return {
      type,
      status,
      lastHeartbeatTime: ts,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : ts,
      reason: reason[i],
      message: message[i],
    };
  };
  const conditions = [
    cond('MemoryPressure', obs.memoryAvailableBytes < MEMORY_PRESSURE_BYTES,
      ['KubeletHasInsufficientMemory', 'KubeletHasSufficientMemory'], ['kubelet has insufficient memory available', 'kubelet has sufficient memory available']),
    cond('DiskPressure', obs.diskAvailableFraction < DISK_PRESSURE_FRACTION,
      ['KubeletHasDiskPressure', 'KubeletHasNoDiskPressure'], ['kubelet has disk pressure', 'kubelet has no disk pressure']),
    cond('PIDPressure', obs.pidsAvailableFraction < PID_PRESSURE_FRACTION,
      ['KubeletHasInsufficientPID', 'KubeletHasSufficientPID'], ['kubelet has insufficient PID available', 'kubelet has sufficient PID available']),
    // Ready is reported positively: the agent writing this is the proof of life.
    { ...cond('Ready', false, ['', 'KubeletReady'], ['', 'kubelet is posting ready status']), status: 'True' as const },
  ];
  const ready = conditions[3];
  const prevReady = prevConds.find((c) => c.type === 'Ready');
  ready.lastTransitionTime = prevReady?.status === 'True' ? prevReady.lastTransitionTime : ts;
  const meta = previous?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...meta,
      name: id.name,
      labels: {
        ...meta.labels,
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': id.nodeInfo.operatingSystem,
        'kubernetes.io/arch': id.nodeInfo.architecture,
        'beta.kubernetes.io/os': id.nodeInfo.operatingSystem,
        'beta.kubernetes.io/arch': id.nodeInfo.architecture,
      },
    },
    spec: previous?.spec ?? {},
    status: {
      capacity: quantities(cap.capacity, obs.ephemeralStorageBytes),
      allocatable: quantities(cap.allocatable, obs.ephemeralStorageBytes),
      conditions,
      addresses: [
        { type: 'InternalIP', address: id.hostIP },
        { type: 'Hostname', address: id.hostname },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: { ...id.nodeInfo, kubeletVersion: id.kubeletVersion, kubeProxyVersion: '' },
    },
  };
}
