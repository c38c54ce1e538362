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
import { componentSchemas } from './openapi-schemas.js';
import { encodeSwaggerProtobuf, OPENAPI_V2_PROTOBUF, swaggerDocument } from './openapi-v2.js';
import { groupVersion, groupVersionPath, verbsOf, type KindDefinition } from './registry/kind-definition.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
import type { Router } from './router.js';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const QUERY = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operations(r: KindDefinition): Record<string, unknown> {
  const verbs = verbsOf(r);
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
  if (verbs.includes('get')) ops.get = { ...op('get'), parameters: [] };
  if (verbs.includes('update')) ops.put = op('put', { requestBody: { content: { '*/*': { schema: {} } } } });
  if (verbs.includes('patch')) {
    ops.patch = op('patch', { requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: {} }])) } });
  }
  if (verbs.includes('delete')) ops.delete = { ...op('delete'), parameters: [QUERY('dryRun')] };
  return ops;
}

export function openApiDocument(registry: ResourceRegistry, gv: string): Record<string, unknown> | undefined {
  const rs = registry.all().filter((r) => groupVersion(r) === gv);
  if (rs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const base = groupVersionPath(r);
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    if (verbsOf(r).includes('create')) {
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

/** A document serialized once, with its ETag (the registry and schemas never change while serving). */
interface Served {
  body: Buffer;
  etag: string;
  contentType: string;
}

function served(body: Buffer, contentType: string): Served {
  return { body, etag: etagOf(body.toString('base64')), contentType };
}

const json = (value: unknown): Served => served(Buffer.from(JSON.stringify(value)), 'application/json');

function sendCached(ctx: RequestContext, doc: Served): undefined {
  const headers = { ETag: doc.etag, 'Cache-Control': 'public, immutable', Vary: 'Accept' };
  if (ctx.req.headers['if-none-match'] === doc.etag) {
    ctx.res.writeHead(304, headers);
    ctx.res.end();
    return undefined;
  }
  ctx.res.writeHead(200, { ...headers, 'Content-Type': doc.contentType, 'Content-Length': doc.body.length });
  ctx.res.end(doc.body);
  return undefined;
}

/** True when the Accept header asks for the OpenAPI v2 protobuf (either spelling client-go has used). */
function wantsV2Protobuf(accept: string | undefined): boolean {
  return /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/.test(accept ?? '');
}

export function addOpenApiRoutes(router: Router, registry: ResourceRegistry): void {
  let v2: { json: Served; protobuf: Served } | undefined;
  router.add('/openapi/v2', {
    GET: (ctx) => {
      if (!v2) {
        const doc = swaggerDocument(registry);
        v2 = { json: json(doc), protobuf: served(encodeSwaggerProtobuf(doc), OPENAPI_V2_PROTOBUF) };
      }
      return sendCached(ctx, wantsV2Protobuf(ctx.req.headers.accept) ? v2.protobuf : v2.json);
    },
  });
  const docs = new Map<string, Served | undefined>();
  const docOf = (gv: string): Served | undefined => {
    if (!docs.has(gv)) {
      const doc = openApiDocument(registry, gv);
      docs.set(gv, doc ? json(doc) : undefined);
    }
    return docs.get(gv);
  };
  let root: Served | undefined;
  router.add('/openapi/v3', {
    GET: (ctx) => {
      if (!root) {
        const paths: Record<string, { serverRelativeURL: string }> = {};
        for (const gv of registry.groupVersions()) {
          const prefix = gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
          paths[prefix] = { serverRelativeURL: `/openapi/v3/${prefix}?hash=${docOf(gv)!.etag.slice(1, -1)}` };
        }
        root = json({ paths });
      }
      return sendCached(ctx, root);
    },
  });
  const gvDoc = (gv: string) => (ctx: RequestContext) => {
    const doc = docOf(gv);
    if (!doc) throw new NotFoundError('the server could not find the requested resource');
    return sendCached(ctx, doc);
  };
  router.add('/openapi/v3/api/:version', { GET: (ctx) => gvDoc(ctx.params.version)(ctx) });
  router.add('/openapi/v3/apis/:group/:version', { GET: (ctx) => gvDoc(`${ctx.params.group}/${ctx.params.version}`)(ctx) });
}
