/**
 * @module The DaemonSet controller: one pod of the DaemonSet on each node that should run it
 * (the plan of core/controllers/daemon-set-plan.ts), ControllerRevisions for its history (so
 * `kubectl rollout history|undo ds` work), rolling updates and status. Pods are created pinned
 * to their node by node affinity; placing them is the scheduler's job, as upstream.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import { claim, controllerRefOf } from '../core/controllers/controller-ref.js';
import { currentHash, daemonPod, planDaemonSet } from '../core/controllers/daemon-set-plan.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../core/controllers/resource-types.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import { selectorMatches } from '../core/label-selector.js';
import type { KubeObject, Node, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { Expectations } from './expectations.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type DS = DaemonSet & KubeObject;
type CR = ControllerRevision & KubeObject;

export class DaemonSetController implements ManagedController {
  readonly name = 'daemonset-controller';
  private ctx!: ControllerContext;
  private daemonSets!: Informer<DS>;
  private pods!: Informer<Pod>;
  private nodes!: Informer<Node & KubeObject>;
  private revisions!: Informer<CR>;
  private expectations!: Expectations;

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.expectations = new Expectations(ctx.clock);
    this.daemonSets = ctx.informer<DS>(DAEMON_SETS);
    this.pods = ctx.informer<Pod>(PODS);
    this.nodes = ctx.informer<Node & KubeObject>(NODES);
    this.revisions = ctx.informer<CR>(CONTROLLER_REVISIONS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    const all = (): void => this.daemonSets.list().forEach(enqueue);
    this.daemonSets.addHandlers({ onAdd: enqueue, onUpdate: (_o, ds) => enqueue(ds), onDelete: (ds) => { this.expectations.forget(objectKey(ds)); enqueue(ds); } });
    // Labels and taints decide where daemon pods run; a heartbeat changes neither.
    this.nodes.addHandlers({
      onAdd: all,
      onUpdate: (old, n) => {
        if (!deepEqual(old.metadata?.labels, n.metadata?.labels) || !deepEqual(old.spec, n.spec)) all();
      },
      onDelete: all,
    });
    const forPod = (pod: Pod, observed?: 'add' | 'delete'): void => {
      const owner = this.ownerOf(pod);
      if (!owner) return;
      if (observed === 'add') this.expectations.creationObserved(objectKey(owner));
      if (observed === 'delete') this.expectations.deletionObserved(objectKey(owner), pod.metadata?.uid ?? '');
      enqueue(owner);
    };
    this.pods.addHandlers({
      onAdd: (p) => forPod(p, 'add'),
      onUpdate: (old, p) => forPod(p, p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp ? 'delete' : undefined),
      onDelete: (p) => forPod(p, 'delete'),
    });
    this.revisions.addHandlers({
      onAdd: (r) => this.revisionOwner(r) && enqueue(this.revisionOwner(r)!),
      onDelete: (r) => this.revisionOwner(r) && enqueue(this.revisionOwner(r)!),
    });
  }

  private ownerOf(pod: Pod): DS | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.get(pod.metadata?.namespace, ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  private revisionOwner(r: CR): DS | undefined {
    const ref = controllerRefOf(r);
    if (ref?.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.get(r.metadata?.namespace, ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const ds = this.daemonSets.get(namespace, name);
    if (!ds) {
      this.expectations.forget(key);
      return;
    }
    const { client } = this.ctx;
    const selects = (o: KubeObject): boolean => selectorMatches(ds.spec?.selector, o.metadata?.labels);
    const pods = claim(ds, this.pods.list(namespace).filter((p) => p.status?.phase !== 'Succeeded'), selects).owned;
    const revisions = this.revisions.list(namespace).filter((r) => controllerRefOf(r)?.uid === ds.metadata?.uid);
    const plan = planDaemonSet(ds, this.nodes.list(), pods, revisions, this.ctx.clock.now());
    if (plan.revision?.create) await client.create(CONTROLLER_REVISIONS, plan.revision.create as CR).catch((err: unknown) => {
      if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
    });
    if (plan.revision?.update) await client.update(CONTROLLER_REVISIONS, plan.revision.update as CR);
    if (ds.metadata?.deletionTimestamp === undefined && this.expectations.satisfied(key)) {
      const hash = currentHash(ds);
      this.expectations.expectCreations(key, plan.create.length);
      this.expectations.expectDeletions(key, plan.delete.map((d) => d.pod.metadata?.uid ?? ''));
      for (const nodeName of plan.create) {
        try {
          const pod = await client.create<Pod>(PODS, daemonPod(ds, nodeName, hash));
          this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.lowerCreations(key, 1);
          this.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }
      for (const { pod, reason } of plan.delete) {
        if (reason === 'failed') this.events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${pod.spec?.nodeName}, will try to kill it`);
        try {
          await client.delete(PODS, namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
          this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
          if (!isNotFound(err)) throw err;
        }
      }
    }
    for (const r of plan.deleteRevisions) await client.delete(CONTROLLER_REVISIONS, namespace, r.metadata!.name!, { preconditions: { uid: r.metadata?.uid } }).catch(() => undefined);
    if (!deepEqual(plan.status, ds.status ?? {})) {
      await client.update(DAEMON_SETS, { ...ds, status: plan.status }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}
