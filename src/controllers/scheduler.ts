/**
 * @module kube-scheduler's part for the node(s) it sees: every pod without a node, for the
 * default scheduler, not gated, is run through the filters (core/scheduling/scheduler-filters.ts)
 * against each node; the first that fits gets it through pods/binding (event Scheduled).
 * Otherwise the pod stays Pending with PodScheduled=False/Unschedulable and the scheduler's
 * message, a FailedScheduling event, and is tried again whenever something that could change the
 * answer happens: a node's labels, taints, capacity or schedulability, a pod leaving a node, the
 * pod itself. Gated pods get PodScheduled=False/SchedulingGated; pods for another scheduler are
 * left alone. Pods bound by nodeName never come here (the node agent admits them).
 */
import { isPodActive } from '../core/controllers/pod-readiness.js';
import { NODES, PODS } from '../core/controllers/resource-types.js';
import { deepEqual } from '../core/deep-equal.js';
import { ConflictError, isNotFound } from '../core/errors.js';
import { rfc3339 } from '../core/pod-status.js';
import type { ResourceType } from '../core/ports.js';
import { failedSchedulingMessage, filterNode, type FilterFailure, type NodeInfo } from '../core/scheduling/scheduler-filters.js';
import type { KubeObject, Namespace, Node, Pod, PodCondition } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

export const DEFAULT_SCHEDULER = 'default-scheduler';
const NAMESPACES: ResourceType = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false };

/** Waiting for this scheduler: no node, not being deleted, not finished, ours. */
export function isPendingScheduling(pod: Pod): boolean {
  return !pod.spec?.nodeName && pod.metadata?.deletionTimestamp === undefined && isPodActive(pod) && (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER;
}

export class Scheduler implements ManagedController {
  readonly name = DEFAULT_SCHEDULER;
  private ctx!: ControllerContext;
  private pods!: Informer<Pod>;
  private nodes!: Informer<Node & KubeObject>;
  private namespaces!: Informer<Namespace & KubeObject>;
  /** Pods that did not fit: tried again when the cluster changes. */
  private readonly unschedulable = new Set<string>();

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.pods = ctx.informer<Pod>(PODS);
    this.nodes = ctx.informer<Node & KubeObject>(NODES);
    this.namespaces = ctx.informer<Namespace & KubeObject>(NAMESPACES);
    this.pods.addIndex('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    const retryAll = (): void => {
      for (const key of this.unschedulable) ctx.queue.add(key);
    };
    this.pods.addHandlers({
      onAdd: (p) => {
        if (isPendingScheduling(p)) ctx.queue.add(objectKey(p));
        else if (p.spec?.nodeName) retryAll();
      },
      onUpdate: (old, p) => {
        if (isPendingScheduling(p)) {
          if (!deepEqual(old.spec, p.spec) || !deepEqual(old.metadata?.labels, p.metadata?.labels)) ctx.queue.add(objectKey(p));
          return;
        }
        // A pod that finished or started leaving frees what it held.
        if (p.spec?.nodeName && (isPodActive(old) !== isPodActive(p) || !old.spec?.nodeName)) retryAll();
        this.unschedulable.delete(objectKey(p));
      },
      onDelete: (p) => {
        this.unschedulable.delete(objectKey(p));
        if (p.spec?.nodeName) retryAll();
      },
    });
    this.nodes.addHandlers({
      onAdd: retryAll,
      onUpdate: (old, n) => {
        const changed = !deepEqual(old.metadata?.labels, n.metadata?.labels) || !deepEqual(old.spec, n.spec) || !deepEqual(old.status?.allocatable, n.status?.allocatable);
        if (changed) retryAll();
      },
      onDelete: retryAll,
    });
    this.namespaces.addHandlers({ onUpdate: (old, ns) => !deepEqual(old.metadata?.labels, ns.metadata?.labels) && retryAll() });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || !isPendingScheduling(pod)) {
      this.unschedulable.delete(key);
      return;
    }
    if ((pod.spec?.schedulingGates ?? []).length > 0) {
      await this.setUnscheduled(pod, 'SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates');
      return;
    }
    const nodes = this.nodes.list();
    const infos: NodeInfo[] = nodes.map((node) => ({ node, pods: this.pods.byIndex('nodeName', node.metadata!.name!).filter(isPodActive) }));
    const failures: FilterFailure[] = [];
    let chosen: Node | undefined;
    for (const info of infos) {
      const failure = filterNode(pod, info, infos, this.namespaces.list());
      if (!failure) {
        chosen = info.node;
        break;
      }
      failures.push(failure);
    }
    if (chosen) {
      try {
        await this.ctx.client.bindPod(namespace!, name, pod.metadata!.uid!, chosen.metadata!.name!);
      } catch (err) {
        // Bound, deleted or replaced meanwhile: the informer brings the new state.
        if (err instanceof ConflictError || isNotFound(err)) return;
        throw err;
      }
      this.unschedulable.delete(key);
      this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${chosen.metadata!.name}`);
      return;
    }
    const message = failedSchedulingMessage(nodes.length, failures);
    this.unschedulable.add(key);
    this.events.record(pod, 'Warning', 'FailedScheduling', message);
    await this.setUnscheduled(pod, 'Unschedulable', message);
  }

  /** PodScheduled=False with the reason and message, written only when it changes. */
  private async setUnscheduled(pod: Pod, reason: string, message: string): Promise<void> {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === reason && current.message === message) return;
    const cond: PodCondition = { type: 'PodScheduled', status: 'False', lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime : rfc3339(this.ctx.clock.now()), reason, message };
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond];
    try {
      await this.ctx.client.update(PODS, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
    } catch (err) {
      if (!(err instanceof ConflictError) && !isNotFound(err)) throw err;
      this.ctx.queue.add(objectKey(pod));
    }
  }
}
