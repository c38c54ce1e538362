/**
 * @module The pod garbage collector: every 20 s (and whenever a node goes), pods bound to nodes
 * that do not exist past the quarantine are marked Failed with a DisruptionTarget condition
 * (DeletionByPodGC) and deleted with grace 0, as upstream's gcOrphaned; unbound pods being
 * deleted are removed. Without it, a pod naming a node that is not this one would stay Pending,
 * and Terminating forever once deleted.
 */
import { planPodGc, POD_GC_PERIOD_MS } from '../core/controllers/pod-gc.js';
import { NODES, PODS } from '../core/controllers/resource-types.js';
import { isNotFound } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { rfc3339 } from '../core/pod-status.js';
import type { KubeObject, Node, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { Informer } from './informer.js';

const SWEEP = 'sweep';

export class PodGarbageCollector implements ManagedController {
  readonly name = 'pod-garbage-collector';
  private ctx!: ControllerContext;
  private pods!: Informer<Pod>;
  private nodes!: Informer<Node & KubeObject>;
  private missingSince = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.pods = ctx.informer<Pod>(PODS);
    this.nodes = ctx.informer<Node & KubeObject>(NODES);
    ctx.queue.add(SWEEP);
    this.nodes.addHandlers({ onDelete: () => ctx.queue.add(SWEEP) });
    this.pods.addHandlers({
      onAdd: (p) => p.spec?.nodeName && !this.nodes.get(undefined, p.spec.nodeName) && ctx.queue.add(SWEEP),
      onUpdate: (_o, p) => !p.spec?.nodeName && p.metadata?.deletionTimestamp && ctx.queue.add(SWEEP),
    });
  }

  async reconcile(): Promise<{ requeueAfterMs: number }> {
    const now = this.ctx.clock.now();
    const names = new Set(this.nodes.list().map((n) => n.metadata!.name!));
    const plan = planPodGc(this.pods.list(), names, this.missingSince, now);
    this.missingSince = plan.missingSince;
    const { client } = this.ctx;
    for (const pod of plan.orphaned) {
      const m = pod.metadata!;
      this.logger.info('pod GC: deleting a pod bound to a node that does not exist', { pod: `${m.namespace}/${m.name}`, node: pod.spec?.nodeName });
      try {
        if (pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded') {
          const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(now) };
          const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
          await client.update(PODS, { ...pod, status: { ...pod.status, phase: 'Failed', conditions } }, { subresource: 'status' });
        }
        await client.delete(PODS, m.namespace, m.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const pod of plan.unscheduledTerminating) {
      await client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    return { requeueAfterMs: Math.min(POD_GC_PERIOD_MS, plan.nextCheckMs ?? POD_GC_PERIOD_MS) };
  }
}
