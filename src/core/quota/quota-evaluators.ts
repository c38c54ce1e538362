/**
 * @module What one object costs in quota, as kube's quota evaluators say (pkg/quota/v1/evaluator/
 * core): a pod its compute resources (requests.*, limits.*, pods) while not terminal plus
 * `count/pods` always; a claim `persistentvolumeclaims`, `requests.storage` and their per-class
 * twins; a Service its ports and load balancers; anything else `count/<resource>[.<group>]`.
 * Also which quotas' scopes an object falls under and the "must specify" rule. Pure.
 */
import type { PersistentVolumeClaim, ResourceQuota, ScopedResourceSelectorRequirement, Service } from 'kubernetes-types/core/v1.js';
import type { Container, KubeObject, Pod } from '../types.js';
import { setRequirementMatches } from '../label-selector.js';
import { qosClass } from '../qos.js';
import { add, count, ONE, toResources, ZERO, type Resources } from './resource-list.js';

/** An object's kind as the store names it: group ('' for core) and plural resource. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** `count/pods`, `count/deployments.apps`: the object-count name of any resource. */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** The pre-`count/` names of a few core kinds, which count the same objects. */
const LEGACY_COUNT: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const POD_COMPUTE = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
/** Quota on these makes every container name them (a historical rule kept for compatibility). */
const MUST_SPECIFY = new Set(POD_COMPUTE);
const POD_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

export interface QuotaEvaluator {
  /** Which of a quota's hard names this evaluator tracks. */
  matchingResources(names: readonly string[]): string[];
  /** Whether one scope selector requirement selects the object. */
  matchesScope(req: ScopedResourceSelectorRequirement, obj: KubeObject): boolean;
  usage(obj: KubeObject, now: number): Resources;
  /** Whether an update can change usage (pods and plain counts: no). */
  readonly chargesUpdates: boolean;
  /** The "must specify" message for a create, or undefined (`required` = the quota's names this evaluator tracks). */
  constraints?(required: readonly string[], obj: KubeObject): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Pods

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
/** Not native to Kubernetes and not a requests./limits. form: an extended resource (example.com/gpu). */
const isExtended = (name: string): boolean => name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');

function podResourceName(name: string): boolean {
  if (['pods', 'count/pods', ...POD_COMPUTE, 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage'].includes(name)) return true;
  if (isHugePages(name) || name.startsWith('requests.hugepages-')) return true;
  return name.startsWith('requests.') && name.includes('/');
}

/** podComputeUsageHelper: the quota names a pod's (or container's) requests and limits fill. */
function computeUsage(requests: Resources, limits: Resources): Resources {
  const out: Resources = new Map([['pods', ONE]]);
  const both = (res: string): void => {
    const r = requests.get(res);
    if (r) out.set(res, r).set(`requests.${res}`, r);
    const l = limits.get(res);
    if (l) out.set(`limits.${res}`, l);
  };
  both('cpu');
  both('memory');
  both('ephemeral-storage');
  for (const [name, q] of requests) {
    if (isHugePages(name)) out.set(name, q).set(`requests.${name}`, q);
    if (isExtended(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

function maxInto(into: Resources, other: Resources): void {
  for (const [k, q] of other) {
    const have = into.get(k);
    if (!have || q.nano > have.nano) into.set(k, q);
  }
}

/** PodRequests / PodLimits of component-helpers: apps and sidecars summed, the largest init step, overhead. */
export function podAmounts(pod: Pod, which: 'requests' | 'limits'): Resources {
  const of = (c: Container): Resources => toResources(c.resources?.[which] as Record<string, unknown> | undefined);
  let sum: Resources = new Map();
  for (const c of pod.spec?.containers ?? []) sum = add(sum, of(c));
  let sidecars: Resources = new Map();
  const initMax: Resources = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      sum = add(sum, of(c));
      sidecars = add(sidecars, of(c));
      maxInto(initMax, sidecars);
    } else maxInto(initMax, add(of(c), sidecars));
  }
  maxInto(sum, initMax);
  for (const [k, q] of toResources(pod.spec?.overhead as Record<string, unknown> | undefined)) {
    // Overhead adds to every request, but only to limits that are set.
    if (which === 'requests' || sum.has(k)) sum = add(sum, new Map([[k, q]]));
  }
  return sum;
}

/** QuotaV1Pod: terminal pods, and pods past their deletion grace, cost no compute. */
export function podCountsForCompute(pod: Pod, now: number): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && grace !== undefined && grace !== null && now > Date.parse(ts) + grace * 1000) return false;
  return true;
}

/** When a pod being deleted stops costing compute (its deletion deadline), for a timed recount. */
export function podComputeEndsAt(pod: Pod): number | undefined {
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (!ts || grace === undefined || grace === null) return undefined;
  return Date.parse(ts) + grace * 1000;
}

function crossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t?.namespaces ?? []).length > 0 || t?.namespaceSelector !== undefined);
}

