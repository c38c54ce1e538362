/**
 * @module /version, discovery and health. Discovery comes from the resource registry: the legacy
 * documents (/api, /api/v1, /apis, /apis/<group>[/<version>]) and, when the Accept header asks for
 * it, aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), which must carry its
 * exact media type or kubectl reads it as the legacy form and finds no resources.
 */
import type { IncomingMessage } from 'node:http';
import type { Reply, RequestContext } from './context.js';
import { groupVersion, hasStatus, verbsOf, type KindDefinition } from './registry/kind-definition.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
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
  group?: string;
  version?: string;
}

interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: readonly string[];
}

/** A kind's subresources: status and scale when declared, then its hand-served ones. */
export function subresourcesOf(def: KindDefinition): SubresourceInfo[] {
  const verbs = new Set(verbsOf(def));
  const writable = ['get', ...(verbs.has('patch') ? ['patch'] : []), ...(verbs.has('update') ? ['update'] : [])];
  const out: SubresourceInfo[] = [];
  if (hasStatus(def)) out.push({ name: 'status', kind: def.kind, verbs: writable });
  if (def.scale) out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: writable });
  out.push(...(def.customSubresources ?? []));
  return out;
}

/** The legacy APIResourceList entries of one group version, subresources as `pods/log`. */
export function legacyResources(registry: ResourceRegistry, gv: string): ApiResource[] {
  const out: ApiResource[] = [];
  for (const r of registry.all().filter((x) => groupVersion(x) === gv)) {
    const entry: ApiResource = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...verbsOf(r)] };
    if (r.shortNames) entry.shortNames = [...r.shortNames];
    if (r.categories) entry.categories = [...r.categories];
    out.push(entry);
    for (const s of subresourcesOf(r)) {
      const sub: ApiResource = { name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: [...s.verbs] };
      if (s.group !== undefined) sub.group = s.group;
      if (s.version !== undefined) sub.version = s.version;
      out.push(sub);
    }
  }
  return out;
}

function aggregatedResource(r: KindDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: verbsOf(r),
  };
  if (r.shortNames) out.shortNames = r.shortNames;
  if (r.categories) out.categories = r.categories;
  const subresources = subresourcesOf(r);
  if (subresources.length) {
    out.subresources = subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return out;
}

/** Groups (core only for /api, the named groups for /apis) as APIGroupDiscovery items. */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups = new Map<string, KindDefinition[]>();
  for (const r of registry.all()) {
    if ((r.group === '') !== core) continue;
    groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...groups].map(([name, rs]) => ({
      metadata: { name, creationTimestamp: null },
      versions: [...new Set(rs.map((r) => r.version))].map((v) => ({
        version: v,
        freshness: 'Current',
        resources: rs.filter((r) => r.version === v).map(aggregatedResource),
      })),
    })),
  };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(req: IncomingMessage): 'v2' | 'v2beta1' | undefined {
  for (const part of String(req.headers.accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('g') !== 'apidiscovery.k8s.io' || params.get('as') !== 'APIGroupDiscoveryList') continue;
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

function sendAggregated(ctx: RequestContext, body: unknown, version: 'v2' | 'v2beta1'): undefined {
  const text = JSON.stringify(body);
  ctx.res.writeHead(200, {
    'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    'Content-Length': Buffer.byteLength(text),
    Vary: 'Accept',
  });
  ctx.res.end(text);
  return undefined;
}

const ok = (body: unknown): Reply => ({ code: 200, body });

function text(ctx: RequestContext, body: string): undefined {
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(body);
  return undefined;
}

function namedGroups(registry: ResourceRegistry): Record<string, unknown>[] {
  const groups = new Map<string, string[]>();
  for (const r of registry.all()) if (r.group) groups.set(r.group, [...new Set([...(groups.get(r.group) ?? []), r.version])]);
  return [...groups].map(([name, versions]) => ({
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
  }));
}

export function addDiscoveryRoutes(router: Router, registry: ResourceRegistry): void {
  router.add('/version', { GET: () => ok(SERVER_VERSION) });
  router.add('/api', {
    GET: (ctx) => {
      const agg = wantsAggregated(ctx.req);
      if (agg) return sendAggregated(ctx, aggregatedDiscovery(registry, true, agg), agg);
      return ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] });
    },
  });
  router.add('/api/v1', { GET: () => ok({ kind: 'APIResourceList', groupVersion: 'v1', resources: legacyResources(registry, 'v1') }) });
  router.add('/apis', {
    GET: (ctx) => {
      const agg = wantsAggregated(ctx.req);
      if (agg) return sendAggregated(ctx, aggregatedDiscovery(registry, false, agg), agg);
      return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups(registry) });
    },
  });
  router.add('/apis/:group', {
    GET: (ctx) => {
      const g = namedGroups(registry).find((x) => x.name === ctx.params.group);
      if (!g) return { code: 404, body: notFoundStatus() };
      return ok({ kind: 'APIGroup', apiVersion: 'v1', ...g });
    },
  });
  router.add('/apis/:group/:version', {
    GET: (ctx) => {
      const gv = `${ctx.params.group}/${ctx.params.version}`;
      const resources = legacyResources(registry, gv);
      if (resources.length === 0) return { code: 404, body: notFoundStatus() };
      return ok({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
    },
  });
  for (const path of ['/healthz', '/readyz', '/livez']) router.add(path, { GET: (ctx) => text(ctx, 'ok') });
}

function notFoundStatus(): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 };
}

