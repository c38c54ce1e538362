/** @module Figures and colours as the dashboard shows them (kubectl's words, Kubernetes' units). */

export function cpuText(nanoCores: number | undefined): string {
  if (nanoCores === undefined) return '–';
  const m = nanoCores / 1e6;
  return m >= 1000 ? `${(m / 1000).toFixed(2)}` : `${Math.round(m)}m`;
}

export function bytesText(bytes: number | undefined): string {
  if (bytes === undefined) return '–';
  if (bytes < 1024) return `${bytes}B`;
  const units = ['Ki', 'Mi', 'Gi', 'Ti'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

/** Parses metrics quantities: "12345n", "250m", "1", "51200Ki", "12Mi". */
export function parseCpu(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^([\d.]+)(n|u|m)?$/.exec(q);
  if (!m) return undefined;
  const v = Number(m[1]);
  return m[2] === 'n' ? v : m[2] === 'u' ? v * 1e3 : m[2] === 'm' ? v * 1e6 : v * 1e9;
}

export function parseBytes(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^([\d.]+)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q);
  if (!m) return undefined;
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/** The colour class of a kubectl STATUS cell. */
export function statusClass(status: string): string {
  if (status === 'Running') return 'st-ok';
  if (status === 'Completed' || status === 'Succeeded') return 'st-done';
  if (status === 'Terminating') return 'st-term';
  if (/^(Pending|ContainerCreating|PodInitializing|Init:\d+\/\d+)$/.test(status)) return 'st-wait';
  return 'st-bad';
}

export function timeText(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
