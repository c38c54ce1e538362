/**
 * @module The taint eviction controller (upstream's taint-eviction-controller, once the node
 * lifecycle controller's NoExecuteTaintManager): pods bound to a node whose NoExecute taints they
 * do not tolerate are deleted, at once or after their tolerationSeconds
 * (core/controllers/taint-eviction.ts), with upstream's event (TaintManagerEviction, "Marking for
 * deletion Pod ns/name", or "Cancelling deletion" when the taint goes first) and the
 * DisruptionTarget condition (DeletionByTaintManager) written before the delete. Woken by a
 * node's taints changing and by a pod arriving on a node or changing its tolerations; the
 * scheduled evictions live in memory, as upstream's timed queue, so a restart starts the count
 * again.
 */
import { PODS, NODES } from '../core/controllers/resource-types.js';
import { planTaintEviction } from '../core/controllers/taint-eviction.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import { rfc3339 } from '../core/pod-status.js';
import type { KubeObject, Node, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

const noExecuteTaints = (n: Node | undefined) => (n?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export class TaintEvictionController implements ManagedController {
  readonly name = 'taint-eviction-controller';
  private ctx!: ControllerContext;
  private pods!: Informer<Pod>;
  private nodes!: Informer<Node & KubeObject>;
  /** Pod key → the pod's uid and when its eviction was first scheduled. */
  private readonly scheduled = new Map<string, { uid: string | undefined; sinceMs: number }>();

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.pods = ctx.informer<Pod>(PODS);
    this.nodes = ctx.informer<Node & KubeObject>(NODES);
    this.pods.addIndex('taintEvictionNode', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    const onNode = (n: Node & KubeObject): void => {
      for (const p of this.pods.byIndex('taintEvictionNode', n.metadata!.name!)) ctx.queue.add(objectKey(p));
    };
    this.nodes.addHandlers({
      onAdd: (n) => noExecuteTaints(n).length > 0 && onNode(n),
      onUpdate: (old, n) => !deepEqual(noExecuteTaints(old), noExecuteTaints(n)) && onNode(n),
    });
    this.pods.addHandlers({
      onAdd: (p) => p.spec?.nodeName && ctx.queue.add(objectKey(p)),
      onUpdate: (old, p) => {
        if (!p.spec?.nodeName) return;
        if (old.spec?.nodeName !== p.spec.nodeName || !deepEqual(old.spec?.tolerations, p.spec.tolerations) || isTerminal(old) !== isTerminal(p)) ctx.queue.add(objectKey(p));
      },
      onDelete: (p) => this.scheduled.delete(objectKey(p)),
    });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    const node = pod?.spec?.nodeName ? this.nodes.get(undefined, pod.spec.nodeName) : undefined;
    // Gone, finished, already leaving, or on a node that is not there (the pod GC's case).
    if (!pod || !node || isTerminal(pod) || pod.metadata?.deletionTimestamp) {
      this.scheduled.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    const prior = this.scheduled.get(key);
    const since = prior?.uid === pod.metadata?.uid ? prior?.sinceMs : undefined;
    const decision = planTaintEviction(node.spec?.taints, pod.spec?.tolerations, since, now);
    if (decision.kind === 'keep') {
      if (this.scheduled.delete(key)) this.events.record(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
      return;
    }
    if (decision.kind === 'evictAt') {
      this.scheduled.set(key, { uid: pod.metadata?.uid, sinceMs: since ?? now });
      return { requeueAfterMs: decision.dueMs - now };
    }
    this.scheduled.delete(key);
    await this.evict(pod, key, now);
  }

  private async evict(pod: Pod, key: string, now: number): Promise<void> {
    this.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    const m = pod.metadata!;
    try {
      const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(now) };
      const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
      await this.ctx.client.update(PODS, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
      await this.ctx.client.delete(PODS, m.namespace, m.name!, { preconditions: { uid: m.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
