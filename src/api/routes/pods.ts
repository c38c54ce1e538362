/** @module /api/v1/namespaces/{ns}/pods[/{name}[/status]] and /api/v1/pods. */
import { randomInt } from 'node:crypto';
import { BadRequestError, InvalidError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';
import { applyPodDefaults } from '../../core/pod-defaults.js';
import { decodePod } from '../../core/pod-decode.js';
import { validatePodCreate, validatePodUpdate } from '../../core/pod-validation.js';
import { qosClass } from '../../core/qos.js';
import type { ObjectMeta, Pod, PodSpec } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeBody, decodeObject, isDryRun, mediaType, readBody } from '../http-util.js';
import { applyPatch, patchTypeOf } from '../patch.js';
import { deletePod, parseDeleteOptions } from '../pod-delete.js';
import { checkFieldValidation } from '../field-validation.js';
import type { Router } from '../router.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { checkName, checkNamespace, listOptions, stripServerFields, updateMeta } from './common.js';
import { requireActiveNamespace } from './namespaces.js';

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[randomInt(GENERATE_CHARS.length)];
  return s;
}

/** Defaults, validates and binds a new pod; the result is what the store gets. */
export function preparePodForCreate(raw: Pod, namespace: string, nodeName: string): Pod {
  checkTypeMeta(raw, 'v1', 'Pod');
  const body = decodePod(raw);
  checkNamespace(body, namespace);
  const meta = stripServerFields(body.metadata) as Mutable<ObjectMeta>;
  meta.namespace = namespace;
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
  if (!meta.name) {
    throw new InvalidError('Pod', '', [
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  }
  const { status: _ignored, ...rest } = body;
  let pod: Pod = { ...rest, apiVersion: 'v1', kind: 'Pod', metadata: meta };
  pod = applyPodDefaults(pod);
  validatePodCreate(pod);
  const spec = { ...pod.spec } as Mutable<PodSpec>;
  // This daemon is the scheduler: every pod is bound to its node at creation.
  if (!spec.nodeName) spec.nodeName = nodeName;
  pod = { ...pod, spec: spec as PodSpec };
  return { ...pod, status: { phase: 'Pending', qosClass: qosClass(pod) } };
}

async function create(ctx: RequestContext): Promise<Reply> {
  const { store, nodeName } = ctx.deps;
  const namespace = ctx.params.namespace;
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Pod;
  checkFieldValidation(ctx.query, 'Pod', body);
  const pod = preparePodForCreate(body, namespace, nodeName);
  requireActiveNamespace(store, namespace, 'pods', pod.metadata!.name!);
  if (isDryRun(ctx.query)) return { code: 201, body: pod };
  return { code: 201, body: store.create('pods', pod) };
}

function list(ctx: RequestContext): Reply | undefined {
  const namespace = ctx.params.namespace as string | undefined;
  if (isWatchRequest(ctx.query)) return serveWatch(ctx, { resource: 'pods', namespace, kind: 'Pod', apiVersion: 'v1' });
  const l = ctx.deps.store.list<Pod>('pods', namespace, listOptions(ctx.query, 'pods'));
  return { code: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: l.metadata, items: l.items } };
}

function get(ctx: RequestContext): Reply {
  return { code: 200, body: ctx.deps.store.get('pods', ctx.params.namespace, ctx.params.name) };
}

/** A spec/metadata update: status and server-owned metadata come from the stored pod. */
function podUpdate(ctx: RequestContext, raw: Pod, stored: Pod): Reply {
  checkTypeMeta(raw, 'v1', 'Pod');
  const next = decodePod(raw);
  checkNamespace(next, ctx.params.namespace);
  checkName(next, ctx.params.name);
  const meta = updateMeta(next.metadata, stored.metadata, ctx.params as { namespace: string; name: string }, ['deletionTimestamp', 'deletionGracePeriodSeconds']);
  let pod: Pod = { ...next, apiVersion: 'v1', kind: 'Pod', metadata: meta };
  pod = applyPodDefaults(pod);
  pod = { ...pod, status: stored.status };
  validatePodUpdate(pod, stored);
  if (isDryRun(ctx.query)) return { code: 200, body: pod };
  return { code: 200, body: ctx.deps.store.update('pods', pod) };
}

/** A status update: only `status` changes (and the resourceVersion precondition is honoured). */
function statusUpdate(ctx: RequestContext, next: Pod, stored: Pod): Reply {
  checkTypeMeta(next, 'v1', 'Pod');
  checkNamespace(next, ctx.params.namespace);
  checkName(next, ctx.params.name);
  const meta = { ...stored.metadata } as Mutable<ObjectMeta>;
  if (next.metadata?.resourceVersion) meta.resourceVersion = next.metadata.resourceVersion;
  else delete meta.resourceVersion;
  const pod: Pod = { ...stored, metadata: meta, status: next.status ?? {} };
  if (isDryRun(ctx.query)) return { code: 200, body: pod };
  return { code: 200, body: ctx.deps.store.update('pods', pod) };
}

async function put(ctx: RequestContext, status: boolean): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Pod;
  checkFieldValidation(ctx.query, 'Pod', body);
  const stored = ctx.deps.store.get<Pod>('pods', ctx.params.namespace, ctx.params.name);
  return status ? statusUpdate(ctx, body, stored) : podUpdate(ctx, body, stored);
}

