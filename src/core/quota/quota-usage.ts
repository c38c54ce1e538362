/**
 * @module The resource quota controller's recount (pkg/controller/resourcequota syncResourceQuota
 * and quota.CalculateUsage): status.hard is spec.hard, status.used the sum over the objects of the
 * namespace its scopes select, for exactly the names it constrains. Pure: the controller lists,
 * this adds up.
 */
import type { ResourceQuota, ResourceQuotaStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject, Pod } from '../types.js';
import { countedResource, evaluatorFor, podComputeEndsAt, scopeSelectors, type GroupResource } from './quota-evaluators.js';
import { add, equal, fromResources, mask, toResources, ZERO, type Resources } from './resource-list.js';

const key = (gr: GroupResource): string => `${gr.resource}.${gr.group}`;

/** The kinds a quota's hard names count, so the controller knows what to list. */
export function quotaResources(quota: ResourceQuota): GroupResource[] {
  const out = new Map<string, GroupResource>();
  for (const name of Object.keys(quota.spec?.hard ?? {})) {
    const gr = countedResource(name);
    if (gr) out.set(key(gr), gr);
  }
  return [...out.values()];
}

export interface QuotaRecount {
  status: ResourceQuotaStatus;
  /** Whether the stored status differs (the controller writes only then). */
  changed: boolean;
  /** When a pod being deleted stops costing compute: recount then. */
  recountAt?: number;
}

/** `objects(gr)`: the namespace's objects of that kind. */
export function recountQuota(quota: ResourceQuota, objects: (gr: GroupResource) => readonly KubeObject[], now: number): QuotaRecount {
  const hard = toResources(quota.spec?.hard);
  const names = [...hard.keys()];
  // Past observations are kept for names nothing here can count (the upstream controller does too).
  let used: Resources = mask(toResources(quota.status?.used), names);
  let recountAt: number | undefined;
  const selectors = scopeSelectors(quota);
  for (const gr of quotaResources(quota)) {
    const ev = evaluatorFor(gr);
    const matched = ev.matchingResources(names);
    if (matched.length === 0) continue;
    let sum: Resources = new Map(matched.map((n) => [n, ZERO]));
    for (const obj of objects(gr)) {
      if (!selectors.every((s) => ev.matchesScope(s, obj))) continue;
      sum = add(sum, ev.usage(obj, now));
      if (gr.group === '' && gr.resource === 'pods') {
        const ends = podComputeEndsAt(obj as Pod);
        if (ends !== undefined && ends >= now && (recountAt === undefined || ends < recountAt)) recountAt = ends + 1;
      }
    }
    used = new Map([...used, ...mask(sum, matched)]);
  }
  const status: ResourceQuotaStatus = { hard: fromResources(hard), used: fromResources(used) };
  const changed = quota.status?.hard === undefined || quota.status.used === undefined || !equal(hard, toResources(quota.status.hard)) || !equal(used, toResources(quota.status.used));
  return { status, changed, ...(recountAt !== undefined ? { recountAt } : {}) };
}
