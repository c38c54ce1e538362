/**
 * @module The QoS-level cgroups as the kubelet's QOSContainerManager keeps them on cgroup v1
 * (pkg/kubelet/cm/qos_container_manager_linux.go setCPUCgroupConfig): `besteffort` gets the
 * minimum cpu.shares, so BestEffort pods only get CPU nobody else wants; `burstable` gets the
 * shares of the summed CPU requests of the Burstable pods that hold node resources, so together
 * they weigh what they asked for against the Guaranteed pods beside them. Guaranteed pods have no
 * QoS-level cgroup. Memory limits on the QoS levels (QOSReserved) are an alpha feature, not done.
 */
import type { Pod } from './types.js';
import { qosClass } from './qos.js';
import { MIN_SHARES, milliCpuToShares, podRequests, sharesToWeight } from './pod-resources.js';

export interface QosCgroupShares {
  burstable: number;
  besteffort: number;
}

/** cpu.shares of both QoS-level cgroups for the pods that are active (admitted and not finished). */
export function qosCgroupShares(activePods: readonly Pod[]): QosCgroupShares {
  let burstableMillis = 0;
  for (const pod of activePods) if (qosClass(pod) === 'Burstable') burstableMillis += podRequests(pod).cpuMillis;
  return { burstable: milliCpuToShares(burstableMillis), besteffort: MIN_SHARES };
}

/** The cgroup v1 files of a QoS-level cgroup, as `<controller>/<file>` → value. */
export function qosCgroupV1Files(cpuShares: number): [string, string][] {
  return [['cpu/cpu.shares', String(cpuShares)]];
}

/** The cgroup v2 files of a QoS-level cgroup (cpu must be enabled in the parent's subtree_control). */
export function qosCgroupV2Files(cpuShares: number): [string, string][] {
  return [['cpu.weight', String(sharesToWeight(cpuShares))]];
}
