/**
 * @module What the endpointslice controller (and the legacy endpoints controller) keep for a
 * Service with a selector, as pure plans: one EndpointSlice per set of resolved ports, each
 * endpoint a pod with its IP, conditions (ready = ready and not terminating, or
 * publishNotReadyAddresses; serving = ready whatever terminating; terminating = being deleted),
 * hostname (when the pod's subdomain is the Service), node and targetRef, with upstream's labels
 * and owner reference; the Endpoints object in step (ready addresses and notReadyAddresses); and
 * for a Service without selector, the EndpointSlices mirrored from its hand-made Endpoints.
 * Comparing desired and stored objects yields the writes, so a pass that changes nothing writes
 * nothing.
 */
import type { EndpointSlice, EndpointSliceEndpoint, EndpointPort, Endpoints, Pod, Service, ServicePort } from './types.js';
import { deepEqual } from './deep-equal.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** The endpointslice controller's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** The pods a Service selects in its namespace (a Service without selector selects none). */
export function selectedPods(svc: Service, pods: readonly Pod[]): Pod[] {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && matches(selector, p.metadata?.labels));
}

/** ShouldPodBeInEndpoints: a pod with an IP that has not finished. */
export function podInEndpoints(pod: Pod): boolean {
  if (!pod.status?.podIP) return false;
  return pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
}

/** FindPort: a numeric targetPort as is, a named one by the pod's container port of that name and protocol. */
export function resolveTargetPort(pod: Pod, port: ServicePort): number | undefined {
  const tp = port.targetPort ?? port.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const protocol = port.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const cp of c.ports ?? []) if (cp.name === tp && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
  }
  return undefined;
}

function endpointFor(svc: Service, pod: Pod): EndpointSliceEndpoint {
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = isPodReady(pod);
  const ep: EndpointSliceEndpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: (ready && !terminating) || svc.spec?.publishNotReadyAddresses === true, serving: ready, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name) ep.hostname = pod.spec.hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}

function sliceLabels(svc: Service, managedBy: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = managedBy;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

function ownerRef(svc: Service) {
  return [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }];
}

/** What a slice's content is, for comparing desired and stored. */
interface SliceContent {
  ports: EndpointPort[];
  endpoints: EndpointSliceEndpoint[];
  labels: Record<string, string>;
}

export interface SlicePlan {
  /** New slices (generateName `<service>-`). */
  create: EndpointSlice[];
  /** Stored slices with new content (resourceVersion kept: the write is conditional). */
  update: EndpointSlice[];
  /** Stored slices no longer needed. */
  delete: EndpointSlice[];
}

function desiredSliceContents(svc: Service, pods: readonly Pod[]): SliceContent[] {
  const groups = new Map<string, SliceContent>();
  const labels = sliceLabels(svc, SLICE_CONTROLLER);
  for (const pod of selectedPods(svc, pods)) {
    if (!podInEndpoints(pod) || pod.status!.podIP!.includes(':')) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [], labels }));
    group.endpoints.push(endpointFor(svc, pod));
  }
  const out: SliceContent[] = [];
  for (const g of groups.values()) {
    g.endpoints.sort((a, b) => (a.addresses[0] < b.addresses[0] ? -1 : a.addresses[0] > b.addresses[0] ? 1 : 0));
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) out.push({ ...g, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  // A selector that matches nothing still gets one empty slice (the controller keeps a placeholder).
  if (out.length === 0) out.push({ ports: [], endpoints: [], labels });
  return out;
}

function planSlices(svc: Service, desired: SliceContent[], stored: readonly EndpointSlice[], managedBy: string): SlicePlan {
  const mine = stored.filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === managedBy && s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc.metadata?.name && s.metadata?.namespace === svc.metadata?.namespace);
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const free = [...mine];
  for (const want of desired) {
    // Reuse a stored slice with the same ports first, else any left over.
    let i = free.findIndex((s) => deepEqual(s.ports ?? [], want.ports));
    if (i < 0) i = free.length > 0 ? 0 : -1;
    const body = { addressType: 'IPv4', endpoints: want.endpoints, ports: want.ports };
    if (i < 0) {
      plan.create.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: `${svc.metadata!.name}-`, namespace: svc.metadata!.namespace, labels: want.labels, ownerReferences: ownerRef(svc) },
        ...body,
      });
      continue;
    }
    const old = free.splice(i, 1)[0];
    const same = deepEqual(old.endpoints ?? [], want.endpoints) && deepEqual(old.ports ?? [], want.ports) && deepEqual(old.metadata?.labels ?? {}, want.labels) && old.addressType === 'IPv4';
    if (!same) plan.update.push({ ...old, metadata: { ...old.metadata, labels: want.labels }, ...body });
  }
  plan.delete.push(...free);
  return plan;
}

