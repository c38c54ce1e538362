/** @module core/v1 events: stored as given (the agent writes them), listed, watched and deleted. */
import { InvalidError } from '../../core/errors.js';
import type { Event, ObjectMeta } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeObject, isDryRun, mediaType, readBody } from '../http-util.js';
import type { Router } from '../router.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { listOptions, stripServerFields } from './common.js';
import { requireActiveNamespace } from './namespaces.js';

function list(ctx: RequestContext): Reply | undefined {
  const namespace = ctx.params.namespace as string | undefined;
  if (isWatchRequest(ctx.query)) return serveWatch(ctx, { resource: 'events', namespace, kind: 'Event', apiVersion: 'v1' });
  const l = ctx.deps.store.list<Event>('events', namespace, listOptions(ctx.query, 'events'));
  return { code: 200, body: { kind: 'EventList', apiVersion: 'v1', metadata: l.metadata, items: l.items } };
}

async function create(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Event;
  checkTypeMeta(body, 'v1', 'Event');
  const meta: ObjectMeta = { ...stripServerFields(body.metadata), namespace: ctx.params.namespace };
  if (!meta.name) {
    throw new InvalidError('Event', '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  }
  requireActiveNamespace(ctx.deps.store, ctx.params.namespace, 'events', meta.name);
  const event: Event = { ...body, apiVersion: 'v1', kind: 'Event', metadata: meta };
  if (isDryRun(ctx.query)) return { code: 201, body: event };
  return { code: 201, body: ctx.deps.store.create('events', event) };
}

export function addEventRoutes(router: Router): void {
  router.add('/api/v1/events', { GET: list });
  router.add('/api/v1/namespaces/:namespace/events', { GET: list, POST: create });
  router.add('/api/v1/namespaces/:namespace/events/:name', {
    GET: (ctx) => ({ code: 200, body: ctx.deps.store.get('events', ctx.params.namespace, ctx.params.name) }),
    DELETE: (ctx) => ({ code: 200, body: ctx.deps.store.delete('events', ctx.params.namespace, ctx.params.name) }),
  });
}
