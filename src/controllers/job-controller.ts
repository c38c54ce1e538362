/**
 * @module The Job controller: runs a Job's pods to completion by the plan of
 * core/controllers/job-plan.ts. Each pass writes in the order that makes it safe to stop at
 * any point (kill -9 included): the finished pods' UIDs into status.uncountedTerminatedPods,
 * then their `batch.kubernetes.io/job-tracking` finalizers off, then the counters; every write
 * is conditional on the resourceVersion it was computed from. Pods whose Job is gone lose the
 * finalizer too (upstream's orphan pod handling), so nothing stays Terminating forever.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { claim, controllerRefOf, newControllerRef } from '../core/controllers/controller-ref.js';
import { hasTrackingFinalizer, JOB_TRACKING_FINALIZER, jobPod } from '../core/controllers/job-pods.js';
import { planJob } from '../core/controllers/job-plan.js';
import { JOBS, PODS } from '../core/controllers/resource-types.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import { selectorMatches } from '../core/label-selector.js';
import type { KubeObject, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { Expectations } from './expectations.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type J = Job & KubeObject;
const ORPHAN = 'pod:';

export class JobController implements ManagedController {
  readonly name = 'job-controller';
  private ctx!: ControllerContext;
  private jobs!: Informer<J>;
  private pods!: Informer<Pod>;
  private expectations!: Expectations;

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.expectations = new Expectations(ctx.clock);
    this.jobs = ctx.informer<J>(JOBS);
    this.pods = ctx.informer<Pod>(PODS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    this.jobs.addHandlers({
      onAdd: enqueue,
      onUpdate: (_o, j) => enqueue(j),
      onDelete: (j) => {
        this.expectations.forget(objectKey(j));
        // Its pods lose their finalizers (they are orphans now).
        for (const p of this.pods.list(j.metadata?.namespace)) if (controllerRefOf(p)?.uid === j.metadata?.uid && hasTrackingFinalizer(p)) ctx.queue.add(ORPHAN + objectKey(p));
      },
    });
    const forPod = (pod: Pod, observed?: 'add' | 'delete'): void => {
      const ref = controllerRefOf(pod);
      if (ref?.kind !== 'Job') return;
      const job = this.jobs.get(pod.metadata?.namespace, ref.name);
      if (!job || job.metadata?.uid !== ref.uid) {
        if (hasTrackingFinalizer(pod) && observed !== 'delete') ctx.queue.add(ORPHAN + objectKey(pod));
        return;
      }
      const key = objectKey(job);
      if (observed === 'add') this.expectations.creationObserved(key);
      if (observed === 'delete') this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
      enqueue(job);
    };
    this.pods.addHandlers({
      onAdd: (p) => forPod(p, 'add'),
      onUpdate: (old, p) => forPod(p, p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp ? 'delete' : undefined),
      onDelete: (p) => forPod(p, 'delete'),
    });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    if (key.startsWith(ORPHAN)) return this.releaseOrphan(key.slice(ORPHAN.length));
    const { namespace, name } = splitKey(key);
    let job = this.jobs.get(namespace, name);
    if (!job) {
      this.expectations.forget(key);
      return;
    }
    const { client } = this.ctx;
    const selects = (p: Pod): boolean => selectorMatches(job!.spec?.selector, p.metadata?.labels);
    const claimed = claim(job, this.pods.list(namespace), selects);
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    for (const pod of claimed.adopt) {
      const m = pod.metadata!;
      await client.patch(PODS, namespace, m.name!, 'merge', { metadata: { ownerReferences: [...(m.ownerReferences ?? []), ref], resourceVersion: m.resourceVersion } });
    }
    const plan = planJob(job, claimed.owned, this.ctx.clock.now(), { manage: this.expectations.satisfied(key) && !job.metadata?.deletionTimestamp });
    // 1. Which finished pods are on their way to be counted.
    if (plan.recordUncounted) job = await client.update<J>(JOBS, { ...job, status: plan.recordUncounted }, { subresource: 'status' });
    // 2. Their finalizers go.
    await Promise.all(plan.removeFinalizers.map((p) => this.removeFinalizer(p)));
    // Pods to create or delete.
    if (plan.create.length > 0) await this.createPods(key, job, plan.create, plan.indexFailures);
    if (plan.delete.length > 0) await this.deletePods(key, job, plan.delete);
    // 3. The counters and conditions.
    if (!deepEqual(plan.status, job.status ?? {})) {
      try {
        await client.update(JOBS, { ...job, status: plan.status }, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const e of plan.events) this.events.record(job, e.type, e.reason, e.message);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs + 1 } : undefined;
  }

  private async removeFinalizer(pod: Pod): Promise<void> {
    const m = pod.metadata!;
    const finalizers = (m.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await this.ctx.client.patch(PODS, m.namespace, m.name!, 'merge', { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: m.resourceVersion } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async releaseOrphan(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    const job = ref ? this.jobs.get(namespace, ref.name) : undefined;
    if (job && job.metadata?.uid === ref?.uid) {
      this.ctx.queue.add(objectKey(job));
      return;
    }
    await this.removeFinalizer(pod);
  }

  /** Slow start (1, 2, 4...), as the ReplicaSet controller: a template that cannot work fails once. */
  private async createPods(key: string, job: J, indexes: (number | undefined)[], failures: Map<number, { failed: number; ignored: number }>): Promise<void> {
    this.expectations.expectCreations(key, indexes.length);
    let next = 0;
    let batch = 1;
    while (next < indexes.length) {
      const chunk = indexes.slice(next, next + batch);
      next += chunk.length;
      const results = await Promise.allSettled(chunk.map((i) => this.ctx.client.create<Pod>(PODS, jobPod(job, i, i !== undefined ? failures.get(i) : undefined))));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const r of results) if (r.status === 'fulfilled') this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name}`);
      if (failed.length > 0) {
        this.expectations.lowerCreations(key, failed.length + indexes.length - next);
        const message = failed[0].reason instanceof Error ? failed[0].reason.message : String(failed[0].reason);
        this.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${message}`);
        throw new Error(message);
      }
      batch *= 2;
    }
  }

  private async deletePods(key: string, job: J, pods: readonly Pod[]): Promise<void> {
    this.expectations.expectDeletions(key, pods.map((p) => p.metadata?.uid ?? ''));
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.ctx.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
          this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
          if (!isNotFound(err)) throw err;
        }
      }),
    );
  }
}
