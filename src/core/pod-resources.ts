/**
 * @module Requests and limits as the kubelet turns them into cgroup values
 * (pkg/kubelet/cm/helpers_linux.go, kuberuntime_container_linux.go, qos/policy.go,
 * component-helpers PodRequests). Container values go to runc as OCI `linux.resources` in cgroup v1
 * terms, which runc converts itself on a v2 host; the pod-level cgroup is written by peapod, so
 * both file sets are computed here.
 */
import type { Container, Pod } from './types.js';
import { parseCpuMillis, parseMemoryBytes } from './quantity.js';
import { qosClass } from './qos.js';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
export const QUOTA_PERIOD_US = 100_000;
export const MIN_QUOTA_US = 1000;
export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

/** Per-resource amounts: cpu in millicores, memory in bytes. Absent means none/unlimited. */
export interface ResourceAmounts {
  cpuMillis?: number;
  memoryBytes?: number;
}

export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** 0 means "no quota". */
export function milliCpuToQuota(milliCpu: number, periodUs = QUOTA_PERIOD_US): number {
  if (milliCpu <= 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * periodUs) / 1000));
}

/** runc ≤ 1.3.1's (and the kubelet's) linear shares → cpu.weight mapping. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

function amount(list: Record<string, string | number> | undefined, res: 'cpu' | 'memory'): number | undefined {
  const v = list?.[res];
  if (v === undefined || v === null) return undefined;
  return res === 'cpu' ? parseCpuMillis(String(v)) : parseMemoryBytes(String(v));
}

/** A container's requests, with request = limit when only the limit is set (API defaulting). */
export function containerRequests(c: Container): Required<ResourceAmounts> {
  const req = c.resources?.requests as Record<string, string> | undefined;
  const lim = c.resources?.limits as Record<string, string> | undefined;
  return {
    cpuMillis: amount(req, 'cpu') ?? amount(lim, 'cpu') ?? 0,
    memoryBytes: amount(req, 'memory') ?? amount(lim, 'memory') ?? 0,
  };
}

/** A container's limits; a zero or unset limit is absent (unlimited). */
export function containerLimits(c: Container): ResourceAmounts {
  const lim = c.resources?.limits as Record<string, string> | undefined;
  const out: ResourceAmounts = {};
  const cpu = amount(lim, 'cpu');
  const mem = amount(lim, 'memory');
  if (cpu) out.cpuMillis = cpu;
  if (mem) out.memoryBytes = mem;
  return out;
}

const KEYS = ['cpuMillis', 'memoryBytes'] as const;

/**
 * The pod's effective amounts (PodRequests/PodLimits): max(Σ apps + Σ sidecars, the largest init
 * container plus the sidecars declared before it) + overhead. For limits an absent amount is
 * unlimited, so any container without one makes the pod's absent too.
 */
function effective(pod: Pod, per: (c: Container) => ResourceAmounts, unsetIsUnlimited: boolean): ResourceAmounts {
  const out: ResourceAmounts = {};
  const overhead = pod.spec?.overhead as Record<string, string> | undefined;
  for (const key of KEYS) {
    let unlimited = false;
    const get = (c: Container): number => {
      const v = per(c)[key];
      if (v === undefined && unsetIsUnlimited) unlimited = true;
      return v ?? 0;
    };
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) sum += get(c);
    let sidecars = 0;
    let initMax = 0;
    for (const c of pod.spec?.initContainers ?? []) {
      const v = get(c);
      if (c.restartPolicy === 'Always') {
        sum += v;
        sidecars += v;
        initMax = Math.max(initMax, sidecars);
      } else {
        initMax = Math.max(initMax, v + sidecars);
      }
    }
    if (unlimited) continue;
    const extra = amount(overhead, key === 'cpuMillis' ? 'cpu' : 'memory') ?? 0;
    out[key] = Math.max(sum, initMax) + extra;
  }
  return out;
}

export function podRequests(pod: Pod): Required<ResourceAmounts> {
  const r = effective(pod, containerRequests, false);
  return { cpuMillis: r.cpuMillis ?? 0, memoryBytes: r.memoryBytes ?? 0 };
}

export function podLimits(pod: Pod): ResourceAmounts {
  if ((pod.spec?.containers ?? []).length + (pod.spec?.initContainers ?? []).length === 0) return {};
  return effective(pod, containerLimits, true);
}

/** OCI `linux.resources` in cgroup v1 terms (runc converts to v2 files itself), plus v2-only files. */
export type LinuxResources = {
  cpu: { shares: number; period: number; quota?: number };
  memory?: { limit: number; swap?: number };
  pids?: { limit: number };
  /** cgroup v2 files written as they are (runc refuses them on v1). */
  unified?: Record<string, string>;
};

export interface ContainerResourceOptions {
  /** memory+swap accounting exists (memory.memsw.* on v1, memory.swap.max on v2): no swap then. */
  swapAccounting: boolean;
  /**
   * The host is cgroup v2: the container's cgroup is OOM-killed as a whole (memory.oom.group),
   * as the kubelet sets it there for every container (singleProcessOOMKill false, its default).
   */
  cgroupV2?: boolean;
}

