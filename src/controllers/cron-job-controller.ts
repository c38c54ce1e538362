/**
 * @module The CronJob controller: creates each scheduled Job by the plan of
 * core/controllers/cron-job-plan.ts, keeps status.active and the last schedule and success
 * times, trims the history, and sleeps until the next schedule (a requeue at that time, not a
 * poll). The Job's name is fixed by its scheduled time, so a pass repeated after a crash finds
 * the Job it made (AlreadyExists) instead of making a second one.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { controllerRefOf } from '../core/controllers/controller-ref.js';
import { planCronJob } from '../core/controllers/cron-job-plan.js';
import { CRON_JOBS, JOBS } from '../core/controllers/resource-types.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type CJ = CronJob & KubeObject;
type J = Job & KubeObject;

export class CronJobController implements ManagedController {
  readonly name = 'cronjob-controller';
  private ctx!: ControllerContext;
  private cronJobs!: Informer<CJ>;
  private jobs!: Informer<J>;

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.cronJobs = ctx.informer<CJ>(CRON_JOBS);
    this.jobs = ctx.informer<J>(JOBS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    this.cronJobs.addHandlers({ onAdd: enqueue, onUpdate: (_o, cj) => enqueue(cj) });
    const forJob = (j: J): void => {
      const ref = controllerRefOf(j);
      if (ref?.kind !== 'CronJob') return;
      const cj = this.cronJobs.get(j.metadata?.namespace, ref.name);
      if (cj?.metadata?.uid === ref.uid) enqueue(cj);
    };
    this.jobs.addHandlers({ onAdd: forJob, onUpdate: (_o, j) => forJob(j), onDelete: forJob });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const cj = this.cronJobs.get(namespace, name);
    if (!cj) return;
    const { client } = this.ctx;
    const jobs = this.jobs.list(namespace).filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);
    const plan = planCronJob(cj, jobs, this.ctx.clock.now());
    for (const j of plan.replace) {
      try {
        await client.delete(JOBS, namespace, j.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: j.metadata?.uid } });
        this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata?.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const status = { ...plan.status };
    if (plan.create) {
      let job: J | undefined;
      try {
        job = await client.create<J>(JOBS, plan.create as J);
        this.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name}`);
      } catch (err) {
        if ((err as { reason?: string }).reason !== 'AlreadyExists') {
          this.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
          throw err;
        }
        // Made by an earlier pass (the name is the scheduled time): ours only if we own it.
        const existing = await client.get<J>(JOBS, namespace, plan.create.metadata!.name!);
        if (existing && controllerRefOf(existing)?.uid === cj.metadata?.uid) job = existing;
      }
      if (job && !job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') && !(status.active ?? []).some((r) => r.uid === job!.metadata?.uid)) {
        status.active = [...(status.active ?? []), { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name, namespace, uid: job.metadata?.uid, resourceVersion: job.metadata?.resourceVersion }];
      }
    }
    if (!deepEqual(status, cj.status ?? {})) {
      try {
        await client.update(CRON_JOBS, { ...cj, status }, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const e of plan.events) this.events.record(cj, e.type, e.reason, e.message);
    for (const j of plan.deleteHistory) {
      try {
        await client.delete(JOBS, namespace, j.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: j.metadata?.uid } });
        this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata?.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}
