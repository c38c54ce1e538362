/**
 * @module Pod validation as the API server does it (ValidatePodCreate / ValidatePodUpdate in
 * pkg/apis/core/validation/validation.go). Expects a defaulted pod (applyPodDefaults first).
 */
import type { ObjectMeta, Pod, PodSpec } from './types.js';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import {
  fieldErrors as fe,
  formatValue,
  inclusiveRange,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  NON_NEGATIVE_MESSAGE,
  throwIfInvalid,
  type FieldError,
} from './field-error.js';
import { validateContainers, validateInitContainers, validateSecurityContext } from './container-validation.js';
import { validateVolumes } from './volume-validation.js';

const MAX_INT32 = 2147483647;
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const utf8 = new TextEncoder();

export const POD_UPDATE_FORBIDDEN_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Throws InvalidError (422, one cause per bad field) when the defaulted pod is invalid. */
export function validatePodCreate(pod: Pod): void {
  throwIfInvalid('Pod', podName(pod), podCreateErrors(pod));
}

/** The field errors validatePodCreate would throw, for callers that aggregate. */
export function podCreateErrors(pod: Pod): FieldError[] {
  return [...validateObjectMeta(pod.metadata ?? {}, 'Pod', true), ...validatePodSpec(pod.spec)];
}

/** Throws InvalidError naming the fields a pod update may not change. */
export function validatePodUpdate(next: Pod, previous: Pod): void {
  const errs = [...validateObjectMetaUpdate(next.metadata ?? {}, previous.metadata ?? {}), ...validateObjectMeta(next.metadata ?? {}, 'Pod', true)];
  errs.push(...validatePodSpec(next.spec));
  errs.push(...podSpecUpdateErrors(next.spec ?? { containers: [] }, previous.spec ?? { containers: [] }));
  throwIfInvalid('Pod', podName(next), errs);
}

/** Throws InvalidError when `ns` is not a valid namespace name. */
export function validateNamespace(ns: string): void {
  const errs = ns ? isDNS1123Label(ns).map((m) => fe.invalid('metadata.namespace', ns, m)) : [fe.required('metadata.namespace')];
  throwIfInvalid('Namespace', ns, errs);
}

/** Throws InvalidError when `name` is not a valid DNS-1123 subdomain (most kinds' rule). */
export function validateObjectName(kind: string, name: string): void {
  const errs = name ? isDNS1123Subdomain(name).map((m) => fe.invalid('metadata.name', name, m)) : [fe.required('metadata.name', 'name or generateName is required')];
  throwIfInvalid(kind, name, errs);
}

function podName(pod: Pod): string {
  return pod.metadata?.name || pod.metadata?.generateName || '';
}

export function validateObjectMeta(meta: ObjectMeta, _kind: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    // generateName is a prefix: a trailing '-' is fine, as upstream masks it before checking.
    const masked = meta.generateName.endsWith('-') ? `${meta.generateName.slice(0, -1)}a` : meta.generateName;
    for (const m of isDNS1123Subdomain(masked)) errs.push(fe.invalid('metadata.generateName', meta.generateName, m));
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of isDNS1123Subdomain(meta.name)) errs.push(fe.invalid('metadata.name', meta.name, m));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(fe.required('metadata.namespace'));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(fe.invalid('metadata.namespace', meta.namespace, m));
  }
  errs.push(...validateLabels(meta.labels ?? {}, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations ?? {}, 'metadata.annotations'));
  return errs;
}

