/**
 * @module Validation of core/v1 ResourceQuota as the API server does it (ValidateResourceQuota):
 * standard or qualified resource names, quantities not negative and whole for counts, scopes
 * that exist, do not conflict and suit the resources they limit, scope selectors' operators.
 * A new quota's status starts empty (the controller fills it); spec writes keep the status.
 */
import type { ResourceQuota, ScopedResourceSelectorRequirement } from 'kubernetes-types/core/v1.js';
import { fieldErrors as fe, isQualifiedName, throwIfInvalid, type FieldError } from '../field-error.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../pod-validation.js';
import { formatQuantity, QUANTITY_FORMAT_MESSAGE } from '../quantity.js';
import { toResources } from './resource-list.js';

const STANDARD = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.loadbalancers',
  'services.nodeports',
]);
const INTEGER = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.loadbalancers', 'services.nodeports']);
const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];
const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const EXISTS_ONLY = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'CrossNamespacePodAffinity']);

const isStandardName = (n: string): boolean => STANDARD.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');

/** helper.IsResourceQuotaScopeValidForResource. */
function scopeFitsResource(scope: string, resource: string): boolean {
  if (['Terminating', 'NotTerminating', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'].includes(scope)) return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
  if (scope === 'BestEffort') return POD_COUNT.has(resource);
  if (scope === 'VolumeAttributesClass') return ['persistentvolumeclaims', 'requests.storage'].includes(resource);
  return true;
}

function listErrors(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed = toResources(list);
  for (const [k, v] of Object.entries(list ?? {})) {
    const at = `${path}[${k}]`;
    const nameErrs = isQualifiedName(k);
    for (const m of nameErrs) errs.push(fe.invalid(at, k, m));
    if (nameErrs.length === 0 && !k.includes('/') && !isStandardName(k)) errs.push(fe.invalid(at, k, 'must be a standard resource for quota'));
    const q = parsed.get(k);
    if (!q) {
      errs.push(fe.invalid(at, v, QUANTITY_FORMAT_MESSAGE));
      continue;
    }
    if (q.nano < 0n) errs.push(fe.invalid(at, formatQuantity(q), 'must be greater than or equal to 0'));
    if ((INTEGER.has(k) || k.startsWith('count/')) && q.nano % 1_000_000_000n !== 0n) errs.push(fe.invalid(at, formatQuantity(q), 'must be an integer'));
  }
  return errs;
}

function selectorErrors(reqs: readonly ScopedResourceSelectorRequirement[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  reqs.forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (!SCOPES.includes(r.scopeName)) errs.push(fe.invalid(`${at}.scopeName`, r.scopeName, 'unsupported scope'));
    const values = r.values ?? [];
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if (values.length === 0) errs.push(fe.required(`${at}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fe.invalid(`${at}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else errs.push(fe.invalid(`${at}.operator`, r.operator, 'not a valid selector operator'));
    if (EXISTS_ONLY.has(r.scopeName) && r.operator !== 'Exists') {
      errs.push(fe.invalid(`${at}.operator`, r.operator, 'must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity'));
    }
  });
  return errs;
}

function specErrors(rq: ResourceQuota): FieldError[] {
  const spec = rq.spec ?? {};
  const errs = listErrors(spec.hard as Record<string, unknown> | undefined, 'spec.hard');
  const hard = Object.keys(spec.hard ?? {});
  const scopes = spec.scopes ?? [];
  const selectorScopes = (spec.scopeSelector?.matchExpressions ?? []).map((r) => r.scopeName);
  for (const [all, path] of [
    [scopes, 'spec.scopes'],
    [selectorScopes, 'spec.scopeSelector.matchExpressions'],
  ] as const) {
    if (all.length === 0) continue;
    for (const s of all) {
      if (path === 'spec.scopes' && !SCOPES.includes(s)) errs.push(fe.invalid(path, all, 'unsupported scope'));
      if (hard.some((k) => isStandardName(k) && !scopeFitsResource(s, k))) errs.push(fe.invalid(path, all, 'unsupported scope applied to resource'));
    }
    const set = new Set(all);
    if ((set.has('BestEffort') && set.has('NotBestEffort')) || (set.has('Terminating') && set.has('NotTerminating'))) errs.push(fe.invalid(path, all, 'conflicting scopes'));
  }
  errs.push(...selectorErrors(spec.scopeSelector?.matchExpressions ?? [], 'spec.scopeSelector.matchExpressions'));
  return errs;
}

/** Create and update of the main resource: the status is the controller's (cleared on create, kept on update). */
export function prepareResourceQuota(rq: ResourceQuota, stored: ResourceQuota | undefined): ResourceQuota {
  const errs = validateObjectMeta(rq.metadata ?? {}, 'ResourceQuota', true);
  if (stored) errs.push(...validateObjectMetaUpdate(rq.metadata ?? {}, stored.metadata ?? {}));
  errs.push(...specErrors(rq));
  throwIfInvalid('ResourceQuota', rq.metadata?.name ?? '', errs);
  return rq;
}

/** A status write: its hard and used lists must be valid quota lists. */
export function prepareResourceQuotaStatus(rq: ResourceQuota): ResourceQuota {
  const errs = [...listErrors(rq.status?.hard as Record<string, unknown> | undefined, 'status.hard'), ...listErrors(rq.status?.used as Record<string, unknown> | undefined, 'status.used')];
  throwIfInvalid('ResourceQuota', rq.metadata?.name ?? '', errs);
  return rq;
}