async function patch(ctx: RequestContext, status: boolean): Promise<Reply> {
  const type = patchTypeOf(mediaType(ctx.req));
  const patchBody = decodeBody(await readBody(ctx.req), mediaType(ctx.req));
  const { store } = ctx.deps;
  const stored = store.tryGet<Pod>('pods', ctx.params.namespace, ctx.params.name);
  if (type !== 'json') checkFieldValidation(ctx.query, 'Pod', patchBody);
  if (!stored && type === 'apply' && !status) {
    // Server-side apply (without field ownership yet): create when missing.
    const pod = preparePodForCreate(patchBody as Pod, ctx.params.namespace, ctx.deps.nodeName);
    checkName(pod, ctx.params.name);
    requireActiveNamespace(store, ctx.params.namespace, 'pods', ctx.params.name);
    if (isDryRun(ctx.query)) return { code: 201, body: pod };
    return { code: 201, body: store.create('pods', pod) };
  }
  const current = stored ?? store.get<Pod>('pods', ctx.params.namespace, ctx.params.name);
  const patched = applyPatch(type, current, patchBody) as Pod;
  if (patched === null || typeof patched !== 'object') throw new BadRequestError('the patch did not produce an object');
  // A patch is not conditional unless it sets a resourceVersion itself.
  const patchedRv = patched.metadata?.resourceVersion;
  const next: Pod = { ...patched, metadata: { ...patched.metadata, resourceVersion: patchedRv === current.metadata?.resourceVersion ? undefined : patchedRv } };
  return status ? statusUpdate(ctx, next, current) : podUpdate(ctx, next, current);
}

async function remove(ctx: RequestContext): Promise<Reply> {
  const raw = await readBody(ctx.req);
  const body = raw.length > 0 && raw.toString('utf8').trim() !== '' ? decodeBody(raw, mediaType(ctx.req)) : undefined;
  const opts = parseDeleteOptions(body, ctx.query);
  return { code: 200, body: deletePod(ctx.deps.store, ctx.deps.clock, ctx.params.namespace, ctx.params.name, opts) };
}

export function addPodRoutes(router: Router): void {
  router.add('/api/v1/pods', { GET: list });
  router.add('/api/v1/namespaces/:namespace/pods', { GET: list, POST: create });
  router.add('/api/v1/namespaces/:namespace/pods/:name', {
    GET: get,
    PUT: (ctx) => put(ctx, false),
    PATCH: (ctx) => patch(ctx, false),
    DELETE: remove,
  });
  router.add('/api/v1/namespaces/:namespace/pods/:name/status', {
    GET: get,
    PUT: (ctx) => put(ctx, true),
    PATCH: (ctx) => patch(ctx, true),
  });
}
