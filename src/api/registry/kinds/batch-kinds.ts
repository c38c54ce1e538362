/**
 * @module batch/v1 Job and CronJob: decoded against their struct tables, defaulted and validated
 * as upstream (core/workloads/job-validation.ts), with status subresources, generation, and
 * kubectl's printer columns (STATUS, COMPLETIONS, DURATION; SCHEDULE, TIMEZONE, SUSPEND, ACTIVE,
 * LAST SCHEDULE).
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { formatLabelSelector } from '../../../core/label-selector.js';
import { ageSince, humanDuration } from '../../../core/pod-printer.js';
import { decodeAs } from '../../../core/pod-decode.js';
import type { KubeObject } from '../../../core/types.js';
import { prepareCronJob, prepareJob } from '../../../core/workloads/job-validation.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

type K<T> = T & KubeObject;

const CONTAINERS = column('Containers', 'Names of each container in the template.', { priority: 1 });
const IMAGES = column('Images', 'Images referenced by each container in the template.', { priority: 1 });

function templateCells(t: PodTemplateSpec | undefined): string[] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

const has = (j: Job, type: string): boolean => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** printJob's STATUS. */
export function jobStatusText(j: Job): string {
  if (has(j, 'Complete')) return 'Complete';
  if (has(j, 'Failed')) return 'Failed';
  if (j.metadata?.deletionTimestamp) return 'Terminating';
  if (has(j, 'Suspended')) return 'Suspended';
  if (has(j, 'FailureTarget')) return 'FailureTarget';
  if (has(j, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsText(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec?.completions !== undefined && j.spec.completions !== null) return `${succeeded}/${j.spec.completions}`;
  const parallelism = j.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationText(j: Job, now: number): string {
  const start = Date.parse(j.status?.startTime ?? '');
  if (!Number.isFinite(start)) return '';
  const end = Date.parse(j.status?.completionTime ?? '');
  return humanDuration((Number.isFinite(end) ? end : now) - start);
}

export const jobKind: KindDefinition<K<Job>> = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  decode: (body) => decodeAs(body, 'Job'),
  prepare: (j, stored) => prepareJob(j, stored) as K<Job>,
  status: true,
  generation: true,
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Status of the job.'),
      column('Completions', 'The desired number of successfully finished pods the job should be run with.'),
      column('Duration', 'Time required to complete the job.'),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
      column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
    ],
    cells: (j, now) => [j.metadata?.name, jobStatusText(j), completionsText(j), durationText(j, now), age(j, now), ...templateCells(j.spec?.template), formatLabelSelector(j.spec?.selector)],
  },
};

export const cronJobKind: KindDefinition<K<CronJob>> = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  decode: (body) => decodeAs(body, 'CronJob'),
  prepare: (cj, stored) => prepareCronJob(cj, stored) as K<CronJob>,
  status: true,
  generation: true,
  table: {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      column('Suspend', 'This flag tells the controller to suspend subsequent executions.'),
      column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
      column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
      column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
    ],
    cells: (cj, now) => [
      cj.metadata?.name,
      cj.spec?.schedule,
      cj.spec?.timeZone ?? '<none>',
      cj.spec?.suspend ? 'True' : 'False',
      (cj.status?.active ?? []).length,
      cj.status?.lastScheduleTime ? ageSince(cj.status.lastScheduleTime, now) : '<none>',
      age(cj, now),
      ...templateCells(cj.spec?.jobTemplate?.spec?.template),
      formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector),
    ],
  },
};
