/**
 * @module The kubelet's resource admission (pkg/kubelet/lifecycle/predicate.go with the
 * scheduler's noderesources Fits): a pod is admitted only if its effective request fits in the
 * node's allocatable next to the pods already admitted. A rejected pod is failed whole.
 */
import type { Pod } from './types.js';
import { podRequests } from './pod-resources.js';
import { parseCpuMillis, parseMemoryBytes } from './quantity.js';

export const DEFAULT_MAX_PODS = 110;

export interface NodeResources {
  cpuMillis: number;
  memoryBytes: number;
  pods: number;
}

/** `--system-reserved cpu=…,memory=…`. */
export interface Reserved {
  cpuMillis: number;
  memoryBytes: number;
}

export interface NodeCapacity {
  capacity: NodeResources;
  allocatable: NodeResources;
}

export function nodeCapacity(machine: { cpus: number; memoryBytes: number }, reserved: Reserved = { cpuMillis: 0, memoryBytes: 0 }, maxPods = DEFAULT_MAX_PODS): NodeCapacity {
  const capacity = { cpuMillis: machine.cpus * 1000, memoryBytes: machine.memoryBytes, pods: maxPods };
  return {
    capacity,
    allocatable: {
      cpuMillis: Math.max(0, capacity.cpuMillis - reserved.cpuMillis),
      memoryBytes: Math.max(0, capacity.memoryBytes - reserved.memoryBytes),
      pods: maxPods,
    },
  };
}

export interface Rejection {
  reason: string;
  message: string;
}

/**
 * Undefined when `pod` fits next to `admitted` (the active pods already admitted, `pod` excluded),
 * else the first resource that does not fit, in the kubelet's order: pods, cpu, memory.
 */
export function admitPod(pod: Pod, admitted: readonly Pod[], allocatable: NodeResources): Rejection | undefined {
  if (admitted.length + 1 > allocatable.pods) return reject('pods', 1, admitted.length, allocatable.pods);
  const want = podRequests(pod);
  if (want.cpuMillis === 0 && want.memoryBytes === 0) return undefined;
  let cpu = 0;
  let mem = 0;
  for (const p of admitted) {
    const r = podRequests(p);
    cpu += r.cpuMillis;
    mem += r.memoryBytes;
  }
  if (want.cpuMillis > 0 && want.cpuMillis > allocatable.cpuMillis - cpu) return reject('cpu', want.cpuMillis, cpu, allocatable.cpuMillis);
  if (want.memoryBytes > 0 && want.memoryBytes > allocatable.memoryBytes - mem) return reject('memory', want.memoryBytes, mem, allocatable.memoryBytes);
  return undefined;
}

function reject(resource: string, requested: number, used: number, capacity: number): Rejection {
  return {
    reason: `OutOf${resource}`,
    message: `Pod was rejected: Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  };
}

/** `cpu=500m,memory=1Gi` → amounts; throws Error with a usage message on anything else. */
export function parseReserved(text: string): Reserved {
  const out: Reserved = { cpuMillis: 0, memoryBytes: 0 };
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (value === undefined || value === '') throw new Error(`"${part}": want RESOURCE=QUANTITY`);
    try {
      if (key === 'cpu') out.cpuMillis = parseCpuMillis(value);
      else if (key === 'memory') out.memoryBytes = parseMemoryBytes(value);
    } catch {
      throw new Error(`"${part}": ${value} is not a quantity`);
    }
    if (key !== 'cpu' && key !== 'memory') throw new Error(`"${key}": only cpu and memory can be reserved`);
    if ((key === 'cpu' ? out.cpuMillis : out.memoryBytes) < 0) throw new Error(`"${part}": must not be negative`);
  }
  return out;
}
