/**
 * @module LimitRange as the API server has it: the object's own defaulting (a Container item's
 * max becomes its default, the default its defaultRequest, the min its defaultRequest) and
 * validation (pkg/apis/core/validation ValidateLimitRange), and the LimitRanger admission plugin's
 * two steps: default a new pod's container requests and limits (noting what it set in the
 * `kubernetes.io/limit-ranger` annotation), then hold pods and claims to min, max and
 * maxLimitRequestRatio with upstream's messages. Pure.
 */
import type { LimitRange, LimitRangeItem, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { fieldErrors as fe, isQualifiedName, throwIfInvalid, type FieldError } from '../field-error.js';
import type { Mutable } from '../mutable.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../pod-validation.js';
import { formatQuantity, type Quantity } from '../quantity.js';
import type { Container, Pod } from '../types.js';
import { podAmounts } from './quota-evaluators.js';
import { toResources, type Resources } from './resource-list.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
type ListName = (typeof LISTS)[number];

const str = formatQuantity;
/** Milli-units, rounded up (Quantity.MilliValue), exact in a bigint. */
const milli = (q: Quantity): bigint => {
  const d = q.nano / 1_000_000n;
  return q.nano % 1_000_000n > 0n ? d + 1n : d;
};
const cmp = (a: Quantity, b: Quantity): number => (a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0);

/** SetDefaults_LimitRangeItem for every Container item. */
export function defaultLimitRange(lr: LimitRange): LimitRange {
  const limits = (lr.spec?.limits ?? []).map((item) => {
    if (item.type !== 'Container') return item;
    const def = { ...(item.default ?? {}) } as Record<string, unknown>;
    const req = { ...(item.defaultRequest ?? {}) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
    return { ...item, default: def, defaultRequest: req } as LimitRangeItem;
  });
  return { ...lr, spec: { ...lr.spec, limits } };
}

function resourceNameErrors(type: string, name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fe.invalid(path, name, m));
  if (errs.length > 0 || name.includes('/')) return errs;
  if ((type === 'Pod' || type === 'Container') && !CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
    return [fe.invalid(path, name, 'must be a standard resource for containers')];
  }
  return [];
}

function itemErrors(item: LimitRangeItem, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  for (const m of isQualifiedName(type)) errs.push(fe.invalid(`${path}.type`, type, m));
  if (errs.length === 0 && !type.includes('/') && !LIMIT_TYPES.includes(type)) errs.push(fe.invalid(`${path}.type`, type, 'must be a standard limit type or fully qualified'));
  const lists = {} as Record<ListName, Resources>;
  const keys = new Set<string>();
  for (const list of LISTS) {
    const raw = (item[list] ?? {}) as Record<string, unknown>;
    lists[list] = toResources(raw);
    for (const [k, v] of Object.entries(raw)) {
      const at = `${path}.${list}[${k}]`;
      errs.push(...resourceNameErrors(type, k, at));
      if (!lists[list].has(k)) errs.push(fe.invalid(at, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      else if (lists[list].get(k)!.nano < 0n) errs.push(fe.invalid(at, str(lists[list].get(k)!), 'must be greater than or equal to 0'));
      if (type === 'Pod' && (list === 'default' || list === 'defaultRequest')) continue;
      keys.add(k);
    }
  }
  if (type === 'Pod') {
    if (lists.default.size > 0) errs.push(fe.forbidden(`${path}.default`, "may not be specified when `type` is 'Pod'"));
    if (lists.defaultRequest.size > 0) errs.push(fe.forbidden(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  }
  if (type === 'PersistentVolumeClaim' && !lists.min.has('storage') && !lists.max.has('storage')) {
    errs.push(fe.required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  for (const k of [...keys].sort()) {
    const [max, min, def, defReq, ratio] = LISTS.map((l) => lists[l].get(k));
    if (min && max && cmp(min, max) > 0) errs.push(fe.invalid(`${path}.min[${k}]`, str(min), `min value ${str(min)} is greater than max value ${str(max)}`));
    if (defReq && min && cmp(min, defReq) > 0) errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, str(defReq), `min value ${str(min)} is greater than default request value ${str(defReq)}`));
    if (defReq && max && cmp(defReq, max) > 0) errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, str(defReq), `default request value ${str(defReq)} is greater than max value ${str(max)}`));
    if (defReq && def && cmp(defReq, def) > 0) errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, str(defReq), `default request value ${str(defReq)} is greater than default limit value ${str(def)}`));
    if (def && min && cmp(min, def) > 0) errs.push(fe.invalid(`${path}.default[${k}]`, str(min), `min value ${str(min)} is greater than default value ${str(def)}`));
    if (def && max && cmp(def, max) > 0) errs.push(fe.invalid(`${path}.default[${k}]`, str(max), `default value ${str(def)} is greater than max value ${str(max)}`));
    if (ratio && ratio.nano < 1_000_000_000n) errs.push(fe.invalid(`${path}.maxLimitRequestRatio[${k}]`, str(ratio), `ratio ${str(ratio)} is less than 1`));
    if (ratio && min && max && min.nano > 0n) {
      const bound = Number(milli(max)) / Number(milli(min));
      if (Number(milli(ratio)) / 1000 > bound) errs.push(fe.invalid(`${path}.maxLimitRequestRatio[${k}]`, str(ratio), `ratio ${str(ratio)} is greater than max/min = ${bound.toFixed(6)}`));
    }
  }
  return errs;
}

/** Defaults and validates a LimitRange on create and update (422 with upstream's causes). */
export function prepareLimitRange(raw: LimitRange, stored: LimitRange | undefined): LimitRange {
  const lr = defaultLimitRange(raw);
  const errs = validateObjectMeta(lr.metadata ?? {}, 'LimitRange', true);
  if (stored) errs.push(...validateObjectMetaUpdate(lr.metadata ?? {}, stored.metadata ?? {}));
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    if (seen.has(item.type)) errs.push(fe.duplicate(`${path}.type`, item.type));
    seen.add(item.type);
    errs.push(...itemErrors(item, path));
  });
  throwIfInvalid('LimitRange', lr.metadata?.name ?? '', errs);
  return lr;
}

