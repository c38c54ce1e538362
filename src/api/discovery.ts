/**
 * @module /version, legacy discovery (/api, /api/v1, /apis, /apis/peapod.io/v1alpha1) and health.
 * Aggregated discovery and OpenAPI are a later issue: they extend these tables.
 */
import type { Reply, RequestContext } from './context.js';
import type { Router } from './router.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-peapod',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const CORE_V1_RESOURCES: ApiResource[] = [
  { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: RW, shortNames: ['ns'] },
  { name: 'namespaces/status', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['get'] },
  { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: RW, shortNames: ['po'], categories: ['all'] },
  { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
  { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
  { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: RW, shortNames: ['ev'] },
  { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: [...RW, 'deletecollection'], shortNames: ['cm'] },
  { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: [...RW, 'deletecollection'] },
];

export const PEAPOD_V1ALPHA1_RESOURCES: ApiResource[] = [
  { name: 'images', singularName: 'image', namespaced: false, kind: 'Image', verbs: ['delete', 'get', 'list'] },
  { name: 'imageimports', singularName: 'imageimport', namespaced: false, kind: 'Image', verbs: ['create'] },
  { name: 'imageloads', singularName: 'imageload', namespaced: false, kind: 'ImageList', verbs: ['create'] },
];

const PEAPOD_GROUP = {
  name: 'peapod.io',
  versions: [{ groupVersion: 'peapod.io/v1alpha1', version: 'v1alpha1' }],
  preferredVersion: { groupVersion: 'peapod.io/v1alpha1', version: 'v1alpha1' },
};

const ok = (body: unknown): Reply => ({ code: 200, body });

function text(ctx: RequestContext, body: string): undefined {
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(body);
  return undefined;
}

export function addDiscoveryRoutes(router: Router): void {
  router.add('/version', { GET: () => ok(SERVER_VERSION) });
  router.add('/api', {
    GET: () => ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] }),
  });
  router.add('/api/v1', { GET: () => ok({ kind: 'APIResourceList', groupVersion: 'v1', resources: CORE_V1_RESOURCES }) });
  router.add('/apis', { GET: () => ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: [PEAPOD_GROUP] }) });
  router.add('/apis/peapod.io', { GET: () => ok({ kind: 'APIGroup', apiVersion: 'v1', ...PEAPOD_GROUP }) });
  router.add('/apis/peapod.io/v1alpha1', {
    GET: () => ok({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'peapod.io/v1alpha1', resources: PEAPOD_V1ALPHA1_RESOURCES }),
  });
  for (const path of ['/healthz', '/readyz', '/livez']) router.add(path, { GET: (ctx) => text(ctx, 'ok') });
}