export function validateLabels(labels: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fe.invalid(path, k, m));
    for (const m of isValidLabelValue(String(v))) errs.push(fe.invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fe.invalid(path, k, m));
    size += utf8.encode(k).length + utf8.encode(String(v)).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fe.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateObjectMetaUpdate(next: ObjectMeta, prev: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (prev[f] !== undefined && next[f] !== undefined && next[f] !== prev[f]) errs.push(fe.invalid(`metadata.${f}`, next[f], 'field is immutable'));
  }
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined): FieldError[] {
  if (!spec) return [fe.required('spec')];
  const errs: FieldError[] = [];
  const { errors: volErrs, names: volumeNames } = validateVolumes(spec.volumes ?? []);
  errs.push(...volErrs);
  const ctx = { spec, volumeNames, names: new Set<string>() };
  errs.push(...validateContainers(ctx));
  errs.push(...validateInitContainers(ctx));
  errs.push(...validateHostPorts(spec));

  if (!spec.restartPolicy) errs.push(fe.required('spec.restartPolicy'));
  else if (!['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) errs.push(fe.notSupported('spec.restartPolicy', spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
  if (!spec.dnsPolicy) errs.push(fe.required('spec.dnsPolicy'));
  else if (!dnsPolicies.includes(spec.dnsPolicy)) errs.push(fe.notSupported('spec.dnsPolicy', spec.dnsPolicy, dnsPolicies));
  errs.push(...validateDnsConfig(spec));

  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (ads < 1 || ads > MAX_INT32)) errs.push(fe.invalid('spec.activeDeadlineSeconds', ads, inclusiveRange(1, MAX_INT32)));
  const tgps = spec.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null && tgps < 0) errs.push(fe.invalid('spec.terminationGracePeriodSeconds', tgps, NON_NEGATIVE_MESSAGE));
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(fe.invalid('spec.hostname', spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(fe.invalid('spec.subdomain', spec.subdomain, m));
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(fe.invalid('spec.nodeName', spec.nodeName, m));
  if (spec.shareProcessNamespace && spec.hostPID) {
    errs.push(fe.invalid('spec.securityContext.shareProcessNamespace', true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const psc = spec.securityContext;
  if (psc) {
    errs.push(...validateSecurityContext({ runAsUser: psc.runAsUser, runAsGroup: psc.runAsGroup }, 'spec.securityContext'));
    if (psc.fsGroup !== undefined && (psc.fsGroup < 0 || psc.fsGroup > MAX_INT32)) errs.push(fe.invalid('spec.securityContext.fsGroup', psc.fsGroup, inclusiveRange(0, MAX_INT32)));
  }
  (spec.hostAliases ?? []).forEach((a, i) => {
    if (!isValidIP(a.ip ?? '')) errs.push(fe.invalid(`spec.hostAliases[${i}].ip`, a.ip ?? '', 'must be a valid IP address'));
    (a.hostnames ?? []).forEach((h, j) => {
      for (const m of isDNS1123Subdomain(h)) errs.push(fe.invalid(`spec.hostAliases[${i}].hostnames[${j}]`, h, m));
    });
  });
  errs.push(...validateTolerations(spec.tolerations ?? [], 'spec.tolerations'));
  (spec.readinessGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(g.conditionType ?? '')) errs.push(fe.invalid(`spec.readinessGates[${i}].conditionType`, g.conditionType, m));
  });
  return errs;
}

function validateDnsConfig(spec: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None' && !cfg) return [fe.required('spec.dnsConfig', 'must provide `dnsConfig` when `dnsPolicy` is None')];
  if (!cfg) return errs;
  const ns = cfg.nameservers ?? [];
  if (spec.dnsPolicy === 'None' && ns.length === 0) errs.push(fe.required('spec.dnsConfig.nameservers', 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  if (ns.length > 3) errs.push(fe.invalid('spec.dnsConfig.nameservers', ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => {
    if (!isValidIP(n)) errs.push(fe.invalid(`spec.dnsConfig.nameservers[${i}]`, n, 'must be a valid IP address'));
  });
  (cfg.searches ?? []).forEach((s, i) => {
    for (const m of isDNS1123Subdomain(s.replace(/\.$/, ''))) errs.push(fe.invalid(`spec.dnsConfig.searches[${i}]`, s, m));
  });
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(fe.required(`spec.dnsConfig.options[${i}]`, 'Option.Name must not be empty'));
  });
  return errs;
}

function validateHostPorts(spec: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const check = (kind: string, list: PodSpec['containers'] | undefined): void =>
    (list ?? []).forEach((c, i) =>
      (c.ports ?? []).forEach((p, j) => {
        if (!p.hostPort) return;
        const key = `${p.hostIP ?? ''}/${p.protocol ?? ''}/${p.hostPort}`;
        if (seen.has(key)) errs.push(fe.duplicate(`spec.${kind}[${i}].ports[${j}].hostPort`, key));
        seen.add(key);
      }),
    );
  check('containers', spec.containers);
  check('initContainers', spec.initContainers);
  return errs;
}

export function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const tp = `${path}[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(fe.invalid(`${tp}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists') errs.push(fe.invalid(`${tp}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(fe.invalid(`${tp}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.operator === 'Exists' && t.value) errs.push(fe.invalid(`${tp}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    else if (t.operator && t.operator !== 'Equal' && t.operator !== 'Exists') errs.push(fe.notSupported(`${tp}.operator`, t.operator, ['Equal', 'Exists']));
    else if (t.operator !== 'Exists' && t.value) for (const m of isValidLabelValue(t.value)) errs.push(fe.invalid(`${tp}.value`, t.value, m));
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      errs.push(fe.notSupported(`${tp}.effect`, t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    }
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Updates: copy the mutable fields from `next` onto `previous`'s spec; anything left is forbidden.

function podSpecUpdateErrors(next: PodSpec, prev: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  if ((next.containers ?? []).length !== (prev.containers ?? []).length) {
    return [fe.forbidden('spec.containers', 'pod updates may not add or remove containers')];
  }
  const munged: PodSpec = structuredClone(next);
  munged.containers.forEach((c, i) => (c.image = prev.containers[i].image));
  if ((munged.initContainers ?? []).length === (prev.initContainers ?? []).length) {
    (munged.initContainers ?? []).forEach((c, i) => (c.image = prev.initContainers![i].image));
  }

  const newAds = next.activeDeadlineSeconds ?? undefined;
  const oldAds = prev.activeDeadlineSeconds ?? undefined;
  if (newAds !== undefined) {
    if (oldAds !== undefined && oldAds < newAds) errs.push(fe.invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
  } else if (oldAds !== undefined) {
    errs.push(fe.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;

  const tolErr = onlyAddedTolerations(next.tolerations ?? [], prev.tolerations ?? []);
  if (tolErr) errs.push(tolErr);
  munged.tolerations = prev.tolerations;

  const oldTgps = prev.terminationGracePeriodSeconds;
  if (oldTgps !== undefined && oldTgps !== null && oldTgps < 0 && next.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldTgps;
  }
  const oldGates = (prev.schedulingGates ?? []).map((g) => g.name);
  const newGates = (next.schedulingGates ?? []).map((g) => g.name);
  if (newGates.every((g) => oldGates.includes(g))) munged.schedulingGates = prev.schedulingGates;
  else errs.push(fe.forbidden('spec.schedulingGates', 'only deletion is allowed, but found new scheduling gate'));

  const changed = diffPaths(prev, munged, 'spec');
  if (changed.length > 0) {
    const lines = changed.map((d) => `${d.path}: ${formatValue(d.from)} -> ${formatValue(d.to)}`);
    errs.push(fe.forbidden('spec', `${POD_UPDATE_FORBIDDEN_MESSAGE}; changed: ${changed.map((d) => d.path).join(', ')}\n${lines.join('\n')}`));
  }
  return errs;
}

function onlyAddedTolerations(next: Toleration[], prev: Toleration[]): FieldError | undefined {
  for (const old of prev) {
    const found = next.some((n) => canonical({ ...old, tolerationSeconds: n.tolerationSeconds }) === canonical(n));
    if (!found) return fe.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds');
  }
  return undefined;
}

function canonical(v: unknown): string {
  return JSON.stringify(normalize(v));
}

/** Drops undefined/null members and sorts keys, so `{a: undefined}` equals `{}`. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && x !== null) out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

export interface FieldDiff {
  path: string;
  from: unknown;
  to: unknown;
}

/** The leaf paths where `a` and `b` differ, named as Kubernetes names fields (`spec.containers[0].command`). */
export function diffPaths(a: unknown, b: unknown, path: string): FieldDiff[] {
  const na = normalize(a);
  const nb = normalize(b);
  if (JSON.stringify(na) === JSON.stringify(nb)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(na) && isObj(nb)) {
    const keys = [...new Set([...Object.keys(na), ...Object.keys(nb)])].sort();
    return keys.flatMap((k) => diffPaths(na[k], nb[k], `${path}.${k}`));
  }
  if (Array.isArray(na) && Array.isArray(nb) && na.length === nb.length) {
    return na.flatMap((x, i) => diffPaths(x, nb[i], `${path}[${i}]`));
  }
  return [{ path, from: na, to: nb }];
}