export function containerLinuxResources(c: Container, opts: ContainerResourceOptions): LinuxResources {
  const req = containerRequests(c);
  const lim = containerLimits(c);
  const cpu: LinuxResources['cpu'] = { shares: milliCpuToShares(req.cpuMillis), period: QUOTA_PERIOD_US };
  if (lim.cpuMillis) cpu.quota = milliCpuToQuota(lim.cpuMillis);
  const out: LinuxResources = { cpu };
  if (lim.memoryBytes) out.memory = opts.swapAccounting ? { limit: lim.memoryBytes, swap: lim.memoryBytes } : { limit: lim.memoryBytes };
  if (opts.cgroupV2) out.unified = { 'memory.oom.group': '1' };
  return out;
}

/** pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust. */
export function containerOomScoreAdj(pod: Pod, c: Container, memoryCapacity: number): number {
  if (pod.spec?.priorityClassName === 'system-node-critical') return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClass(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  let adj = burstableAdj(containerRequests(c).memoryBytes, memoryCapacity);
  const isSidecar = (pod.spec?.initContainers ?? []).some((i) => i.name === c.name && i.restartPolicy === 'Always');
  if (isSidecar) {
    let minRequest = memoryCapacity;
    for (const app of pod.spec?.containers ?? []) minRequest = Math.min(minRequest, containerRequests(app).memoryBytes);
    adj = Math.min(adj, burstableAdj(minRequest, memoryCapacity));
  }
  return adj;
}

function burstableAdj(memoryRequest: number, memoryCapacity: number): number {
  if (memoryCapacity <= 0) return 999;
  const adj = 1000 - Math.floor((1000 * memoryRequest) / memoryCapacity);
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj >= BEST_EFFORT_OOM_SCORE_ADJ) return BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return adj;
}

/** ResourceConfigForPod: what the pod-level cgroup gets. */
export interface PodCgroupConfig {
  cpuShares: number;
  cpuPeriod: number;
  /** Only when every container has a CPU limit. */
  cpuQuota?: number;
  /** Only when every container has a memory limit. */
  memoryLimit?: number;
  /** kubelet podPidsLimit; absent = unlimited. */
  pidsLimit?: number;
}

export function podCgroupConfig(pod: Pod, pidsLimit?: number): PodCgroupConfig {
  const qos = qosClass(pod);
  const req = podRequests(pod);
  const lim = podLimits(pod);
  const out: PodCgroupConfig = {
    cpuShares: qos === 'BestEffort' ? MIN_SHARES : milliCpuToShares(req.cpuMillis),
    cpuPeriod: QUOTA_PERIOD_US,
  };
  if (lim.cpuMillis !== undefined) out.cpuQuota = milliCpuToQuota(lim.cpuMillis);
  if (lim.memoryBytes !== undefined) out.memoryLimit = lim.memoryBytes;
  if (pidsLimit !== undefined && pidsLimit > 0) out.pidsLimit = pidsLimit;
  return out;
}

/**
 * The cgroup v1 files of the pod cgroup, as `<controller>/<file>` → value, in the order to write
 * them (the period before the quota; the kernel checks a quota against its period).
 */
export function podCgroupV1Files(cfg: PodCgroupConfig): [string, string][] {
  const files: [string, string][] = [
    ['cpu/cpu.shares', String(cfg.cpuShares)],
    ['cpu/cpu.cfs_period_us', String(cfg.cpuPeriod)],
    ['cpu/cpu.cfs_quota_us', String(cfg.cpuQuota ?? -1)],
  ];
  if (cfg.memoryLimit !== undefined) files.push(['memory/memory.limit_in_bytes', String(cfg.memoryLimit)]);
  if (cfg.pidsLimit !== undefined) files.push(['pids/pids.max', String(cfg.pidsLimit)]);
  return files;
}

/** The cgroup v2 files of the pod cgroup (controllers must be enabled in the parent's subtree_control). */
export function podCgroupV2Files(cfg: PodCgroupConfig): [string, string][] {
  const files: [string, string][] = [
    ['cpu.weight', String(sharesToWeight(cfg.cpuShares))],
    ['cpu.max', `${cfg.cpuQuota ?? 'max'} ${cfg.cpuPeriod}`],
    ['memory.max', cfg.memoryLimit !== undefined ? String(cfg.memoryLimit) : 'max'],
  ];
  if (cfg.pidsLimit !== undefined) files.push(['pids.max', String(cfg.pidsLimit)]);
  return files;
}

/** Writes the pod-level cgroup's limits; implemented in adapters/system/pod-cgroup.ts. */
export interface PodCgroupWriter {
  /** Creates `cgroupPath` where missing and writes `cfg`, before the pod's containers exist. */
  apply(cgroupPath: string, cfg: PodCgroupConfig): Promise<void>;
  /** Creates a QoS-level cgroup (`<root>/burstable`, `<root>/besteffort`) where missing and sets its CPU weight. */
  applyQos?(cgroupPath: string, cpuShares: number): Promise<void>;
}

/**
 * containerd's restrict_oom_score_adj: without CAP_SYS_RESOURCE a process cannot go below its
 * own oom_score_adj, and runc fails the container when it tries; such hosts get the floor.
 */
export function restrictOomScoreAdj(preferred: number, floor: number | undefined): number {
  return floor !== undefined && preferred < floor ? floor : preferred;
}
