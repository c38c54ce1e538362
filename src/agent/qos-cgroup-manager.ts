/**
 * @module The QoS-level cgroups (kubelet's QOSContainerManager UpdateCgroups): the cpu.shares of
 * the Burstable and BestEffort cgroups follow the pods that hold node resources now.
 */
import type { Pod } from '../core/types.js';
import type { Layout } from '../core/layout.js';
import type { PodCgroupWriter } from '../core/pod-resources.js';
import { qosCgroupShares } from '../core/qos-cgroups.js';

export class QosCgroupManager {
  /** cpu.shares last written to each QoS-level cgroup. */
  private readonly written = new Map<'Burstable' | 'BestEffort', number>();

  constructor(
    private readonly layout: Layout,
    private readonly writer: PodCgroupWriter | undefined,
  ) {}

  /** Writes only what changed since the last call. */
  async update(activePods: readonly Pod[]): Promise<void> {
    const writer = this.writer;
    if (!writer?.applyQos) return;
    const shares = qosCgroupShares(activePods);
    for (const qos of ['BestEffort', 'Burstable'] as const) {
      const value = qos === 'Burstable' ? shares.burstable : shares.besteffort;
      if (this.written.get(qos) === value) continue;
      this.written.delete(qos);
      await writer.applyQos(this.layout.qosCgroup(qos), value);
      this.written.set(qos, value);
    }
  }
}
