import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { cronScheduleError, CronSchedule, mostRecentScheduleTime, timeZoneError } from '../workloads/cron-schedule.js';
import { prepareCronJob } from '../workloads/job-validation.js';
import { planCronJob } from './cron-job-plan.js';

const T = (s: string): number => Date.parse(s);
const cronJob = (spec: Partial<CronJob['spec']>, status: CronJob['status'] = {}, created = '2024-01-01T00:00:00Z'): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: created },
  spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec } as CronJob['spec'],
  status,
});
const job = (name: string, uid: string, done?: 'Complete' | 'Failed', start = '2024-01-01T00:00:00Z'): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default', uid, creationTimestamp: start },
  status: { startTime: start, ...(done ? { conditions: [{ type: done, status: 'True', lastTransitionTime: start }] } : {}) },
});

test('schedules: five fields and descriptors; TZ in the schedule, six fields and bad time zones refused with upstream words', () => {
  assert.equal(cronScheduleError('*/5 * * * *'), undefined);
  assert.equal(cronScheduleError('@hourly'), undefined);
  assert.equal(cronScheduleError('0 0 * * MON-FRI'), undefined);
  assert.match(cronScheduleError('* * * * * *')!, /expected exactly 5 fields, found 6/);
  assert.equal(cronScheduleError('TZ=UTC 0 * * * *'), 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  assert.match(cronScheduleError('@every-day')!, /unrecognized descriptor/);
  assert.equal(timeZoneError('Europe/Paris'), undefined);
  assert.equal(timeZoneError('Mars/Olympus'), 'unknown time zone Mars/Olympus');
  assert.throws(() => prepareCronJob(cronJob({ schedule: 'every minute' }), undefined), /spec.schedule: Invalid value: "every minute"/);
  assert.throws(() => prepareCronJob(cronJob({ timeZone: 'Mars/Olympus' }), undefined), /spec.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
});

test('a time zone moves the schedule: 09:00 in New York is 14:00 UTC in January', () => {
  const s = new CronSchedule('0 9 * * *', 'America/New_York');
  assert.equal(s.next(T('2024-01-01T00:00:00Z')), T('2024-01-01T14:00:00Z'));
});

test('nothing due before the first schedule; due at it, with the Job named by minutes since the epoch and requeued for the next', () => {
  const early = planCronJob(cronJob({}), [], T('2024-01-01T00:04:00Z'));
  assert.equal(early.create, undefined);
  assert.equal(early.requeueAfterMs, 60_000 + 100);
  const due = planCronJob(cronJob({}), [], T('2024-01-01T00:05:01Z'));
  assert.equal(due.create?.metadata?.name, `hello-${T('2024-01-01T00:05:00Z') / 60_000}`);
  assert.equal(due.create?.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T00:05:00Z');
  assert.equal(due.status.lastScheduleTime, '2024-01-01T00:05:00Z');
  assert.equal(due.requeueAfterMs, 5 * 60_000 - 1_000 + 100);
});

test('after downtime: one catch-up run for the latest missed time only; past 100 missed, a TooManyMissedTimes warning; startingDeadlineSeconds skips a late one', () => {
  const three = planCronJob(cronJob({}, { lastScheduleTime: '2024-01-01T00:00:00Z' }), [], T('2024-01-01T03:02:00Z'));
  assert.equal(three.create?.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T03:00:00Z');
  assert.deepEqual(three.events, []);
  const days = planCronJob(cronJob({}, { lastScheduleTime: '2024-01-01T00:00:00Z' }), [], T('2024-01-03T00:02:00Z'));
  assert.equal(days.create?.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-03T00:00:00Z');
  assert.deepEqual(days.events.map((e) => e.reason), ['TooManyMissedTimes']);
  const late = planCronJob(cronJob({ startingDeadlineSeconds: 60 }, { lastScheduleTime: '2024-01-01T00:00:00Z' }), [], T('2024-01-01T03:02:00Z'));
  assert.equal(late.create, undefined, 'the 03:00 run is more than 60 s late');
  assert.equal(late.requeueAfterMs, 3 * 60_000 + 100);
  const m = mostRecentScheduleTime(new CronSchedule('* * * * *'), T('2020-01-01T00:00:00Z'), T('2024-01-01T00:00:30Z'));
  assert.equal(m.scheduled, T('2024-01-01T00:00:00Z'));
  assert.equal(m.missed, 'many');
});

test('concurrencyPolicy: Forbid waits for the running Job, Replace deletes it, Allow runs both; suspend makes nothing', () => {
  const active = { active: [{ kind: 'Job', name: 'hello-1', uid: 'j1' }], lastScheduleTime: '2024-01-01T00:00:00Z' };
  const now = T('2024-01-01T00:05:01Z');
  const running = [job('hello-1', 'j1')];
  const forbid = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }, active), running, now);
  assert.equal(forbid.create, undefined);
  assert.deepEqual(forbid.events.map((e) => e.reason), ['JobAlreadyActive']);
  const replace = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }, active), running, now);
  assert.deepEqual(replace.replace.map((j) => j.metadata?.name), ['hello-1']);
  assert.ok(replace.create);
  const allow = planCronJob(cronJob({}, active), running, now);
  assert.ok(allow.create);
  assert.equal(allow.replace.length, 0);
  assert.equal(planCronJob(cronJob({ suspend: true }, active), running, now).create, undefined);
});

test('history: finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit go, oldest first; finished ones leave status.active', () => {
  const jobs = [
    job('a', '1', 'Complete', '2024-01-01T00:01:00Z'),
    job('b', '2', 'Complete', '2024-01-01T00:02:00Z'),
    job('c', '3', 'Complete', '2024-01-01T00:03:00Z'),
    job('d', '4', 'Complete', '2024-01-01T00:04:00Z'),
    job('e', '5', 'Failed', '2024-01-01T00:01:30Z'),
    job('f', '6', 'Failed', '2024-01-01T00:02:30Z'),
  ];
  const plan = planCronJob(cronJob({ successfulJobsHistoryLimit: 2 }, { active: [{ name: 'd', uid: '4' }] }), jobs, T('2024-01-01T00:04:30Z'));
  assert.deepEqual(plan.deleteHistory.map((j) => j.metadata?.name), ['a', 'b', 'e']);
  assert.equal(plan.status.active, undefined);
  assert.equal(plan.status.lastSuccessfulTime, '2024-01-01T00:04:00Z');
  assert.ok(plan.events.some((e) => e.reason === 'SawCompletedJob' && e.message === 'Saw completed job: d, condition: Complete'));
});
