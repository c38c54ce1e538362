/**
 * @module The ReplicaSet controller, also run for ReplicationControllers (upstream shares it the
 * same way): keeps `replicas` active pods matching the selector, adopting orphans and releasing
 * pods that no longer match, creating pods in slow-start batches (1, 2, 4...) and deleting the
 * least valuable first, and reports the status (replicas, ready, available, ReplicaFailure).
 * Expectations hold a second pass back until the informer has seen the first one's writes.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { controllerRefOf, newControllerRef } from '../core/controllers/controller-ref.js';
import { podFromTemplate, planReplicaSet, withReplicaFailure, type ReplicaSetView } from '../core/controllers/replica-set-plan.js';
import { apiVersionOf, PODS, REPLICA_SETS, REPLICATION_CONTROLLERS } from '../core/controllers/resource-types.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import { selectorMatches } from '../core/label-selector.js';
import { rfc3339 } from '../core/pod-status.js';
import type { ResourceType } from '../core/ports.js';
import type { KubeObject, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { Expectations } from './expectations.js';
import { objectKey, splitKey, type Informer } from './informer.js';

interface ReplicaKind {
  type: ResourceType;
  view(obj: KubeObject): ReplicaSetView;
}

export const REPLICA_SET_KIND: ReplicaKind = {
  type: REPLICA_SETS,
  view: (obj) => {
    const rs = obj as ReplicaSet;
    return {
      obj,
      replicas: rs.spec?.replicas ?? 1,
      minReadySeconds: rs.spec?.minReadySeconds ?? 0,
      template: rs.spec?.template,
      selects: (labels) => selectorMatches(rs.spec?.selector, labels),
      status: rs.status,
    };
  },
};

export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  type: REPLICATION_CONTROLLERS,
  view: (obj) => {
    const rc = obj as ReplicationController;
    return {
      obj,
      replicas: rc.spec?.replicas ?? 1,
      minReadySeconds: rc.spec?.minReadySeconds ?? 0,
      template: rc.spec?.template,
      selects: (labels) => Object.keys(rc.spec?.selector ?? {}).length > 0 && selectorMatches({ matchLabels: rc.spec?.selector }, labels),
      status: rc.status,
    };
  },
};

export class ReplicaSetController implements ManagedController {
  readonly name: string;
  private ctx!: ControllerContext;
  private owners!: Informer;
  private pods!: Informer<Pod>;
  private expectations!: Expectations;

  constructor(
    private readonly kind: ReplicaKind,
    private readonly events: ObjectEvents,
  ) {
    this.name = `${kind.type.resource}-controller`;
  }

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.expectations = new Expectations(ctx.clock);
    this.owners = ctx.informer(this.kind.type);
    this.pods = ctx.informer<Pod>(PODS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    this.owners.addHandlers({
      onAdd: enqueue,
      onUpdate: (_old, o) => enqueue(o),
      onDelete: (o) => {
        this.expectations.forget(objectKey(o));
        enqueue(o);
      },
    });
    this.pods.addHandlers({
      onAdd: (pod) => {
        const owner = this.ownerOf(pod);
        if (owner) {
          this.expectations.creationObserved(objectKey(owner));
          enqueue(owner);
        } else if (!controllerRefOf(pod)) {
          for (const o of this.selecting(pod)) enqueue(o);
        }
      },
      onUpdate: (old, pod) => {
        const owner = this.ownerOf(pod);
        if (owner && pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
          this.expectations.deletionObserved(objectKey(owner), pod.metadata.uid ?? '');
        }
        const oldOwner = this.ownerOf(old);
        if (oldOwner && oldOwner !== owner) enqueue(oldOwner);
        if (owner) enqueue(owner);
        else if (!controllerRefOf(pod)) for (const o of this.selecting(pod)) enqueue(o);
      },
      onDelete: (pod) => {
        const owner = this.ownerOf(pod);
        if (!owner) return;
        this.expectations.deletionObserved(objectKey(owner), pod.metadata?.uid ?? '');
        enqueue(owner);
      },
    });
  }

  private ownerOf(pod: Pod): KubeObject | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== this.kind.type.kind) return undefined;
    const owner = this.owners.get(pod.metadata?.namespace, ref.name);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  private selecting(pod: Pod): KubeObject[] {
    return this.owners.list(pod.metadata?.namespace).filter((o) => this.kind.view(o).selects(pod.metadata?.labels));
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const obj = this.owners.get(namespace, name);
    if (!obj) {
      this.expectations.forget(key);
      return;
    }
    const view = this.kind.view(obj);
    const now = this.ctx.clock.now();
    const manage = this.expectations.satisfied(key);
    const plan = planReplicaSet(view, this.pods.list(namespace), now, { manage });
    const { client } = this.ctx;
    const ref = newControllerRef(obj, apiVersionOf(this.kind.type), this.kind.type.kind);
    for (const pod of plan.adopt) {
      const m = pod.metadata!;
      await client.patch(PODS, namespace, m.name!, 'merge', { metadata: { ownerReferences: [...(m.ownerReferences ?? []), ref], resourceVersion: m.resourceVersion } });
    }
    for (const pod of plan.release) {
      const m = pod.metadata!;
      const keep = (m.ownerReferences ?? []).filter((r) => r.uid !== obj.metadata?.uid);
      await client.patch(PODS, namespace, m.name!, 'merge', { metadata: { ownerReferences: keep.length ? keep : null, resourceVersion: m.resourceVersion } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    let failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined;
    if (plan.create > 0 && view.template) failure = await this.createPods(key, obj, view, plan.create, ref);
    if (plan.delete.length > 0) failure = (await this.deletePods(key, obj, plan.delete)) ?? failure;
    await this.writeStatus(obj, withReplicaFailure(plan.status, failure, rfc3339(now)));
    if (failure) throw new Error(failure.message);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** Slow start: batches of 1, 2, 4... so a template that cannot work fails once, not 500 times. */
  private async createPods(key: string, obj: KubeObject, view: ReplicaSetView, count: number, ref: ReturnType<typeof newControllerRef>) {
    this.expectations.expectCreations(key, count);
    let left = count;
    let batch = 1;
    while (left > 0) {
      const size = Math.min(batch, left);
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.ctx.client.create<Pod>(PODS, podFromTemplate(view.template!, obj, ref))));
      left -= size;
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const r of results) if (r.status === 'fulfilled') this.events.record(obj, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name}`);
      if (failed.length > 0) {
        this.expectations.lowerCreations(key, failed.length + left);
        const message = (failed[0].reason as Error).message ?? String(failed[0].reason);
        this.events.record(obj, 'Warning', 'FailedCreate', `Error creating: ${message}`);
        return { reason: 'FailedCreate' as const, message };
      }
      batch *= 2;
    }
    return undefined;
  }

  private async deletePods(key: string, obj: KubeObject, pods: readonly Pod[]) {
    this.expectations.expectDeletions(key, pods.map((p) => p.metadata?.uid ?? ''));
    let failure: { reason: 'FailedDelete'; message: string } | undefined;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.ctx.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
          this.events.record(obj, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
          if (isNotFound(err)) return;
          const message = err instanceof Error ? err.message : String(err);
          this.events.record(obj, 'Warning', 'FailedDelete', `Error deleting: ${message}`);
          failure = { reason: 'FailedDelete', message };
        }
      }),
    );
    return failure;
  }

  /** Writes the status when it changed, on top of the object it was computed from (a conflict retries). */
  private async writeStatus(obj: KubeObject, status: unknown): Promise<void> {
    if (deepEqual(status, obj.status ?? {})) return;
    try {
      await this.ctx.client.update(this.kind.type, { ...obj, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