/** The endpointslice controller's plan for one Service with a selector. */
export function planEndpointSlices(svc: Service, pods: readonly Pod[], stored: readonly EndpointSlice[]): SlicePlan {
  return planSlices(svc, desiredSliceContents(svc, pods), stored, SLICE_CONTROLLER);
}

/** The endpointslicemirroring controller's plan: slices mirroring a selector-less Service's Endpoints. */
export function planMirroredSlices(svc: Service, endpoints: Endpoints | undefined, stored: readonly EndpointSlice[]): SlicePlan {
  const labels = sliceLabels(svc, MIRRORING_CONTROLLER);
  const desired: SliceContent[] = [];
  for (const subset of endpoints?.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const eps: EndpointSliceEndpoint[] = [];
    for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
      for (const a of list ?? []) {
        if (a.ip.includes(':')) continue;
        eps.push({
          addresses: [a.ip],
          conditions: { ready },
          ...(a.hostname ? { hostname: a.hostname } : {}),
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
          ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        });
      }
    }
    for (let i = 0; i < eps.length; i += MAX_ENDPOINTS_PER_SLICE) desired.push({ ports, endpoints: eps.slice(i, i + MAX_ENDPOINTS_PER_SLICE), labels });
  }
  return planSlices(svc, desired, stored, MIRRORING_CONTROLLER);
}

/** The Endpoints object the endpoints controller keeps for a Service with a selector. */
export function desiredEndpoints(svc: Service, pods: readonly Pod[]): Endpoints {
  type Subset = NonNullable<Endpoints['subsets']>[number];
  const subsets = new Map<string, { addresses: NonNullable<Subset['addresses']>; notReadyAddresses: NonNullable<Subset['addresses']>; ports: NonNullable<Subset['ports']> }>();
  for (const pod of selectedPods(svc, pods)) {
    if (!podInEndpoints(pod)) continue;
    const ep = endpointFor(svc, pod);
    const ports: NonNullable<Subset['ports']> = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolveTargetPort(pod, sp);
      if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' });
    }
    if (ports.length === 0 && (svc.spec?.ports ?? []).length > 0) continue;
    const key = JSON.stringify(ports);
    let s = subsets.get(key);
    if (!s) subsets.set(key, (s = { addresses: [], notReadyAddresses: [], ports }));
    const address = {
      ip: pod.status!.podIP!,
      ...(ep.hostname ? { hostname: ep.hostname } : {}),
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    // Terminating pods leave the Endpoints (only EndpointSlices track them).
    if (ep.conditions!.terminating && !svc.spec?.publishNotReadyAddresses) continue;
    (ep.conditions!.ready ? s.addresses : s.notReadyAddresses).push(address);
  }
  const byIp = (a: { ip: string }, b: { ip: string }): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  const out: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata!.name, namespace: svc.metadata!.namespace, labels: svc.spec?.clusterIP === 'None' ? { ...svc.metadata?.labels, [HEADLESS_LABEL]: '' } : { ...svc.metadata?.labels } },
    subsets: [...subsets.values()]
      .map((s) => ({
        ...(s.addresses.length ? { addresses: s.addresses.sort(byIp) } : {}),
        ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses.sort(byIp) } : {}),
        ports: s.ports,
      }))
      .filter((s) => s.addresses || s.notReadyAddresses),
  };
  if (out.subsets!.length === 0) delete out.subsets;
  return out;
}

/** Whether a stored Endpoints differs from the desired one in what the controller owns. */
export function endpointsDiffer(stored: Endpoints, want: Endpoints): boolean {
  return !deepEqual(stored.subsets ?? [], want.subsets ?? []) || !deepEqual(stored.metadata?.labels ?? {}, want.metadata?.labels ?? {});
}
