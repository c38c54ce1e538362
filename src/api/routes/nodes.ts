/** @module /api/v1/nodes: get, list and watch the Node the agent reports (read-only: the agent owns it). */
import type { KubeObject } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import type { Router } from '../router.js';
import { isWatchRequest, serveWatch } from '../watch.js';
import { listOptions } from './common.js';

function list(ctx: RequestContext): Reply | undefined {
  if (isWatchRequest(ctx.query)) return serveWatch(ctx, { resource: 'nodes', namespace: undefined, kind: 'Node', apiVersion: 'v1' });
  const l = ctx.deps.store.list<KubeObject>('nodes', undefined, listOptions(ctx.query, 'nodes'));
  return { code: 200, body: { kind: 'NodeList', apiVersion: 'v1', metadata: l.metadata, items: l.items } };
}

function get(ctx: RequestContext): Reply {
  return { code: 200, body: ctx.deps.store.get('nodes', '', ctx.params.name) };
}

export function addNodeRoutes(router: Router): void {
  router.add('/api/v1/nodes', { GET: list });
  router.add('/api/v1/nodes/:name', { GET: get });
  router.add('/api/v1/nodes/:name/status', { GET: get });
}
