/**
 * @module The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): a Job
 * with `ttlSecondsAfterFinished` is deleted (its pods with it, background propagation) that many
 * seconds after it finished (its Complete or Failed condition's lastTransitionTime), and looked
 * at again exactly when that time comes.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { JOBS } from '../core/controllers/resource-types.js';
import { isNotFound } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type J = Job & KubeObject;

/** When the Job may go (epoch ms), or undefined when it has no TTL or has not finished. */
export function jobExpiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return undefined;
  const done = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!done) return undefined;
  const at = Date.parse(done.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isFinite(at) ? at + ttl * 1000 : undefined;
}

export class TtlAfterFinishedController implements ManagedController {
  readonly name = 'ttl-after-finished-controller';
  private ctx!: ControllerContext;
  private jobs!: Informer<J>;

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.jobs = ctx.informer<J>(JOBS);
    const enqueue = (j: J): void => {
      if (jobExpiresAt(j) !== undefined) ctx.queue.add(objectKey(j));
    };
    this.jobs.addHandlers({ onAdd: enqueue, onUpdate: (_o, j) => enqueue(j) });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(namespace, name);
    if (!job) return;
    const at = jobExpiresAt(job);
    if (at === undefined) return;
    const left = at - this.ctx.clock.now();
    if (left > 0) return { requeueAfterMs: left };
    try {
      // Conditional on the Job as seen: a TTL changed meanwhile is looked at again.
      await this.ctx.client.delete(JOBS, namespace, name, { propagationPolicy: 'Background', preconditions: { uid: job.metadata?.uid, resourceVersion: job.metadata?.resourceVersion } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
