/**
 * @module Services and their endpoints: core/v1 Service (defaulted, validated and given its
 * ClusterIP and NodePorts over the stored Services), core/v1 Endpoints and discovery.k8s.io/v1
 * EndpointSlice, each with upstream's printer columns and field selectors.
 */
import type { EndpointSlice, Endpoints, Service } from '../../../core/types.js';
import type { KubeObject } from '../../../core/types.js';
import { prepareServiceSpec } from '../../../core/service-validation.js';
import { validateEndpoints, validateEndpointSlice } from '../../../core/endpoints-validation.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

/** `80/TCP,443:30443/TCP`, or <none> (printers.go formatServicePorts... makePortString). */
export function servicePortsCell(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

/** getServiceExternalIP: what the EXTERNAL-IP column shows for each type. */
export function serviceExternalIPCell(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((s) => s !== '');
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return external.length ? external.join(',') : '<none>';
  }
}

/** `app=web,tier=front` (sorted keys), or <none>. */
export function selectorCell(selector: Record<string, string> | undefined): string {
  const keys = Object.keys(selector ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${selector![k]}`).join(',') : '<none>';
}

/** At most three items, then ` + N more...` (printers.go formatEndpoints / formatEndpointSlice). */
function firstThree(items: readonly string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

export function endpointsCell(ep: Endpoints): string {
  const out: string[] = [];
  for (const s of ep.subsets ?? []) {
    const ports = s.ports?.length ? s.ports : [undefined];
    for (const a of s.addresses ?? []) for (const p of ports) out.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  return firstThree(out, '<none>');
}

export function serviceKind(): KindDefinition<Service & KubeObject> {
  return {
    group: '',
    version: 'v1',
    kind: 'Service',
    resource: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    // Defaults and validation here; the ClusterIP and NodePorts come from the allocation admission (service-admission.ts).
    prepare: (svc, stored) => prepareServiceSpec(svc, stored) as Service & KubeObject,
    table: {
      columns: [
        NAME_COLUMN,
        column('Type', 'The type of service.'),
        column('Cluster-IP', 'The cluster IP of the service.'),
        column('External-IP', 'The external IP of the service.'),
        column('Port(s)', 'The ports of the service.'),
        AGE_COLUMN,
        column('Selector', 'The selector of the service.', { priority: 1 }),
      ],
      cells: (s, now) => [
        s.metadata?.name,
        s.spec?.type ?? 'ClusterIP',
        s.spec?.type === 'ExternalName' ? '<none>' : (s.spec?.clusterIP ?? '<none>'),
        serviceExternalIPCell(s),
        servicePortsCell(s),
        age(s, now),
        selectorCell(s.spec?.selector),
      ],
    },
  };
}

export const endpointsKind: KindDefinition<Endpoints & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  prepare(ep) {
    validateEndpoints(ep);
    return ep;
  },
  table: {
    columns: [NAME_COLUMN, column('Endpoints', 'Endpoints of the service.'), AGE_COLUMN],
    cells: (e, now) => [e.metadata?.name, endpointsCell(e), age(e, now)],
  },
};

export const endpointSliceKind: KindDefinition<EndpointSlice & KubeObject> = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  fieldSelectors: ['addressType'],
  prepare(slice, stored) {
    validateEndpointSlice(slice, stored);
    return slice;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('AddressType', 'The IP protocol for this slice.'),
      column('Ports', 'The ports of the slice.'),
      column('Endpoints', 'The endpoints of the slice.'),
      AGE_COLUMN,
    ],
    cells: (s, now) => {
      const ports = (s.ports ?? []).map((p) => (p.port === undefined ? '' : String(p.port))).filter((p) => p !== '');
      const addresses = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
      return [s.metadata?.name, s.addressType, s.ports?.length ? (ports.length ? ports.join(',') : '<unset>') : '<unset>', firstThree(addresses, '<unset>'), age(s, now)];
    },
  },
};
