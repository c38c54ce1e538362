/**
 * @module Resource usage as the kubelet reports it: the /stats/summary shape (kubelet
 * stats/v1alpha1 Summary), metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics made from it as
 * metrics-server makes them, and a pod's process group for the dashboard. Pure: the readings come
 * from the CgroupStatsReader and ProcessReader ports.
 */
import type { CgroupStats, ProcessInfo } from './ports.js';

export interface CpuStats {
  time: string;
  /** Rate over the sampling window; absent until there are two samples. */
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  availableBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface StatsSummary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodStats[];
}

/** Two readings of one cgroup, the later last; `window` is the time between them. */
export interface StatsSample {
  previous?: CgroupStats;
  current: CgroupStats;
}

/** CPU as a rate: Δ cumulative usage / Δ time, in nanocores (1e9 = one core), as cAdvisor computes it. */
export function cpuNanoCores(previous: CgroupStats | undefined, current: CgroupStats): number | undefined {
  if (!previous) return undefined;
  const dtMs = current.timestamp - previous.timestamp;
  const dNs = current.cpuUsageNanos - previous.cpuUsageNanos;
  // A counter that went backwards is a new cgroup under an old name: no rate yet.
  if (dtMs <= 0 || dNs < 0) return undefined;
  return Math.round((dNs / dtMs) * 1e3);
}

export function cpuStats(s: StatsSample): CpuStats {
  const rate = cpuNanoCores(s.previous, s.current);
  return {
    time: new Date(s.current.timestamp).toISOString(),
    ...(rate !== undefined ? { usageNanoCores: rate } : {}),
    usageCoreNanoSeconds: Math.round(s.current.cpuUsageNanos),
  };
}

export function memoryStats(s: CgroupStats, capacityBytes?: number): MemoryStats {
  return {
    time: new Date(s.timestamp).toISOString(),
    usageBytes: s.memoryUsageBytes,
    workingSetBytes: s.memoryWorkingSetBytes,
    rssBytes: s.memoryRssBytes,
    ...(capacityBytes !== undefined ? { availableBytes: Math.max(0, capacityBytes - s.memoryWorkingSetBytes) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// metrics.k8s.io/v1beta1, as metrics-server serves it.

/** The sampling window metrics report: the time between the two readings the rate came from. */
function windowOf(previousTime: number | undefined, currentTime: number): string {
  const seconds = previousTime === undefined ? 0 : Math.max(0, (currentTime - previousTime) / 1000);
  return `${Number(seconds.toFixed(3))}s`;
}

/** CPU in nanocores as a Quantity: "12345678n". */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** Memory bytes as a Quantity: whole KiB as "1234Ki", else plain bytes. */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? `${b / 1024}Ki` : String(b);
}

export interface MetricsWindow {
  /** Epoch ms of the earlier reading, when there is one. */
  previousTimestamp?: number;
}

/** A PodMetrics for a pod whose every container has a CPU rate; undefined otherwise (metrics-server skips it). */
export function podMetrics(pod: PodStats, window: MetricsWindow): Record<string, unknown> | undefined {
  if (pod.containers.length === 0 || pod.containers.some((c) => c.cpu.usageNanoCores === undefined)) return undefined;
  const ts = Date.parse(pod.cpu.time);
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: pod.podRef.name, namespace: pod.podRef.namespace, creationTimestamp: new Date(ts).toISOString().replace(/\.\d+Z$/, 'Z') },
    timestamp: pod.cpu.time.replace(/\.\d+Z$/, 'Z'),
    window: windowOf(window.previousTimestamp, ts),
    containers: pod.containers.map((c) => ({
      name: c.name,
      usage: { cpu: cpuQuantity(c.cpu.usageNanoCores ?? 0), memory: memoryQuantity(c.memory.workingSetBytes) },
    })),
  };
}

export function nodeMetrics(node: StatsSummary['node'], window: MetricsWindow): Record<string, unknown> | undefined {
  if (node.cpu.usageNanoCores === undefined) return undefined;
  const ts = Date.parse(node.cpu.time);
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: node.nodeName, creationTimestamp: new Date(ts).toISOString().replace(/\.\d+Z$/, 'Z') },
    timestamp: node.cpu.time.replace(/\.\d+Z$/, 'Z'),
    window: windowOf(window.previousTimestamp, ts),
    usage: { cpu: cpuQuantity(node.cpu.usageNanoCores), memory: memoryQuantity(node.memory.workingSetBytes) },
  };
}

// ---------------------------------------------------------------------------------------------
// A pod as the process group it is (node.peapod.io/v1alpha1 PodProcesses, for the dashboard).

export interface ProcessRow extends ProcessInfo {
  /** CPU rate since this process's previous reading, in millicores; absent on the first reading. */
  cpuMillicores?: number;
}

export interface ContainerProcesses {
  name: string;
  /** "sandbox" for the infra container (catatonit), else "init" or "app". */
  type: 'sandbox' | 'init' | 'app';
  containerID: string;
  restartCount: number;
  state: string;
  cgroup: string;
  usage?: { cpuNanoCores?: number; memoryWorkingSetBytes: number; memoryRssBytes: number };
  processes: ProcessRow[];
}

export interface PodProcesses {
  kind: 'PodProcesses';
  apiVersion: 'node.peapod.io/v1alpha1';
  metadata: { name: string; namespace: string; uid: string };
  /** PIDs are the pod's own (infra = 1) when the PID namespace is shared, else each container's. */
  shareProcessNamespace: boolean;
  podCgroup?: string;
  timestamp: string;
  containers: ContainerProcesses[];
}

/** CPU rate of one process from its previous reading (same pid and start time), in millicores. */
export function processCpuMillicores(previous: { at: number; cpuNanos: number } | undefined, at: number, cpuNanos: number): number | undefined {
  if (!previous || at <= previous.at || cpuNanos < previous.cpuNanos) return undefined;
  return Math.round(((cpuNanos - previous.cpuNanos) / (at - previous.at)) * 1e-3);
}
