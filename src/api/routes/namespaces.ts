/** @module /api/v1/namespaces: create, get, list, watch, update, patch, delete (cascading, see namespace-lifecycle). */
import { BadRequestError, ForbiddenError, InvalidError, NotFoundError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';
import type { ObjectStore } from '../../core/ports.js';
import { rfc3339Seconds } from '../../core/rfc3339.js';
import type { Namespace, ObjectMeta } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeBody, decodeObject, isDryRun, mediaType, readBody } from '../http-util.js';
import { applyPatch, patchTypeOf } from '../patch.js';
import { checkFieldValidation } from '../field-validation.js';
import type { Router } from '../router.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { listOptions, stripServerFields } from './common.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** Kubernetes refuses to delete these. */
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function namespaceObject(name: string, from: Namespace = {}): Namespace {
  // Cluster-scoped: a metadata.namespace in the body is dropped, as Kubernetes does (the store keys on it).
  const { namespace: _ignored, ...meta } = from.metadata ?? {};
  return {
    ...from,
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { ...meta, name, labels: { ...from.metadata?.labels, 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** Creates the namespaces Kubernetes always has, when missing. */
export function ensureSystemNamespaces(store: ObjectStore): void {
  for (const name of SYSTEM_NAMESPACES) {
    if (!store.tryGet('namespaces', '', name)) store.create('namespaces', namespaceObject(name));
  }
}

/** 404 when the namespace is missing, 403 when it is being deleted. */
export function requireActiveNamespace(store: ObjectStore, namespace: string, resource: string, name: string): void {
  const ns = store.tryGet<Namespace>('namespaces', '', namespace);
  if (!ns) throw NotFoundError.of('namespaces', namespace);
  if (ns.status?.phase === 'Terminating') {
    throw new ForbiddenError(
      `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      { name, kind: resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] },
    );
  }
}

async function create(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Namespace;
  checkTypeMeta(body, 'v1', 'Namespace');
  checkFieldValidation(ctx.query, 'Namespace', body);
  const raw: unknown = body.metadata?.name;
  // A non-string (e.g. ["x"]) would pass the regex test by coercion.
  const name = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  if (!name || name.length > 63 || !DNS_LABEL.test(name)) {
    const message = name
      ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`
      : 'Required value: name or generateName is required';
    throw new InvalidError('Namespace', name, [{ reason: name ? 'FieldValueInvalid' : 'FieldValueRequired', field: 'metadata.name', message }]);
  }
  const ns = namespaceObject(name, { ...body, metadata: stripServerFields(body.metadata) });
  if (isDryRun(ctx.query)) return { code: 201, body: ns };
  return { code: 201, body: ctx.deps.store.create('namespaces', ns) };
}

function list(ctx: RequestContext): Reply | undefined {
  if (isWatchRequest(ctx.query)) return serveWatch(ctx, { resource: 'namespaces', namespace: undefined, kind: 'Namespace', apiVersion: 'v1' });
  const l = ctx.deps.store.list<Namespace>('namespaces', undefined, listOptions(ctx.query, 'namespaces'));
  return { code: 200, body: { kind: 'NamespaceList', apiVersion: 'v1', metadata: l.metadata, items: l.items } };
}

function get(ctx: RequestContext): Reply {
  return { code: 200, body: ctx.deps.store.get('namespaces', '', ctx.params.name) };
}

/** Only metadata (labels, annotations) may change; spec and status stay the server's. */
function keepServerOwned(next: Namespace, stored: Namespace, name: string): Namespace {
  if (next.metadata?.name !== undefined && next.metadata.name !== name) {
    throw new BadRequestError(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
  }
  const meta = { ...stored.metadata, labels: next.metadata?.labels, annotations: next.metadata?.annotations } as Mutable<ObjectMeta>;
  if (next.metadata?.resourceVersion) meta.resourceVersion = next.metadata.resourceVersion;
  else delete meta.resourceVersion;
  meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': name };
  return { ...stored, metadata: meta };
}

async function update(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Namespace;
  checkTypeMeta(body, 'v1', 'Namespace');
  const stored = ctx.deps.store.get<Namespace>('namespaces', '', ctx.params.name);
  const next = keepServerOwned(body, stored, ctx.params.name);
  if (isDryRun(ctx.query)) return { code: 200, body: next };
  return { code: 200, body: ctx.deps.store.update('namespaces', next) };
}

async function patch(ctx: RequestContext): Promise<Reply> {
  const type = patchTypeOf(mediaType(ctx.req));
  const patchBody = decodeBody(await readBody(ctx.req), mediaType(ctx.req));
  const stored = ctx.deps.store.get<Namespace>('namespaces', '', ctx.params.name);
  const patched = applyPatch(type, stored, patchBody) as Namespace;
  const next = keepServerOwned(patched, stored, ctx.params.name);
  if (isDryRun(ctx.query)) return { code: 200, body: next };
  return { code: 200, body: ctx.deps.store.update('namespaces', next) };
}

function remove(ctx: RequestContext): Reply {
  const { store, clock } = ctx.deps;
  const name = ctx.params.name;
  const ns = store.get<Namespace>('namespaces', '', name);
  if (UNDELETABLE.has(name)) {
    throw new ForbiddenError(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
  }
  if (ns.status?.phase === 'Terminating' || isDryRun(ctx.query)) return { code: 200, body: ns };
  const meta = { ...ns.metadata, deletionTimestamp: rfc3339Seconds(clock.now()) };
  // The namespace lifecycle loop sees this change, deletes the content, then the namespace.
  return { code: 200, body: store.update('namespaces', { ...ns, metadata: meta, status: { ...ns.status, phase: 'Terminating' } }) };
}

export function addNamespaceRoutes(router: Router): void {
  router.add('/api/v1/namespaces', { GET: list, POST: create });
  router.add('/api/v1/namespaces/:name', { GET: get, PUT: update, PATCH: patch, DELETE: remove });
  router.add('/api/v1/namespaces/:name/status', { GET: get });
}
