/**
 * @module The REST routes of every kind the registry declares with generic routes: list and
 * watch (per namespace and across them), create, get, update, patch, delete, deletecollection,
 * and the status and scale subresources when declared. HTTP only: decoding bodies, query
 * parameters, field validation and reply codes; the object semantics are the GenericStore's.
 */
import type { ListOptions } from '../../core/ports.js';
import type { Handler, Reply, RequestContext } from '../context.js';
import { checkFieldValidation } from '../field-validation.js';
import { decodeBody, decodeObject, isDryRun, mediaType, queryInt, readBody } from '../http-util.js';
import { patchTypeOf } from '../patch.js';
import type { Method, Router } from '../router.js';
import { successStatus } from '../status.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { parseDeleteOptions } from './delete-options.js';
import { allowedFields } from './generic-store.js';
import { groupVersionPath, hasStatus, qualifiedResource, verbsOf, type KindDefinition, type Verb } from './kind-definition.js';
import type { ResourceRegistry } from './resource-registry.js';

/** labelSelector, fieldSelector, limit and continue from the query (selectors are checked by the store layer). */
export function listOptions(query: URLSearchParams): ListOptions {
  const opts: ListOptions = {};
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  if (labelSelector) opts.labelSelector = labelSelector;
  if (fieldSelector) opts.fieldSelector = fieldSelector;
  const limit = queryInt(query, 'limit', 0);
  if (limit) opts.limit = limit;
  const cont = query.get('continue');
  if (cont) opts.continue = cont;
  return opts;
}

async function optionalBody(ctx: RequestContext): Promise<unknown> {
  const raw = await readBody(ctx.req);
  return raw.length > 0 && raw.toString('utf8').trim() !== '' ? decodeBody(raw, mediaType(ctx.req)) : undefined;
}

function kindHandlers(def: KindDefinition) {
  const ns = (ctx: RequestContext): string | undefined => (def.namespaced ? ctx.params.namespace : undefined);

  const list: Handler = (ctx) => {
    const namespace = ns(ctx);
    if (isWatchRequest(ctx.query)) {
      return serveWatch(ctx, { resource: qualifiedResource(def), fields: allowedFields(def), namespace, kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version });
    }
    return { code: 200, body: ctx.deps.objects.list(def, namespace, listOptions(ctx.query)) };
  };

  const create: Handler = async (ctx) => {
    const raw = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
    checkFieldValidation(ctx.query, def.kind, raw);
    return { code: 201, body: ctx.deps.objects.create(def, ns(ctx), raw, { dryRun: isDryRun(ctx.query) }) };
  };

  const get: Handler = (ctx) => ({ code: 200, body: ctx.deps.objects.get(def, ns(ctx), ctx.params.name) });

  const put =
    (subresource?: 'status'): Handler =>
    async (ctx) => {
      const raw = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
      checkFieldValidation(ctx.query, def.kind, raw);
      return { code: 200, body: ctx.deps.objects.update(def, ns(ctx), ctx.params.name, raw, { dryRun: isDryRun(ctx.query), subresource }) };
    };

  const patch =
    (subresource?: 'status'): Handler =>
    async (ctx) => {
      const type = patchTypeOf(mediaType(ctx.req));
      const body = decodeBody(await readBody(ctx.req), mediaType(ctx.req));
      if (type !== 'json') checkFieldValidation(ctx.query, def.kind, body);
      const { code, object } = ctx.deps.objects.patch(def, ns(ctx), ctx.params.name, type, body, { dryRun: isDryRun(ctx.query), subresource });
      return { code, body: object };
    };

  const remove: Handler = async (ctx) => {
    const opts = parseDeleteOptions(await optionalBody(ctx), ctx.query);
    const { object, deleted } = ctx.deps.objects.delete(def, ns(ctx), ctx.params.name, opts);
    if (!deleted || def.returnDeletedObject) return { code: 200, body: object };
    return { code: 200, body: successStatus({ name: object.metadata?.name, group: def.group || undefined, kind: def.resource, uid: object.metadata?.uid }) };
  };

  const removeCollection: Handler = async (ctx) => {
    const opts = parseDeleteOptions(await optionalBody(ctx), ctx.query);
    return { code: 200, body: ctx.deps.objects.deleteCollection(def, ns(ctx), listOptions(ctx.query), opts) };
  };

  const getScale: Handler = (ctx) => ({ code: 200, body: ctx.deps.objects.getScale(def, ns(ctx), ctx.params.name) });
  const putScale: Handler = async (ctx) => {
    const raw = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
    return { code: 200, body: ctx.deps.objects.updateScale(def, ns(ctx), ctx.params.name, raw, { dryRun: isDryRun(ctx.query) }) };
  };
  const patchScale: Handler = async (ctx): Promise<Reply> => {
    const type = patchTypeOf(mediaType(ctx.req));
    const body = decodeBody(await readBody(ctx.req), mediaType(ctx.req));
    return { code: 200, body: ctx.deps.objects.patchScale(def, ns(ctx), ctx.params.name, type, body, { dryRun: isDryRun(ctx.query) }) };
  };

  return { list, create, get, put, patch, remove, removeCollection, getScale, putScale, patchScale };
}

/** Only the methods whose verb the kind serves. */
function pick(verbs: ReadonlySet<Verb>, entries: [Method, Verb, Handler][]): Partial<Record<Method, Handler>> {
  const out: Partial<Record<Method, Handler>> = {};
  for (const [method, verb, handler] of entries) if (verbs.has(verb)) out[method] = handler;
  return out;
}

export function addGenericRoutes(router: Router, registry: ResourceRegistry): void {
  for (const def of registry.all()) {
    if (def.routes === 'custom') continue;
    const h = kindHandlers(def);
    const verbs = new Set(verbsOf(def));
    const base = groupVersionPath(def);
    const collection = def.namespaced ? `${base}/namespaces/:namespace/${def.resource}` : `${base}/${def.resource}`;
    const item = `${collection}/:name`;
    if (def.namespaced) router.add(`${base}/${def.resource}`, pick(verbs, [['GET', 'list', h.list]]));
    router.add(collection, pick(verbs, [['GET', 'list', h.list], ['POST', 'create', h.create], ['DELETE', 'deletecollection', h.removeCollection]]));
    router.add(item, pick(verbs, [['GET', 'get', h.get], ['PUT', 'update', h.put()], ['PATCH', 'patch', h.patch()], ['DELETE', 'delete', h.remove]]));
    if (hasStatus(def)) router.add(`${item}/status`, pick(verbs, [['GET', 'get', h.get], ['PUT', 'update', h.put('status')], ['PATCH', 'patch', h.patch('status')]]));
    if (def.scale) router.add(`${item}/scale`, pick(verbs, [['GET', 'get', h.getScale], ['PUT', 'update', h.putScale], ['PATCH', 'patch', h.patchScale]]));
  }
}
