/**
 * @module metrics.k8s.io/v1beta1 (PodMetrics, NodeMetrics, as metrics-server serves them, so
 * `kubectl top pod|node` works), the kubelet's /stats/summary through the node proxy path, and
 * node.peapod.io/v1alpha1 podprocesses (a pod's containers with their processes, for the
 * dashboard). All read-only, computed on request by the node agent's stats provider.
 */
import { NotFoundError, ServiceUnavailableError } from '../../core/errors.js';
import type { NodeStatsAccess } from '../../core/ports.js';
import { nodeMetrics, podMetrics, type StatsSummary } from '../../core/stats.js';
import type { Pod } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import type { Router } from '../router.js';
import { listOptions } from '../registry/generic-routes.js';

const GV = 'metrics.k8s.io/v1beta1';

function statsOf(ctx: RequestContext): NodeStatsAccess {
  const stats = ctx.deps.stats;
  if (!stats) throw new ServiceUnavailableError('the node agent does not report resource usage');
  return stats;
}

async function summary(ctx: RequestContext): Promise<StatsSummary & { windowStart?: number }> {
  return statsOf(ctx).summary();
}

async function listNodes(ctx: RequestContext): Promise<Reply> {
  const s = await summary(ctx);
  const m = nodeMetrics(s.node, { previousTimestamp: s.windowStart });
  return { code: 200, body: { kind: 'NodeMetricsList', apiVersion: GV, metadata: {}, items: m ? [m] : [] } };
}

async function getNode(ctx: RequestContext): Promise<Reply> {
  const s = await summary(ctx);
  const m = s.node.nodeName === ctx.params.name ? nodeMetrics(s.node, { previousTimestamp: s.windowStart }) : undefined;
  if (!m) throw new NotFoundError(`nodemetrics.metrics.k8s.io "${ctx.params.name}" not found`, { name: ctx.params.name, group: 'metrics.k8s.io', kind: 'nodes' });
  return { code: 200, body: m };
}

/** PodMetrics of the stored pods (selectors apply to them), for pods the agent has readings of. */
async function podMetricsOf(ctx: RequestContext, namespace: string | undefined, name?: string): Promise<Record<string, unknown>[]> {
  const pods = name
    ? [ctx.deps.store.tryGet<Pod>('pods', namespace ?? '', name)].filter((p): p is Pod => p !== undefined)
    : ctx.deps.objects.list<Pod>(ctx.deps.registry.byResource('', 'v1', 'pods')!, namespace, listOptions(ctx.query)).items;
  if (pods.length === 0) return [];
  const s = await summary(ctx);
  const byUid = new Map(s.pods.map((p) => [p.podRef.uid, p]));
  const out: Record<string, unknown>[] = [];
  for (const pod of pods) {
    const stats = byUid.get(pod.metadata?.uid ?? '');
    const m = stats ? podMetrics(stats, { previousTimestamp: s.windowStart }) : undefined;
    if (m) out.push({ ...m, metadata: { ...(m.metadata as object), labels: pod.metadata?.labels ?? {} } });
  }
  return out;
}

async function listPods(ctx: RequestContext): Promise<Reply> {
  const items = await podMetricsOf(ctx, ctx.params.namespace);
  return { code: 200, body: { kind: 'PodMetricsList', apiVersion: GV, metadata: {}, items } };
}

async function getPod(ctx: RequestContext): Promise<Reply> {
  const [m] = await podMetricsOf(ctx, ctx.params.namespace, ctx.params.name);
  if (!m) {
    throw new NotFoundError(`podmetrics.metrics.k8s.io "${ctx.params.namespace}/${ctx.params.name}" not found`, {
      name: ctx.params.name,
      group: 'metrics.k8s.io',
      kind: 'pods',
    });
  }
  return { code: 200, body: m };
}

async function statsSummary(ctx: RequestContext): Promise<Reply> {
  const s = await summary(ctx);
  if (s.node.nodeName !== ctx.params.name) throw NotFoundError.of('Node', ctx.params.name);
  const { windowStart: _w, ...body } = s;
  return { code: 200, body };
}

async function podProcesses(ctx: RequestContext): Promise<Reply> {
  const pod = ctx.deps.store.get<Pod>('pods', ctx.params.namespace, ctx.params.name);
  return { code: 200, body: await statsOf(ctx).podProcesses(pod) };
}

export function addMetricsRoutes(router: Router): void {
  router.add(`/apis/${GV}/nodes`, { GET: listNodes });
  router.add(`/apis/${GV}/nodes/:name`, { GET: getNode });
  router.add(`/apis/${GV}/pods`, { GET: listPods });
  router.add(`/apis/${GV}/namespaces/:namespace/pods`, { GET: listPods });
  router.add(`/apis/${GV}/namespaces/:namespace/pods/:name`, { GET: getPod });
  router.add('/api/v1/nodes/:name/proxy/stats/summary', { GET: statsSummary });
  // Get only: the collection path exists (for discovery) and answers 405.
  router.add('/apis/node.peapod.io/v1alpha1/namespaces/:namespace/podprocesses', {});
  router.add('/apis/node.peapod.io/v1alpha1/namespaces/:namespace/podprocesses/:name', { GET: podProcesses });
}