export const podEvaluator: QuotaEvaluator = {
  chargesUpdates: false,
  matchingResources: (names) => names.filter(podResourceName),
  matchesScope(req, obj) {
    const pod = obj as Pod;
    const terminating = typeof pod.spec?.activeDeadlineSeconds === 'number' && pod.spec.activeDeadlineSeconds >= 0;
    switch (req.scopeName) {
      case 'Terminating':
        return terminating;
      case 'NotTerminating':
        return !terminating;
      case 'BestEffort':
        return qosClass(pod) === 'BestEffort';
      case 'NotBestEffort':
        return qosClass(pod) !== 'BestEffort';
      case 'PriorityClass':
        return setRequirementMatches(req.operator, req.values, pod.spec?.priorityClassName || undefined);
      case 'CrossNamespacePodAffinity':
        return crossNamespaceAffinity(pod);
      default:
        return false;
    }
  },
  usage(obj, now) {
    const pod = obj as Pod;
    const out: Resources = new Map([['count/pods', ONE]]);
    if (!podCountsForCompute(pod, now)) return out;
    return add(out, computeUsage(podAmounts(pod, 'requests'), podAmounts(pod, 'limits')));
  },
  constraints(required, obj) {
    const pod = obj as Pod;
    const wanted = required.filter((r) => MUST_SPECIFY.has(r));
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const has = computeUsage(toResources(c.resources?.requests as Record<string, unknown>), toResources(c.resources?.limits as Record<string, unknown>));
      for (const r of wanted) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(c.name));
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaims

export const persistentVolumeClaimEvaluator: QuotaEvaluator = {
  chargesUpdates: true,
  matchingResources: (names) =>
    names.filter((n) => ['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage'].includes(n) || (n.includes(STORAGE_CLASS_SUFFIX) && /\/(requests\.storage|persistentvolumeclaims)$/.test(n))),
  // The VolumeAttributesClass scope needs a feature gate off by default in 1.32.
  matchesScope: () => false,
  usage(obj) {
    const pvc = obj as PersistentVolumeClaim;
    const out: Resources = new Map([
      ['count/persistentvolumeclaims', ONE],
      ['persistentvolumeclaims', ONE],
    ]);
    const cls = pvc.spec?.storageClassName;
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    const storage = toResources(pvc.spec?.resources?.requests as Record<string, unknown> | undefined).get('storage');
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Services

export const serviceEvaluator: QuotaEvaluator = {
  chargesUpdates: true,
  matchingResources: (names) => names.filter((n) => ['services', 'count/services', 'services.loadbalancers', 'services.nodeports'].includes(n)),
  matchesScope: () => false,
  usage(obj) {
    const svc = obj as Service;
    const ports = (svc.spec?.ports ?? []).length;
    const out: Resources = new Map([
      ['count/services', ONE],
      ['services', ONE],
      ['services.loadbalancers', ZERO],
      ['services.nodeports', ZERO],
    ]);
    if (svc.spec?.type === 'NodePort') out.set('services.nodeports', count(ports));
    if (svc.spec?.type === 'LoadBalancer') {
      out.set('services.nodeports', count(svc.spec.allocateLoadBalancerNodePorts === false ? 0 : ports));
      out.set('services.loadbalancers', ONE);
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Any other kind: its object count

export function objectCountEvaluator(gr: GroupResource): QuotaEvaluator {
  const names = [objectCountName(gr), ...(gr.group === '' && LEGACY_COUNT[gr.resource] ? [LEGACY_COUNT[gr.resource]] : [])];
  return {
    chargesUpdates: false,
    matchingResources: (hard) => hard.filter((n) => names.includes(n)),
    matchesScope: () => false,
    usage: () => new Map(names.map((n) => [n, ONE])),
  };
}

export function evaluatorFor(gr: GroupResource): QuotaEvaluator {
  if (gr.group === '' && gr.resource === 'pods') return podEvaluator;
  if (gr.group === '' && gr.resource === 'persistentvolumeclaims') return persistentVolumeClaimEvaluator;
  if (gr.group === '' && gr.resource === 'services') return serviceEvaluator;
  return objectCountEvaluator(gr);
}

/** The kind a quota name counts, when it is an object count (`count/jobs.batch` → batch jobs). */
export function countedResource(name: string): GroupResource | undefined {
  const legacy = Object.values(LEGACY_COUNT).find((n) => n === name);
  if (legacy) return { group: '', resource: legacy };
  if (name === 'pods') return { group: '', resource: 'pods' };
  if (name === 'services' || name.startsWith('services.')) return { group: '', resource: 'services' };
  if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX)) return { group: '', resource: 'persistentvolumeclaims' };
  if (podResourceName(name)) return { group: '', resource: 'pods' };
  const m = /^count\/([a-z0-9-]+)(?:\.(.+))?$/.exec(name);
  return m ? { group: m[2] ?? '', resource: m[1] } : undefined;
}

/** The quota's scopes as selector requirements (spec.scopes read as Exists). */
export function scopeSelectors(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  return [
    ...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

/**
 * quota.Matches: the quota has a hard limit this evaluator tracks (in its status, which the
 * controller fills: a quota not yet synced matches nothing), and every scope selects the object.
 */
export function quotaMatches(quota: ResourceQuota, ev: QuotaEvaluator, obj: KubeObject): boolean {
  if (ev.matchingResources(Object.keys(quota.status?.hard ?? {})).length === 0) return false;
  return scopeSelectors(quota).every((s) => ev.matchesScope(s, obj));
}

export { POD_SCOPES };
