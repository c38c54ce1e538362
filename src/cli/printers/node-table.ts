/** @module kubectl's Node columns (NAME STATUS ROLES AGE VERSION; -o wide adds addresses, OS, kernel, runtime). */
import type { KubeObject } from '../../core/types.js';
import { age } from './duration.js';
import { table } from './tab-writer.js';

interface NodeStatusView {
  conditions?: { type: string; status: string }[];
  addresses?: { type: string; address: string }[];
  nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
}

export function nodeTable(nodes: KubeObject[], now: number, withHeader = true, wide = false): string {
  const rows = nodes.map((n) => {
    const s = (n.status ?? {}) as NodeStatusView;
    const ready = s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
    const row = [n.metadata?.name ?? '', ready, '<none>', age(n.metadata?.creationTimestamp, now), s.nodeInfo?.kubeletVersion ?? ''];
    if (!wide) return row;
    const addr = (t: string) => s.addresses?.find((a) => a.type === t)?.address ?? '<none>';
    return [...row, addr('InternalIP'), addr('ExternalIP'), s.nodeInfo?.osImage ?? '', s.nodeInfo?.kernelVersion ?? '', s.nodeInfo?.containerRuntimeVersion ?? ''];
  });
  const header = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'];
  if (wide) header.push('INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME');
  return withHeader ? table(header, rows) : rows.length ? table(rows[0], rows.slice(1)) : '';
}
