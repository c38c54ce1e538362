/**
 * @module The Job controller's decisions (upstream pkg/controller/job), pure: given the Job, the
 * pods it owns and the clock, what to write. Finished pods are tracked through the
 * `batch.kubernetes.io/job-tracking` finalizer in three steps that survive a crash at any point:
 * (1) their UIDs go into status.uncountedTerminatedPods, (2) their finalizers are removed,
 * (3) UIDs whose pods no longer hold the finalizer move into the counters. So a pod is counted
 * once: before step 1 it is not counted, after step 3 it is, and in between the status says
 * which pods are on their way. Then: the conditions (SuccessCriteriaMet then Complete,
 * FailureTarget then Failed once no pod still runs, Suspended), how many pods to create (by
 * index for Indexed Jobs, after the exponential failure back-off) or delete, and when to look
 * again (back-off, activeDeadlineSeconds).
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from '../types.js';
import { formatIndexes, parseIndexes } from '../workloads/job-indexes.js';
import { comparePodsForDeletion, isPodReady } from './pod-readiness.js';
import {
  completionIndex,
  finishTime,
  hasTrackingFinalizer,
  isPodFailed,
  isPodFinished,
  isPodSucceeded,
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
  matchPodFailurePolicy,
} from './job-pods.js';

/** The pod back-off: 10 s doubling per failure since the last success, at most 6 minutes (upstream DefaultJobPodFailureBackOff). */
export const JOB_BACKOFF_BASE_MS = 10_000;
export const JOB_BACKOFF_MAX_MS = 6 * 60_000;
/** Pods a pass creates at most (upstream MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Step 1: the status with new UIDs in uncountedTerminatedPods (written before anything else). */
  recordUncounted?: JobStatus;
  /** Step 2: pods whose tracking finalizer goes (once recordUncounted, if any, is written). */
  removeFinalizers: Pod[];
  /** Completion indexes (undefined for NonIndexed) of pods to create. */
  create: (number | undefined)[];
  /** Per-index failure counts for the indexes created (backoffLimitPerIndex). */
  indexFailures: Map<number, { failed: number; ignored: number }>;
  delete: Pod[];
  /** Step 3 and the rest: the status to write at the end of the pass. */
  status: JobStatus;
  events: JobEvent[];
  /** Look again after so long (back-off, deadline). */
  requeueAfterMs?: number;
  /** The Job finished in this pass (for the TTL and the CronJob). */
  finished?: 'Complete' | 'Failed';
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function jobCondition(job: { status?: JobStatus }, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed (true conditions): the Job is done and its pods are all accounted for. */
export function jobFinished(job: { status?: JobStatus }): 'Complete' | 'Failed' | undefined {
  if (jobCondition(job, 'Complete')) return 'Complete';
  if (jobCondition(job, 'Failed')) return 'Failed';
  return undefined;
}

function setCondition(conds: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const i = conds.findIndex((c) => c.type === type);
  const at = rfc3339(now);
  if (i >= 0) {
    const c = conds[i];
    if (c.status === status && c.reason === reason && c.message === message) return false;
    conds[i] = { ...c, status, reason, message, lastProbeTime: at, ...(c.status !== status ? { lastTransitionTime: at } : {}) };
    return true;
  }
  conds.push({ type, status, reason, message, lastProbeTime: at, lastTransitionTime: at });
  return true;
}

/** Pod back-off remaining before another pod may be created (0 when none). */
export function backoffRemainingMs(failuresSinceSuccess: number, lastFailureAt: number, now: number): number {
  if (failuresSinceSuccess <= 0) return 0;
  const delay = Math.min(JOB_BACKOFF_BASE_MS * 2 ** (failuresSinceSuccess - 1), JOB_BACKOFF_MAX_MS);
  return Math.max(0, lastFailureAt + delay - now);
}

export function planJob(job: Job, pods: readonly Pod[], now: number, opts: { manage: boolean } = { manage: true }): JobPlan {
  const spec = job.spec!;
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? undefined;
  const parallelism = spec.parallelism ?? 1;
  const old = job.status ?? {};
  const plan: JobPlan = { removeFinalizers: [], create: [], delete: [], indexFailures: new Map(), status: {}, events: [] };
  const conds: JobCondition[] = (old.conditions ?? []).map((c) => ({ ...c }));
  const status: JobStatus = { ...old };
  const finishedAlready = jobFinished(job);

  // --- 1. pods that finished and are still held by the finalizer: on their way to be counted.
  const uncounted = { succeeded: [...(old.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(old.uncountedTerminatedPods?.failed ?? [])] };
  const inUncounted = new Set([...uncounted.succeeded, ...uncounted.failed]);
  const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
  let addedUncounted = false;
  let failJob: { reason: string; message: string } | undefined;
  const failedIndexes = parseIndexes(old.failedIndexes ?? '', completions ?? 0) ?? new Set<number>();
  const completedIndexes = parseIndexes(old.completedIndexes ?? '', completions ?? 0) ?? new Set<number>();
  for (const p of pods) {
    const uid = p.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(p)) continue;
    // Pods a suspension stops are neither failures nor completions.
    if (spec.suspend === true && p.metadata?.deletionTimestamp !== undefined && p.status?.phase !== 'Succeeded' && !inUncounted.has(uid)) {
      plan.removeFinalizers.push(p);
      continue;
    }
    if (!isPodFinished(p, job)) continue;
    if (!inUncounted.has(uid)) {
      // A failed pod that a podFailurePolicy Ignore rule matches is never counted.
      const rule = isPodSucceeded(p) ? undefined : matchPodFailurePolicy(job, p);
      if (rule?.action !== 'Ignore') (isPodSucceeded(p) ? uncounted.succeeded : uncounted.failed).push(uid);
      inUncounted.add(uid);
      addedUncounted = true;
    }
    plan.removeFinalizers.push(p);
  }
  if (addedUncounted) plan.recordUncounted = { ...old, uncountedTerminatedPods: { succeeded: uncounted.succeeded, failed: uncounted.failed } };

  // --- 3. UIDs whose pods no longer hold the finalizer (or are gone) move into the counters.
  const removing = new Set(plan.removeFinalizers.map((p) => p.metadata?.uid));
  let succeeded = old.succeeded ?? 0;
  let failed = old.failed ?? 0;
  const stillUncounted = { succeeded: [] as string[], failed: [] as string[] };
  for (const [kind, uids] of [['succeeded', uncounted.succeeded], ['failed', uncounted.failed]] as const) {
    for (const uid of uids) {
      const p = byUid.get(uid);
      if (p && hasTrackingFinalizer(p) && !removing.has(uid)) {
        stillUncounted[kind].push(uid);
        continue;
      }
      if (kind === 'succeeded') {
        succeeded++;
        const i = p && indexed ? completionIndex(p, completions ?? 0) : undefined;
        if (i !== undefined) completedIndexes.add(i);
      } else {
        failed++;
        if (p && indexed && spec.backoffLimitPerIndex !== undefined) {
          const i = completionIndex(p, completions ?? 0);
          const count = Number(p.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT] ?? 0) + 1;
          const rule = matchPodFailurePolicy(job, p);
          if (i !== undefined && (rule?.action === 'FailIndex' || count > spec.backoffLimitPerIndex)) failedIndexes.add(i);
        }
      }
    }
  }
  // A pod that failed while the Job is counted but not finished: a FailJob rule ends the Job.
  for (const p of pods) {
    if (!isPodFailed(p, job) || !hasTrackingFinalizer(p)) continue;
    const rule = matchPodFailurePolicy(job, p);
    if (rule?.action === 'FailJob' && !failJob) failJob = { reason: 'PodFailurePolicy', message: rule.message };
  }
  status.succeeded = succeeded;
  status.failed = failed;
  if (indexed) {
    status.completedIndexes = formatIndexes([...completedIndexes].filter((i) => !failedIndexes.has(i)));
    if (spec.backoffLimitPerIndex !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
  }
  status.uncountedTerminatedPods = stillUncounted;

  // --- the pods that still run.
  const active = pods.filter((p) => !isPodFinished(p, job) && p.metadata?.deletionTimestamp === undefined);
  const terminating = pods.filter((p) => p.metadata?.deletionTimestamp !== undefined && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
  status.active = active.length;
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating.length;

  // --- 2. decide the Job's fate.
  const hasCondition = (type: string): boolean => conds.some((c) => c.type === type && c.status === 'True');
  const suspended = spec.suspend === true;
  if (!finishedAlready && !hasCondition('FailureTarget') && !hasCondition('SuccessCriteriaMet')) {
    // Started: the first pass that may run pods sets startTime (again after a resume).
    if (!suspended && !status.startTime) status.startTime = rfc3339(now);
    const restarts = spec.template?.spec?.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0)), 0) : 0;
    const deadline = spec.activeDeadlineSeconds !== undefined && status.startTime && !suspended ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
    if (failJob) {
      // as found above
    } else if (failed + restarts > (spec.backoffLimit ?? 6)) {
      failJob = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    } else if (deadline !== undefined && now >= deadline) {
      failJob = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    } else if (indexed && spec.maxFailedIndexes !== undefined && failedIndexes.size > spec.maxFailedIndexes) {
      failJob = { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
    }
    if (deadline !== undefined && now < deadline) plan.requeueAfterMs = deadline - now;
    let success: { reason: string; message: string } | undefined;
    if (!failJob) {
      const policy = indexed ? successPolicyMet(job, completedIndexes) : undefined;
      const done = [...completedIndexes].filter((i) => !failedIndexes.has(i)).length;
      if (policy) success = { reason: 'SuccessPolicy', message: 'Matched rules at index ' + policy };
      else if (indexed) {
        if (done + failedIndexes.size >= (completions ?? 0)) {
          if (failedIndexes.size > 0) failJob = { reason: 'FailedIndexes', message: 'Job has failed indexes' };
          else success = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
        }
      } else if (!indexed && completions !== undefined && succeeded >= completions) {
        success = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
      } else if (!indexed && completions === undefined && succeeded > 0 && active.length === 0) {
        success = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
      }
    }
    if (failJob) {
      setCondition(conds, 'FailureTarget', 'True', failJob.reason, failJob.message, now);
      plan.events.push({ type: 'Warning', reason: failJob.reason, message: failJob.message });
    } else if (success) {
      setCondition(conds, 'SuccessCriteriaMet', 'True', success.reason, success.message, now);
    }
  }

  // --- 3b. suspension, and what runs.
  const stopping = hasCondition('FailureTarget') || hasCondition('SuccessCriteriaMet') || finishedAlready !== undefined;
  if (!stopping) {
    const was = conds.find((c) => c.type === 'Suspended');
    if (suspended) {
      if (setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    } else if (was?.status === 'True') {
      setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      status.startTime = rfc3339(now);
    }
  }
  if (suspended && !stopping) delete status.startTime;

  if (opts.manage) {
    if (stopping || suspended) {
      plan.delete = [...active];
    } else {
      manageActive(job, pods, active, { indexed, completions, parallelism, succeeded, completedIndexes, failedIndexes, now }, plan);
    }
  }

  // --- the final conditions, once no pod of the Job still runs or waits to be counted.
  const ending = hasCondition('FailureTarget') || hasCondition('SuccessCriteriaMet');
  const settled = active.length === 0 && terminating.length === 0 && pods.every((p) => !hasTrackingFinalizer(p) || removing.has(p.metadata?.uid));
  if (!finishedAlready && ending && settled) {
    const target = conds.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    const met = conds.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
    if (target) {
      setCondition(conds, 'Failed', 'True', target.reason ?? 'BackoffLimitExceeded', target.message ?? '', now);
      plan.finished = 'Failed';
    } else if (met) {
      setCondition(conds, 'Complete', 'True', met.reason ?? 'CompletionsReached', met.message ?? '', now);
      status.completionTime = rfc3339(now);
      plan.finished = 'Complete';
      plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    }
  }
  status.conditions = conds.length ? conds : undefined;
  if (!status.conditions) delete status.conditions;
  if (status.terminating === 0 && old.terminating === undefined) delete status.terminating;
  plan.status = status;
  return plan;
}


/** The first successPolicy rule the completed indexes satisfy (its index as text), if any. */
function successPolicyMet(job: Job, completed: ReadonlySet<number>): string | undefined {
  const rules = job.spec?.successPolicy?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const among = r.succeededIndexes !== undefined ? parseIndexes(r.succeededIndexes, job.spec?.completions ?? 0) : undefined;
    const count = among ? [...among].filter((x) => completed.has(x)).length : completed.size;
    const needed = r.succeededCount ?? among?.size ?? 0;
    if (count >= needed && (among === undefined || r.succeededCount !== undefined || [...among].every((x) => completed.has(x)))) return String(i);
  }
  return undefined;
}

