/**
 * @module The CronJob controller's decisions (upstream pkg/controller/cronjob, v2), pure: which
 * of its Jobs are still active, whether a scheduled time is due (the latest one since the last
 * schedule: at most one catch-up run after downtime, a warning past 100 missed, nothing older
 * than startingDeadlineSeconds), what concurrencyPolicy allows, the Job to create (named
 * `<cronjob>-<minutes since the epoch>`, so a restart never creates it twice), the history to
 * trim, and when the next schedule falls due.
 */
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { CronSchedule, mostRecentScheduleTime, timeZoneError } from '../workloads/cron-schedule.js';
import { newControllerRef } from './controller-ref.js';
import { jobCondition } from './job-plan.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CronJobPlan {
  /** The Job to create for the due schedule. */
  create?: Job;
  /** Active Jobs to delete first (concurrencyPolicy Replace). */
  replace: Job[];
  /** Finished Jobs beyond the history limits, oldest first. */
  deleteHistory: Job[];
  status: CronJobStatus;
  events: CronJobEvent[];
  /** Look again when the next schedule falls due. */
  requeueAfterMs?: number;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  if (jobCondition(job, 'Complete')) return 'Complete';
  if (jobCondition(job, 'Failed')) return 'Failed';
  return undefined;
}

/** The Job's name for a scheduled time: minutes since the epoch, as upstream's getJobName. */
export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata?.name}-${Math.floor(scheduled / 60_000)}`;
}

/** The Job a CronJob makes from its template (also `kubectl create job --from`, client-side). */
export function jobFromTemplate(cj: CronJob, scheduled: number): Job {
  const t = cj.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata?.namespace,
      labels: { ...t.metadata?.labels },
      annotations: { ...t.metadata?.annotations, [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
      ownerReferences: [newControllerRef(cj as never, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(t.spec),
  } as Job;
}

function ref(job: Job): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name, namespace: job.metadata?.namespace, uid: job.metadata?.uid, resourceVersion: job.metadata?.resourceVersion };
}

export function planCronJob(cj: CronJob, jobs: readonly Job[], now: number): CronJobPlan {
  const spec = cj.spec!;
  const plan: CronJobPlan = { replace: [], deleteHistory: [], status: { ...cj.status }, events: [] };
  const status = plan.status;
  // The active list follows the Jobs: finished or gone ones leave it.
  const byUid = new Map(jobs.map((j) => [j.metadata?.uid, j]));
  const active: ObjectReference[] = [];
  for (const r of cj.status?.active ?? []) {
    const j = byUid.get(r.uid);
    if (!j) {
      plan.events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${r.name}` });
      continue;
    }
    if (finishedAs(j)) {
      plan.events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${j.metadata?.name}, condition: ${finishedAs(j)}` });
      continue;
    }
    active.push(r);
  }
  for (const j of jobs) if (!finishedAs(j) && !active.some((r) => r.uid === j.metadata?.uid) && !j.metadata?.deletionTimestamp) active.push(ref(j));
  for (const j of jobs) {
    if (finishedAs(j) !== 'Complete') continue;
    const done = jobCondition(j, 'Complete')?.lastTransitionTime ?? j.status?.completionTime;
    if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
  }
  status.active = active.length ? active : undefined;
  if (!status.active) delete status.active;
  plan.deleteHistory = historyToDelete(jobs, spec.successfulJobsHistoryLimit ?? 3, spec.failedJobsHistoryLimit ?? 1);
  if (cj.metadata?.deletionTimestamp) return plan;
  if (spec.timeZone && timeZoneError(spec.timeZone)) {
    plan.events.push({ type: 'Warning', reason: 'UnknownTimeZone', message: `invalid timeZone: "${spec.timeZone}": unknown time zone ${spec.timeZone}` });
    return plan;
  }
  if (spec.suspend) return plan;
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(spec.schedule, spec.timeZone ?? undefined);
  } catch (err) {
    plan.events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: "${spec.schedule}" : ${(err as Error).message}` });
    return plan;
  }
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || now;
  if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null) earliest = Math.max(earliest, now - spec.startingDeadlineSeconds * 1000);
  const due = mostRecentScheduleTime(schedule, earliest, now);
  if (due.next !== undefined) plan.requeueAfterMs = due.next - now + 100;
  if (due.missed === 'many') {
    plan.events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  }
  const scheduled = due.scheduled;
  if (scheduled === undefined) return plan;
  if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null && scheduled + spec.startingDeadlineSeconds * 1000 < now) {
    plan.events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${new Date(scheduled).toISOString()}` });
    return plan;
  }
  const name = jobNameFor(cj, scheduled);
  if (jobs.some((j) => j.metadata?.name === name) || (cj.status?.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) >= scheduled)) return plan;
  if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    plan.events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return plan;
  }
  if (spec.concurrencyPolicy === 'Replace') plan.replace = active.map((r) => byUid.get(r.uid)).filter((j): j is Job => j !== undefined);
  plan.create = jobFromTemplate(cj, scheduled);
  status.lastScheduleTime = rfc3339(scheduled);
  return plan;
}

/** Finished Jobs over the limits, oldest (by start, then creation) first. */
function historyToDelete(jobs: readonly Job[], successfulLimit: number, failedLimit: number): Job[] {
  const startOf = (j: Job): number => Date.parse(j.status?.startTime ?? j.metadata?.creationTimestamp ?? '') || 0;
  const out: Job[] = [];
  for (const [kind, limit] of [['Complete', successfulLimit], ['Failed', failedLimit]] as const) {
    const done = jobs.filter((j) => finishedAs(j) === kind && !j.metadata?.deletionTimestamp).sort((a, b) => startOf(a) - startOf(b));
    out.push(...done.slice(0, Math.max(0, done.length - limit)));
  }
  return out;
}
