/**
 * @module Defaulting of Pods as the API server does it: SetDefaults_Pod and friends from
 * pkg/apis/core/v1/defaults.go, plus what the default admission plugins add that users see in
 * `kubectl get -o yaml` (Priority: priority 0 + preemptionPolicy; DefaultTolerationSeconds: two
 * NoExecute tolerations of 300 s). Service accounts do not exist here, so none is assigned.
 */
import type { Container, Pod, PodSpec, Volume } from './types.js';
import type {
  HTTPGetAction,
  LifecycleHandler,
  ObjectFieldSelector,
  Probe,
  Toleration,
} from 'kubernetes-types/core/v1.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_TOLERATION_SECONDS = 300;
/** 0644: the file mode configMap, secret, downwardAPI and projected volumes default to. */
export const DEFAULT_VOLUME_MODE = 0o644;

const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Returns a copy of `pod` with every Kubernetes default applied. Idempotent. */
export function applyPodDefaults(pod: Pod): Pod {
  const out = structuredClone(pod);
  out.spec ??= { containers: [] };
  defaultPodSpec(out.spec);
  return out;
}

/**
 * The defaults of a pod template (Deployment, ReplicaSet, DaemonSet...): the API's defaulting of
 * the spec, without what admission adds to pods only (priority, the default tolerations).
 */
export function applyPodTemplateSpecDefaults(spec: PodSpec): PodSpec {
  const out = structuredClone(spec);
  defaultPodSpec(out, false);
  return out;
}

function defaultPodSpec(spec: PodSpec, admission = true): void {
  spec.containers ??= [];
  spec.restartPolicy ||= 'Always';
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.schedulerName ||= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  if (admission) {
    spec.priority ??= 0;
    spec.preemptionPolicy ||= 'PreemptLowerPriority';
    spec.tolerations = defaultTolerations(spec.tolerations ?? []);
  }
  for (const c of spec.initContainers ?? []) defaultContainer(c, spec.hostNetwork === true);
  for (const c of spec.containers) defaultContainer(c, spec.hostNetwork === true);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** DefaultTolerationSeconds: tolerate not-ready/unreachable for 300 s unless already tolerated. */
function defaultTolerations(tolerations: Toleration[]): Toleration[] {
  const tolerates = (key: string): boolean =>
    tolerations.some(
      (t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect),
    );
  const out = [...tolerations];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (!tolerates(key)) {
      out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
    }
  }
  return out;
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  c.imagePullPolicy ||= defaultImagePullPolicy(c.image ?? '');
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  // SetDefaults_Pod: a limit without a request means request = limit.
  const { limits, requests } = c.resources;
  if (limits && Object.keys(limits).length > 0) {
    const req = { ...(requests ?? {}) };
    for (const [k, v] of Object.entries(limits)) if (!(k in req)) req[k] = v;
    c.resources.requests = req;
  }
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) defaultFieldRef(e.valueFrom.fieldRef);
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (probe) defaultProbe(probe);
  }
  if (c.lifecycle?.postStart) defaultHandler(c.lifecycle.postStart);
  if (c.lifecycle?.preStop) defaultHandler(c.lifecycle.preStop);
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) defaultHttpGet(p.httpGet);
  if (p.grpc) p.grpc.service ??= '';
}

function defaultHandler(h: LifecycleHandler): void {
  if (h.httpGet) defaultHttpGet(h.httpGet);
}

function defaultHttpGet(h: HTTPGetAction): void {
  h.path ||= '/';
  h.scheme ||= 'HTTP';
}

function defaultFieldRef(f: ObjectFieldSelector): void {
  f.apiVersion ||= 'v1';
}

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  // SetDefaults_Volume: a volume without any source is an emptyDir.
  if (sources.length === 0) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.secret) v.secret.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) defaultFieldRef(item.fieldRef);
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const s of v.projected.sources ?? []) {
      for (const item of s.downwardAPI?.items ?? []) if (item.fieldRef) defaultFieldRef(item.fieldRef);
      if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
}

// docker reference grammar, loosely: lowercase path components, optional :tag, optional @digest.
const IMAGE_REF_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$/;

/**
 * SetDefaults_Container's rule: `Always` when the tag is `latest` or there is neither tag nor
 * digest, else `IfNotPresent` (also for references that do not parse, as upstream ignores the
 * parse error there). No special case for `localhost/` names: the agent handles local images.
 */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const m = IMAGE_REF_RE.exec(image);
  // A single-component "host:port" reading is ambiguous; the regex treats "name:tag" first.
  if (!m) return 'IfNotPresent';
  const tag = m[1];
  const digest = m[2];
  if (tag === 'latest' || (!tag && !digest)) return 'Always';
  return 'IfNotPresent';
}
