/**
 * @module Routes of a plain namespaced kind (ConfigMap, Secret, ...): create, get, list, watch,
 * update, patch, delete, deletecollection, all through one `prepare` hook that decodes, defaults
 * and validates (with the stored object on updates). Deletion is immediate and answers a Status,
 * as the generic registry does for kinds without graceful deletion.
 */
import { BadRequestError, ConflictError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';
import type { KubeObject, ObjectMeta } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeBody, decodeObject, isDryRun, mediaType, readBody } from '../http-util.js';
import { applyPatch, patchTypeOf } from '../patch.js';
import { parseDeleteOptions } from '../pod-delete.js';
import { checkFieldValidation } from '../field-validation.js';
import type { Router } from '../router.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { checkName, checkNamespace, listOptions, stripServerFields, updateMeta } from './common.js';
import { requireActiveNamespace } from './namespaces.js';

export interface NamespacedKind<T extends KubeObject> {
  kind: string;
  /** Plural, as in the path and the store. */
  resource: string;
  /** Decodes, defaults and validates; `stored` is set on updates. Throws 400/422. */
  prepare(obj: T, stored: T | undefined): T;
}

export function addNamespacedObjectRoutes<T extends KubeObject>(router: Router, def: NamespacedKind<T>): void {
  const { kind, resource } = def;

  const forCreate = (raw: T, namespace: string): T => {
    checkTypeMeta(raw, 'v1', kind);
    checkNamespace(raw, namespace);
    const meta = stripServerFields(raw.metadata) as Mutable<ObjectMeta>;
    meta.namespace = namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${Math.random().toString(36).slice(2, 7)}`;
    return def.prepare({ ...raw, metadata: meta }, undefined);
  };

  const create = async (ctx: RequestContext): Promise<Reply> => {
    const raw = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as T;
    checkFieldValidation(ctx.query, kind, raw);
    const obj = forCreate(raw, ctx.params.namespace);
    requireActiveNamespace(ctx.deps.store, ctx.params.namespace, resource, obj.metadata!.name!);
    if (isDryRun(ctx.query)) return { code: 201, body: obj };
    return { code: 201, body: ctx.deps.store.create(resource, obj) };
  };

  const list = (ctx: RequestContext): Reply | undefined => {
    const namespace = ctx.params.namespace as string | undefined;
    if (isWatchRequest(ctx.query)) return serveWatch(ctx, { resource, namespace, kind, apiVersion: 'v1' });
    const l = ctx.deps.store.list<T>(resource, namespace, listOptions(ctx.query, resource));
    return { code: 200, body: { kind: `${kind}List`, apiVersion: 'v1', metadata: l.metadata, items: l.items } };
  };

  const get = (ctx: RequestContext): Reply => ({ code: 200, body: ctx.deps.store.get(resource, ctx.params.namespace, ctx.params.name) });

  /** Server-owned metadata comes from the stored object; the resourceVersion precondition is the client's. */
  const forUpdate = (ctx: RequestContext, next: T, stored: T): T => {
    checkTypeMeta(next, 'v1', kind);
    checkNamespace(next, ctx.params.namespace);
    checkName(next, ctx.params.name);
    const m = next.metadata ?? {};
    const meta = updateMeta(m, stored.metadata, ctx.params as { namespace: string; name: string });
    if (m.uid !== undefined && m.uid !== stored.metadata?.uid) {
      throw new ConflictError(`Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${stored.metadata?.uid}`);
    }
    return def.prepare({ ...next, metadata: meta }, stored);
  };

  const put = async (ctx: RequestContext): Promise<Reply> => {
    const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as T;
    checkFieldValidation(ctx.query, kind, body);
    const stored = ctx.deps.store.get<T>(resource, ctx.params.namespace, ctx.params.name);
    const next = forUpdate(ctx, body, stored);
    if (isDryRun(ctx.query)) return { code: 200, body: next };
    return { code: 200, body: ctx.deps.store.update(resource, next) };
  };

  const patch = async (ctx: RequestContext): Promise<Reply> => {
    const type = patchTypeOf(mediaType(ctx.req));
    const patchBody = decodeBody(await readBody(ctx.req), mediaType(ctx.req));
    const { store } = ctx.deps;
    const stored = store.tryGet<T>(resource, ctx.params.namespace, ctx.params.name);
    if (type !== 'json') checkFieldValidation(ctx.query, kind, patchBody);
    if (!stored && type === 'apply') {
      const obj = forCreate(patchBody as T, ctx.params.namespace);
      requireActiveNamespace(store, ctx.params.namespace, resource, ctx.params.name);
      if (isDryRun(ctx.query)) return { code: 201, body: obj };
      return { code: 201, body: store.create(resource, obj) };
    }
    const current = stored ?? store.get<T>(resource, ctx.params.namespace, ctx.params.name);
    const patched = applyPatch(type, current, patchBody) as T;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw new BadRequestError('the patch did not produce an object');
    const rv = patched.metadata?.resourceVersion;
    const next = { ...patched, metadata: { ...patched.metadata, resourceVersion: rv === current.metadata?.resourceVersion ? undefined : rv } };
    const prepared = forUpdate(ctx, next, current);
    if (isDryRun(ctx.query)) return { code: 200, body: prepared };
    return { code: 200, body: store.update(resource, prepared) };
  };

  const successStatus = (obj: KubeObject): Record<string, unknown> => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata?.name, kind: resource, uid: obj.metadata?.uid },
  });

  const remove = async (ctx: RequestContext): Promise<Reply> => {
    const raw = await readBody(ctx.req);
    const body = raw.length > 0 && raw.toString('utf8').trim() !== '' ? decodeBody(raw, mediaType(ctx.req)) : undefined;
    const opts = parseDeleteOptions(body, ctx.query);
    const { store } = ctx.deps;
    const obj = store.get<T>(resource, ctx.params.namespace, ctx.params.name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata?.uid) {
      throw new ConflictError(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata?.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata?.resourceVersion) {
      throw new ConflictError(
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata?.resourceVersion}`,
      );
    }
    if (opts.dryRunValues.length > 0 || opts.dryRun) return { code: 200, body: successStatus(obj) };
    return { code: 200, body: successStatus(store.delete(resource, ctx.params.namespace, ctx.params.name)) };
  };

  const removeCollection = (ctx: RequestContext): Reply => {
    const { store } = ctx.deps;
    const l = store.list<T>(resource, ctx.params.namespace, listOptions(ctx.query, resource));
    const dry = isDryRun(ctx.query);
    const items = l.items.map((o) => (dry ? o : store.delete<T>(resource, ctx.params.namespace, o.metadata!.name!)));
    return { code: 200, body: { kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: store.currentResourceVersion() }, items } };
  };

  router.add(`/api/v1/${resource}`, { GET: list });
  router.add(`/api/v1/namespaces/:namespace/${resource}`, { GET: list, POST: create, DELETE: removeCollection });
  router.add(`/api/v1/namespaces/:namespace/${resource}/:name`, { GET: get, PUT: put, PATCH: patch, DELETE: remove });
}
