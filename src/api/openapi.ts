/**
 * @module The OpenAPI v3 documents kubectl reads, one per group version. For each kind, a PATCH
 * operation carrying the GVK extension and a `fieldValidation` query parameter (so `create -f`
 * and `apply` under the default --validate=strict leave validation to the server), and for core/v1
 * the component schemas of openapi-schemas.ts. kubectl uses those schemas for `kubectl explain`
 * and to compute the strategic merge patch of client-side `apply` (with the merge keys the server
 * merges by); a kind without a schema falls back to kubectl's built-in types.
 * Each document has a content hash as ETag and in its URL; If-None-Match gets a 304.
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../core/errors.js';
import type { RequestContext } from './context.js';
import { servedResources } from './discovery.js';
import { componentSchemas } from './openapi-schemas.js';
import { groupVersion, groupVersionPath, type ResourceInfo } from './resource-table.js';
import type { Router } from './router.js';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const QUERY = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operations(r: ResourceInfo): Record<string, unknown> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const op = (action: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${action}${r.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')],
    responses: { '200': { description: 'OK' } },
    ...extra,
  });
  const ops: Record<string, unknown> = {};
  if (r.verbs.includes('get')) ops.get = { ...op('get'), parameters: [] };
  if (r.verbs.includes('update')) ops.put = op('put', { requestBody: { content: { '*/*': { schema: {} } } } });
  if (r.verbs.includes('patch')) {
    ops.patch = op('patch', { requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: {} }])) } });
  }
  if (r.verbs.includes('delete')) ops.delete = { ...op('delete'), parameters: [QUERY('dryRun')] };
  return ops;
}

export function openApiDocument(served: ResourceInfo[], gv: string): Record<string, unknown> | undefined {
  const rs = served.filter((r) => groupVersion(r) === gv);
  if (rs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const base = groupVersionPath(r);
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    if (r.verbs.includes('create')) {
      paths[collection] = {
        post: {
          operationId: `create${r.kind}`,
          'x-kubernetes-action': 'post',
          'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
          parameters: [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')],
          requestBody: { content: { '*/*': { schema: {} } } },
          responses: { '201': { description: 'Created' } },
        },
      };
    }
    paths[`${collection}/{name}`] = operations(r);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: componentSchemas(gv) } };
}

function etagOf(text: string): string {
  return `"${createHash('sha512').update(text).digest('hex').slice(0, 32).toUpperCase()}"`;
}

function sendCached(ctx: RequestContext, body: unknown): undefined {
  const text = JSON.stringify(body);
  const etag = etagOf(text);
  const headers = { ETag: etag, 'Cache-Control': 'public, immutable', Vary: 'Accept' };
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, headers);
    ctx.res.end();
    return undefined;
  }
  ctx.res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  ctx.res.end(text);
  return undefined;
}

export function addOpenApiRoutes(router: Router): void {
  router.add('/openapi/v3', {
    GET: (ctx) => {
      const served = servedResources(router);
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const gv of new Set(served.map(groupVersion))) {
        const prefix = gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
        const doc = openApiDocument(served, gv)!;
        paths[prefix] = { serverRelativeURL: `/openapi/v3/${prefix}?hash=${etagOf(JSON.stringify(doc)).slice(1, -1)}` };
      }
      return sendCached(ctx, { paths });
    },
  });
  const gvDoc = (gv: string) => (ctx: RequestContext) => {
    const doc = openApiDocument(servedResources(router), gv);
    if (!doc) throw new NotFoundError('the server could not find the requested resource');
    return sendCached(ctx, doc);
  };
  router.add('/openapi/v3/api/:version', { GET: (ctx) => gvDoc(ctx.params.version)(ctx) });
  router.add('/openapi/v3/apis/:group/:version', { GET: (ctx) => gvDoc(`${ctx.params.group}/${ctx.params.version}`)(ctx) });
}
