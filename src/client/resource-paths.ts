/**
 * @module REST paths of resources. The client and the CLI find resources through discovery
 * (discovery.ts); the few core/v1 kinds every daemon serves are also known here, for callers
 * that want a path without asking the server first (tests, the pod and event helpers).
 */
import { NoKindMatchError } from './discovery.js';

export { NoKindMatchError };

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  resource: string; // plural, as in the path
  namespaced: boolean;
}

const resources: ResourceInfo[] = [
  { apiVersion: 'v1', kind: 'Pod', resource: 'pods', namespaced: true },
  { apiVersion: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Event', resource: 'events', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true },
  { apiVersion: 'v1', kind: 'Node', resource: 'nodes', namespaced: false },
];

export function resourceFor(apiVersion: string | undefined, kind: string | undefined): ResourceInfo {
  const info = resources.find((r) => r.kind === kind && r.apiVersion === (apiVersion ?? r.apiVersion));
  if (!info) throw new NoKindMatchError(kind ?? '', apiVersion ?? '');
  return info;
}

function groupPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * The collection path (name undefined) or the object path. `namespace` undefined on a namespaced
 * kind means "across all namespaces" (lists and watches only).
 */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  let path = groupPrefix(info.apiVersion);
  if (info.namespaced && namespace !== undefined) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  return path;
}

/** Builds `?a=1&b=x`, skipping undefined values and repeating array values. */
export function queryString(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) q.append(key, v);
    else q.append(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
