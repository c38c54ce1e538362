/** @module Tables for namespaces (kubectl) and images (podman). */
import type { ConfigMap, Event, Secret } from 'kubernetes-types/core/v1.js';
import type { Namespace } from '../../core/types.js';
import type { ImageInfo } from '../../client/peapod-client.js';
import { age, humanDurationWords, humanSize } from './duration.js';
import { table } from './tab-writer.js';

export function namespaceTable(namespaces: Namespace[], now: number, withHeader = true): string {
  const rows = namespaces.map((ns) => [ns.metadata?.name ?? '', ns.status?.phase ?? 'Active', age(ns.metadata?.creationTimestamp, now)]);
  return withHeader ? table(['NAME', 'STATUS', 'AGE'], rows) : rows.length ? table(rows[0], rows.slice(1)) : '';
}

function withOptionalHeader(header: string[], rows: string[][], withHeader: boolean): string {
  return withHeader ? table(header, rows) : rows.length ? table(rows[0], rows.slice(1)) : '';
}

/** kubectl's ConfigMap columns: DATA counts data and binaryData keys. */
export function configMapTable(items: ConfigMap[], now: number, withHeader = true, withNamespace = false): string {
  const rows = items.map((cm) => {
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    const row = [cm.metadata?.name ?? '', String(count), age(cm.metadata?.creationTimestamp, now)];
    return withNamespace ? [cm.metadata?.namespace ?? '', ...row] : row;
  });
  return withOptionalHeader([...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'DATA', 'AGE'], rows, withHeader);
}

export function secretTable(items: Secret[], now: number, withHeader = true, withNamespace = false): string {
  const rows = items.map((s) => {
    const row = [s.metadata?.name ?? '', s.type ?? 'Opaque', String(Object.keys(s.data ?? {}).length), age(s.metadata?.creationTimestamp, now)];
    return withNamespace ? [s.metadata?.namespace ?? '', ...row] : row;
  });
  return withOptionalHeader([...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'TYPE', 'DATA', 'AGE'], rows, withHeader);
}

/**
 * kubectl's Event columns (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), oldest first; repeats
 * show as "Xs (x3 over Ym)" in LAST SEEN, as kubectl does.
 */
export function eventTable(items: Event[], now: number, withHeader = true, withNamespace = false): string {
  const last = (e: Event): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
  const sorted = [...items].sort((a, b) => Date.parse(last(a)) - Date.parse(last(b)));
  const rows = sorted.map((e) => {
    const seen = age(last(e), now);
    const lastSeen = (e.count ?? 1) > 1 ? `${seen} (x${e.count} over ${age(e.firstTimestamp ?? last(e), now)})` : seen;
    const obj = e.involvedObject ?? {};
    const row = [lastSeen, e.type ?? '', e.reason ?? '', `${(obj.kind ?? '').toLowerCase()}/${obj.name ?? ''}`, e.message ?? ''];
    return withNamespace ? [e.metadata?.namespace ?? '', ...row] : row;
  });
  return withOptionalHeader([...(withNamespace ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows, withHeader);
}

/** "docker.io/library/busybox:1.36" → ["docker.io/library/busybox", "1.36"]; digests keep "<none>". */
export function splitReference(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), '<none>'];
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

export function shortImageId(image: ImageInfo): string {
  const id = image.metadata?.name ?? '';
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function imageTable(images: ImageInfo[], now: number): string {
  const rows: string[][] = [];
  for (const image of images) {
    const created = image.created ? `${humanDurationWords(now - Date.parse(image.created))} ago` : '<unknown>';
    const size = image.size !== undefined ? humanSize(image.size) : '<unknown>';
    const names = image.names && image.names.length > 0 ? image.names : ['<none>:<none>'];
    for (const name of names) {
      const [repo, tag] = name === '<none>:<none>' ? ['<none>', '<none>'] : splitReference(name);
      rows.push([repo, tag, shortImageId(image), created, size]);
    }
  }
  // podman separates columns by two spaces.
  return tableWithPadding(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows, 2);
}

function tableWithPadding(header: string[], rows: string[][], padding: number): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + padding))).join('')).join('\n') + '\n';
}