interface ManageInput {
  indexed: boolean;
  completions: number | undefined;
  parallelism: number;
  succeeded: number;
  completedIndexes: ReadonlySet<number>;
  failedIndexes: ReadonlySet<number>;
  now: number;
}

/** How many pods to create (after the back-off) or which to delete to reach the parallelism. */
function manageActive(job: Job, pods: readonly Pod[], active: readonly Pod[], m: ManageInput, plan: JobPlan): void {
  // Failures since the last success, and when the last one happened: the exponential back-off.
  const lastSuccess = Math.max(0, ...pods.filter(isPodSucceeded).map(finishTime));
  const failures = pods.filter((p) => isPodFailed(p, job) && finishTime(p) >= lastSuccess && matchPodFailurePolicy(job, p)?.action !== 'Ignore');
  const wait = backoffRemainingMs(failures.length, Math.max(0, ...failures.map(finishTime)), m.now);
  if (m.indexed) {
    const completions = m.completions ?? 0;
    const busy = new Set<number>();
    const dupes: Pod[] = [];
    for (const p of [...active].sort((a, b) => Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? ''))) {
      const i = completionIndex(p, completions);
      if (i === undefined || busy.has(i) || m.completedIndexes.has(i) || m.failedIndexes.has(i)) dupes.push(p);
      else busy.add(i);
    }
    plan.delete.push(...dupes);
    const room = Math.min(m.parallelism - busy.size, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (room <= 0) {
      if (busy.size > m.parallelism) plan.delete.push(...active.filter((p) => !dupes.includes(p)).sort(comparePodsForDeletion).slice(0, busy.size - m.parallelism));
      return;
    }
    // A pod replaced while the old one still terminates waits (podReplacementPolicy Failed).
    const terminatingIdx = new Set(pods.filter((p) => p.metadata?.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).map((p) => completionIndex(p, completions)));
    const perIndex = job.spec?.backoffLimitPerIndex !== undefined;
    for (let i = 0; i < completions && plan.create.length < room; i++) {
      if (busy.has(i) || m.completedIndexes.has(i) || m.failedIndexes.has(i)) continue;
      if (job.spec?.podReplacementPolicy === 'Failed' && terminatingIdx.has(i)) continue;
      const prior = pods.filter((p) => completionIndex(p, completions) === i && isPodFailed(p, job));
      if (perIndex) {
        // The per-index back-off and failure count follow the index's own failures.
        const last = prior.sort((a, b) => finishTime(b) - finishTime(a))[0];
        const failed = Number(last?.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT] ?? -1) + (last ? 1 : 0);
        const ignored = Number(last?.metadata?.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT] ?? 0);
        const left = backoffRemainingMs(prior.length, last ? finishTime(last) : 0, m.now);
        if (left > 0) {
          plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, left);
          continue;
        }
        plan.indexFailures.set(i, { failed: Math.max(0, failed), ignored });
      } else if (wait > 0 && prior.length > 0) {
        plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
        break;
      }
      plan.create.push(i);
    }
    return;
  }
  const want = m.completions === undefined ? (m.succeeded > 0 ? 0 : m.parallelism) : Math.max(0, Math.min(m.parallelism, m.completions - m.succeeded));
  const terminatingCount = job.spec?.podReplacementPolicy === 'Failed' ? pods.filter((p) => p.metadata?.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).length : 0;
  const diff = want - active.length - terminatingCount;
  if (diff > 0) {
    if (wait > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
    else for (let i = 0; i < Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC); i++) plan.create.push(undefined);
  } else if (active.length > want) {
    plan.delete.push(...[...active].sort(comparePodsForDeletion).slice(0, active.length - want));
  }
}