// ---------------------------------------------------------------------------------------------
// Admission: defaults

function containerDefaults(ranges: readonly LimitRange[]): { requests: Record<string, unknown>; limits: Record<string, unknown> } {
  const requests: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container') continue;
      Object.assign(requests, item.defaultRequest ?? {});
      Object.assign(limits, item.default ?? {});
    }
  }
  return { requests, limits };
}

/**
 * A new pod with each container's missing requests and limits taken from the Container items'
 * defaultRequest and default, and the annotation saying what was set; unchanged when nothing was.
 */
export function applyLimitRangeDefaults(pod: Pod, ranges: readonly LimitRange[]): Pod {
  const defaults = containerDefaults(ranges);
  if (Object.keys(defaults.requests).length + Object.keys(defaults.limits).length === 0) return pod;
  const notes: string[] = [];
  const merge = (c: Container, prefix: string): Container => {
    const requests = { ...(c.resources?.requests ?? {}) } as Record<string, unknown>;
    const limits = { ...(c.resources?.limits ?? {}) } as Record<string, unknown>;
    const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits)).sort();
    const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests)).sort();
    for (const k of setLimits) limits[k] = defaults.limits[k];
    for (const k of setRequests) requests[k] = defaults.requests[k];
    if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
    if (setRequests.length + setLimits.length === 0) return c;
    return { ...c, resources: { ...c.resources, requests, limits } } as Container;
  };
  const containers = (pod.spec?.containers ?? []).map((c) => merge(c, 'container'));
  const initContainers = pod.spec?.initContainers?.map((c) => merge(c, 'init container'));
  if (notes.length === 0) return pod;
  const annotations = { ...pod.metadata?.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  const spec = { ...pod.spec, containers, ...(initContainers ? { initContainers } : {}) } as Mutable<NonNullable<Pod['spec']>>;
  return { ...pod, metadata: { ...pod.metadata, annotations }, spec };
}

// ---------------------------------------------------------------------------------------------
// Admission: constraints (limitranger.go minConstraint, maxConstraint, maxRequestConstraint, limitRequestRatioConstraint)

