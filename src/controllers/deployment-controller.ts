/**
 * @module The Deployment controller: claims the ReplicaSets its selector matches (adopting and
 * releasing as the ReplicaSet controller does pods), then executes one pass of the pure plan
 * (core/controllers/deployment-plan.ts): ReplicaSet creates, scales and deletes, the revision
 * annotation, the status with its Available and Progressing conditions, and the events
 * (ScalingReplicaSet...). Every write carries the resourceVersion the plan was made from, so a
 * pass on stale data fails with a conflict and runs again on fresh data.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { claim, controllerRefOf, newControllerRef } from '../core/controllers/controller-ref.js';
import { planDeployment } from '../core/controllers/deployment-plan.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../core/controllers/resource-types.js';
import { AlreadyExistsError, isNotFound } from '../core/errors.js';
import { selectorMatches } from '../core/label-selector.js';
import type { KubeObject, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;

export class DeploymentController implements ManagedController {
  readonly name = 'deployment-controller';
  private ctx!: ControllerContext;
  private deployments!: Informer<D>;
  private replicaSets!: Informer<RS>;
  private pods!: Informer<Pod>;

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.deployments = ctx.informer<D>(DEPLOYMENTS);
    this.replicaSets = ctx.informer<RS>(REPLICA_SETS);
    this.pods = ctx.informer<Pod>(PODS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    this.deployments.addHandlers({ onAdd: enqueue, onUpdate: (_o, d) => enqueue(d), onDelete: enqueue });
    const forRs = (rs: RS): void => {
      const owner = this.ownerOf(rs);
      if (owner) enqueue(owner);
      else if (!controllerRefOf(rs)) for (const d of this.deployments.list(rs.metadata?.namespace)) if (selectorMatches(d.spec?.selector, rs.metadata?.labels)) enqueue(d);
    };
    this.replicaSets.addHandlers({
      onAdd: forRs,
      onUpdate: (old, rs) => {
        const before = this.ownerOf(old);
        if (before && before !== this.ownerOf(rs)) enqueue(before);
        forRs(rs);
      },
      onDelete: forRs,
    });
    // Recreate waits for the old pods to be gone.
    this.pods.addHandlers({
      onDelete: (pod) => {
        const ref = controllerRefOf(pod);
        const rs = ref?.kind === 'ReplicaSet' ? this.replicaSets.get(pod.metadata?.namespace, ref.name) : undefined;
        const d = rs && this.ownerOf(rs);
        if (d?.spec?.strategy?.type === 'Recreate') enqueue(d);
      },
    });
  }

  private ownerOf(rs: RS): D | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(rs.metadata?.namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const d = this.deployments.get(namespace, name);
    if (!d) return;
    const { client } = this.ctx;
    const claimed = claim(d, this.replicaSets.list(namespace), (rs) => selectorMatches(d.spec?.selector, rs.metadata?.labels));
    const ref = newControllerRef(d, 'apps/v1', 'Deployment');
    for (const rs of claimed.adopt) {
      const m = rs.metadata!;
      await client.patch(REPLICA_SETS, namespace, m.name!, 'merge', { metadata: { ownerReferences: [...(m.ownerReferences ?? []), ref], resourceVersion: m.resourceVersion } });
    }
    for (const rs of claimed.release) {
      const m = rs.metadata!;
      const keep = (m.ownerReferences ?? []).filter((r) => r.uid !== d.metadata?.uid);
      await client.patch(REPLICA_SETS, namespace, m.name!, 'merge', { metadata: { ownerReferences: keep.length ? keep : null, resourceVersion: m.resourceVersion } });
    }
    const rsUids = new Set(claimed.owned.map((rs) => rs.metadata?.uid));
    const pods = this.pods.list(namespace).filter((p) => rsUids.has(controllerRefOf(p)?.uid));
    const plan = planDeployment(d, claimed.owned, pods, this.ctx.clock.now());

    for (const action of plan.actions) {
      if (action.type === 'create') {
        try {
          await client.create(REPLICA_SETS, action.rs as RS);
        } catch (err) {
          if (!(err instanceof AlreadyExistsError)) throw err;
          // The name is taken by a ReplicaSet with another template (a hash collision): the next
          // pass names it with a higher collisionCount.
          const taken = await client.get<RS>(REPLICA_SETS, namespace, action.rs.metadata!.name!);
          if (taken && controllerRefOf(taken)?.uid === d.metadata?.uid) return { requeueAfterMs: 0 };
          await client.update(DEPLOYMENTS, { ...d, status: { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 } }, { subresource: 'status' });
          return;
        }
      } else if (action.type === 'update') {
        await client.update(REPLICA_SETS, action.rs as RS);
      } else {
        await client
          .delete(REPLICA_SETS, namespace, action.rs.metadata!.name!, { preconditions: { uid: action.rs.metadata?.uid, resourceVersion: action.rs.metadata?.resourceVersion } })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
      }
    }
    for (const e of plan.events) this.events.record(d, e.type, e.reason, e.message);
    let current: D = d;
    if (plan.annotations) current = await client.patch<D>(DEPLOYMENTS, namespace, name, 'merge', { metadata: { annotations: plan.annotations, resourceVersion: d.metadata?.resourceVersion } });
    if (plan.status) await client.update(DEPLOYMENTS, { ...current, status: plan.status }, { subresource: 'status' });
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}
