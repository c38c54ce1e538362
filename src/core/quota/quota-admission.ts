/**
 * @module The ResourceQuota admission decision (plugin/pkg/admission/resourcequota): for a create
 * (or an update that can change usage), the quotas of the namespace that select the object, the
 * "must specify" rule, then `used + requested <= hard` for every constrained name. Returns the
 * new `status.used` of each quota charged, or the API server's refusal message. Pure: the caller
 * writes the object and then the charges, or nothing.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../types.js';
import { evaluatorFor, quotaMatches, type GroupResource } from './quota-evaluators.js';
import { add, exceeded, fromResources, mask, negativeNames, prettyPrint, removeZeros, subtractNonNegative, toResources } from './resource-list.js';

export interface QuotaAttributes {
  operation: 'create' | 'update';
  resource: GroupResource;
  obj: KubeObject;
  /** The stored object, on update. */
  old?: KubeObject;
  now: number;
}

export interface QuotaCharge {
  /** The quota's name. */
  name: string;
  /** The quota's resourceVersion the charge was computed from. */
  resourceVersion?: string;
  /** Its new status.used. */
  used: Record<string, string>;
}

export type QuotaDecision = { allowed: true; charges: QuotaCharge[] } | { allowed: false; message: string };

export function admitToQuotas(quotas: readonly ResourceQuota[], attrs: QuotaAttributes): QuotaDecision {
  const ev = evaluatorFor(attrs.resource);
  if (quotas.length === 0) return { allowed: true, charges: [] };
  if (attrs.operation === 'update' && !ev.chargesUpdates) return { allowed: true, charges: [] };

  const interesting: ResourceQuota[] = [];
  for (const q of [...quotas].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    if (!quotaMatches(q, ev, attrs.obj)) continue;
    const restricted = ev.matchingResources(Object.keys(q.status?.hard ?? {}));
    if (attrs.operation === 'create' && ev.constraints) {
      const missing = ev.constraints(restricted, attrs.obj);
      if (missing) return { allowed: false, message: `failed quota: ${q.metadata?.name}: ${missing}` };
    }
    const used = q.status?.used ?? {};
    const unknown = restricted.filter((r) => !(r in used));
    if (unknown.length > 0) return { allowed: false, message: `status unknown for quota: ${q.metadata?.name}, resources: ${unknown.sort().join(',')}` };
    interesting.push(q);
  }
  if (interesting.length === 0) return { allowed: true, charges: [] };

  let delta = ev.usage(attrs.obj, attrs.now);
  const negative = negativeNames(delta);
  if (negative.length > 0) return { allowed: false, message: `quota usage is negative for resource(s): ${negative.sort().join(',')}` };
  if (attrs.operation === 'update' && attrs.old?.metadata?.resourceVersion) delta = subtractNonNegative(delta, ev.usage(attrs.old, attrs.now));
  delta = removeZeros(delta);
  if (delta.size === 0) return { allowed: true, charges: [] };

  const charges: QuotaCharge[] = [];
  for (const q of interesting) {
    const hard = toResources(q.status?.hard);
    const used = toResources(q.status?.used);
    const requested = mask(delta, hard.keys());
    const next = add(used, requested);
    const over = exceeded(mask(next, requested.keys()), hard);
    if (over.length > 0) {
      return {
        allowed: false,
        message: `exceeded quota: ${q.metadata?.name}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`,
      };
    }
    if (requested.size > 0) charges.push({ name: q.metadata?.name ?? '', resourceVersion: q.metadata?.resourceVersion, used: fromResources(next) });
  }
  return { allowed: true, charges };
}