function minConstraint(type: string, res: string, enforced: Quantity, req: Resources, lim: Resources): string | undefined {
  const r = req.get(res);
  const l = lim.get(res);
  if (!r) return `minimum ${res} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (milli(r) < milli(enforced)) return `minimum ${res} usage per ${type} is ${str(enforced)}, but request is ${str(r)}`;
  if (l && milli(l) < milli(enforced)) return `minimum ${res} usage per ${type} is ${str(enforced)}, but limit is ${str(l)}`;
  return undefined;
}

function maxConstraint(type: string, res: string, enforced: Quantity, req: Resources, lim: Resources): string | undefined {
  const r = req.get(res);
  const l = lim.get(res);
  if (!l) return `maximum ${res} usage per ${type} is ${str(enforced)}.  No limit is specified`;
  if (milli(l) > milli(enforced)) return `maximum ${res} usage per ${type} is ${str(enforced)}, but limit is ${str(l)}`;
  if (r && milli(r) > milli(enforced)) return `maximum ${res} usage per ${type} is ${str(enforced)}, but request is ${str(r)}`;
  return undefined;
}

function maxRequestConstraint(type: string, res: string, enforced: Quantity, req: Resources): string | undefined {
  const r = req.get(res);
  if (!r) return `maximum ${res} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (milli(r) > milli(enforced)) return `maximum ${res} usage per ${type} is ${str(enforced)}, but request is ${str(r)}`;
  return undefined;
}

function ratioConstraint(type: string, res: string, enforced: Quantity, req: Resources, lim: Resources): string | undefined {
  const r = req.get(res);
  const l = lim.get(res);
  if (!r || r.nano === 0n) return `${res} max limit to request ratio per ${type} is ${str(enforced)}, but no request is specified or request is 0`;
  if (!l || l.nano === 0n) return `${res} max limit to request ratio per ${type} is ${str(enforced)}, but no limit is specified or limit is 0`;
  const ratio = Number(milli(l)) / Number(milli(r));
  if (ratio * 1000 > Number(milli(enforced))) return `${res} max limit to request ratio per ${type} is ${str(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: LimitRangeItem, type: string, req: Resources, lim: Resources, out: string[]): void {
  const each = (list: Record<string, unknown> | undefined, f: (res: string, q: Quantity) => string | undefined): void => {
    const rs = toResources(list);
    for (const res of [...rs.keys()].sort()) {
      const e = f(res, rs.get(res)!);
      if (e) out.push(e);
    }
  };
  each(item.min, (res, q) => minConstraint(type, res, q, req, lim));
  each(item.max, (res, q) => maxConstraint(type, res, q, req, lim));
  each(item.maxLimitRequestRatio, (res, q) => ratioConstraint(type, res, q, req, lim));
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets. */
export function aggregateMessage(errors: readonly string[]): string | undefined {
  const unique = [...new Set(errors)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** The LimitRanger's refusal of a pod (Container and Pod items), or undefined when it fits. */
export function podLimitViolations(pod: Pod, ranges: readonly LimitRange[]): string | undefined {
  const errs: string[] = [];
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type === 'Container') {
        for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
          checkItem(item, 'Container', toResources(c.resources?.requests as Record<string, unknown>), toResources(c.resources?.limits as Record<string, unknown>), errs);
        }
      } else if (item.type === 'Pod') {
        checkItem(item, 'Pod', podAmounts(pod, 'requests'), podAmounts(pod, 'limits'), errs);
      }
    }
  }
  return aggregateMessage(errs);
}

/** The LimitRanger's refusal of a claim (PersistentVolumeClaim items: min and max on its request). */
export function claimLimitViolations(pvc: PersistentVolumeClaim, ranges: readonly LimitRange[]): string | undefined {
  const errs: string[] = [];
  const req = toResources(pvc.spec?.resources?.requests as Record<string, unknown> | undefined);
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      const min = toResources(item.min);
      for (const res of [...min.keys()].sort()) {
        const e = minConstraint('PersistentVolumeClaim', res, min.get(res)!, req, new Map());
        if (e) errs.push(e);
      }
      const max = toResources(item.max);
      for (const res of [...max.keys()].sort()) {
        const e = maxRequestConstraint('PersistentVolumeClaim', res, max.get(res)!, req);
        if (e) errs.push(e);
      }
    }
  }
  return aggregateMessage(errs);
}
