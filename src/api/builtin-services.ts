/**
 * @module The Services every cluster has, kept by the API server itself: `default/kubernetes`
 * (the API, first address of the service CIDR, port 443) and `kube-system/kube-dns` (cluster DNS,
 * tenth address, 53/UDP and 53/TCP), with Endpoints and an EndpointSlice pointing at where the
 * daemon serves them for pods (the bridge's gateway address), as the API server's endpoint
 * reconciler does for its own. Rewritten at every start; a Service in the way of the expected
 * ClusterIP (the service CIDR changed) is made again.
 */
import type { Logger } from '../core/logger.js';
import type { EndpointSlice, Endpoints, KubeObject, Service } from '../core/types.js';
import { nthServiceAddress } from '../core/service-allocation.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../core/endpoint-slices.js';
import type { GenericStore } from './registry/generic-store.js';
import type { ResourceRegistry } from './registry/resource-registry.js';

export const PEAPOD_MANAGER = 'apiserver.peapod.io';

export interface BuiltinEndpoint {
  ip: string;
  port: number;
}

export interface BuiltinServicesOptions {
  serviceCidr: string;
  /** Where pods reach the API (undefined: the HTTPS API is off, the Service has no endpoints). */
  api?: BuiltinEndpoint;
  /** Where pods reach cluster DNS (undefined: no cluster DNS). */
  dns?: BuiltinEndpoint;
}

interface Builtin {
  service: Service;
  ports: Array<{ name: string; port: number; protocol: string }>;
  endpoint?: BuiltinEndpoint;
}

export function builtinServices(opts: BuiltinServicesOptions): Builtin[] {
  const kubernetes: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: nthServiceAddress(opts.serviceCidr, 1), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.api?.port ?? 443 }] },
  };
  const kubeDns: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      clusterIP: nthServiceAddress(opts.serviceCidr, 10),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: opts.dns?.port ?? 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: opts.dns?.port ?? 53 },
      ],
    },
  };
  return [
    { service: kubernetes, ports: [{ name: 'https', port: opts.api?.port ?? 443, protocol: 'TCP' }], ...(opts.api ? { endpoint: opts.api } : {}) },
    {
      service: kubeDns,
      ports: [
        { name: 'dns', port: opts.dns?.port ?? 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: opts.dns?.port ?? 53, protocol: 'TCP' },
      ],
      ...(opts.dns ? { endpoint: opts.dns } : {}),
    },
  ];
}

/** Creates or corrects the built-in Services and their endpoints (through the API's own object semantics). Failures are logged: the daemon still serves. */
export function ensureBuiltinServices(objects: GenericStore, registry: ResourceRegistry, logger: Logger, opts: BuiltinServicesOptions): void {
  const svcDef = registry.byResource('', 'v1', 'services');
  const epDef = registry.byResource('', 'v1', 'endpoints');
  const sliceDef = registry.byResource('discovery.k8s.io', 'v1', 'endpointslices');
  if (!svcDef || !epDef || !sliceDef) return;
  for (const b of builtinServices(opts)) {
    const { name, namespace } = b.service.metadata as { name: string; namespace: string };
    try {
      const stored = objects.tryGet<Service>(svcDef, namespace, name);
      if (stored && (stored.spec?.clusterIP !== b.service.spec?.clusterIP || JSON.stringify(stored.spec?.ports) !== JSON.stringify(b.service.spec?.ports))) {
        objects.delete(svcDef, namespace, name);
      }
      const svc = objects.tryGet<Service>(svcDef, namespace, name) ?? objects.create<Service>(svcDef, namespace, b.service);
      const endpoints: Endpoints = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, labels: { ...b.service.metadata?.labels, 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        ...(b.endpoint ? { subsets: [{ addresses: [{ ip: b.endpoint.ip }], ports: b.ports }] } : {}),
      };
      const slice: EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name,
          namespace,
          labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: PEAPOD_MANAGER },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: b.endpoint ? [{ addresses: [b.endpoint.ip], conditions: { ready: true, serving: true, terminating: false } }] : [],
        ports: b.ports,
      };
      upsert(objects, epDef, namespace, name, endpoints);
      upsert(objects, sliceDef, namespace, name, slice);
    } catch (err) {
      logger.warn('built-in Service not set up', { service: `${namespace}/${name}`, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function upsert(objects: GenericStore, def: NonNullable<ReturnType<ResourceRegistry['byResource']>>, namespace: string, name: string, obj: KubeObject): void {
  const stored = objects.tryGet(def, namespace, name);
  if (!stored) objects.create(def, namespace, obj);
  else objects.update(def, namespace, name, { ...obj, metadata: { ...stored.metadata, ...obj.metadata, resourceVersion: stored.metadata?.resourceVersion } });
}
