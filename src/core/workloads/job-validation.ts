/**
 * @module Defaulting and validation of batch/v1 Job and CronJob as the API server does them
 * (pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation, the job strategy's selector
 * generation): parallelism and completions, Indexed mode's limits, backoffLimitPerIndex,
 * podFailurePolicy and successPolicy rules, the generated `batch.kubernetes.io/controller-uid`
 * selector, a template that restarts OnFailure or Never, and the fields an update may not
 * change. CronJobs add their schedule, time zone and policies. Errors read as upstream's.
 */
import type { CronJob, Job, JobSpec, PodFailurePolicyRule } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from '../field-error.js';
import { labelSelectorErrors, selectorMatches } from '../label-selector.js';
import type { Mutable } from '../mutable.js';
import { applyPodTemplateSpecDefaults } from '../pod-defaults.js';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validatePodSpec } from '../pod-validation.js';
import type { PodSpec } from '../types.js';
import { cronScheduleError, timeZoneError } from './cron-schedule.js';
import { parseIndexes } from './job-indexes.js';

type M<T> = Mutable<T> & Record<string, unknown>;

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const MAX_INT32 = 2 ** 31 - 1;
const MAX_INDEXED = 100_000;

const nonNegative = (v: number | undefined, path: string): FieldError[] => (v !== undefined && v !== null && v < 0 ? [fe.invalid(path, v, 'must be greater than or equal to 0')] : []);

/** SetDefaults_Job, on the spec alone (CronJob templates get it too). */
export function defaultJobSpec(spec: JobSpec | undefined): JobSpec {
  const s = { ...spec } as M<JobSpec>;
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  s.completionMode ||= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ||= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (s.podFailurePolicy) {
    s.podFailurePolicy = {
      rules: (s.podFailurePolicy.rules ?? []).map((r) => ({
        ...r,
        ...(r.onPodConditions ? { onPodConditions: r.onPodConditions.map((c) => ({ ...c, status: c.status || 'True' })) } : {}),
      })),
    };
  }
  const t = s.template ?? ({} as PodTemplateSpec);
  s.template = { ...t, spec: applyPodTemplateSpecDefaults((t.spec ?? { containers: [] }) as PodSpec) } as PodTemplateSpec;
  return s;
}

/** The job strategy's generateSelector: the uid and name labels on the template, the uid in the selector. */
function generateSelector(job: M<Job>): void {
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  const spec = job.spec as M<JobSpec>;
  const t = { ...spec.template, metadata: { ...spec.template.metadata } } as M<PodTemplateSpec>;
  const labels = { ...t.metadata!.labels } as Record<string, string>;
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[k] ??= name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[k] ??= uid;
  (t.metadata as Mutable<NonNullable<PodTemplateSpec['metadata']>>).labels = labels;
  spec.template = t;
  const sel = { ...spec.selector };
  sel.matchLabels = { ...sel.matchLabels };
  sel.matchLabels[CONTROLLER_UID_LABEL] ??= uid;
  spec.selector = sel;
}

function podFailurePolicyErrors(rules: readonly PodFailurePolicyRule[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const p = `${path}.rules[${i}]`;
    const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
    if (!actions.includes(r.action)) errs.push(fe.notSupported(`${p}.action`, r.action, actions));
    if (r.onExitCodes && r.onPodConditions) errs.push(fe.invalid(p, 'specifying both OnExitCodes and OnPodConditions is not supported', ''));
    else if (!r.onExitCodes && !r.onPodConditions) errs.push(fe.invalid(p, 'specifying one of OnExitCodes and OnPodConditions is required', ''));
    const ec = r.onExitCodes;
    if (ec) {
      if (ec.operator !== 'In' && ec.operator !== 'NotIn') errs.push(fe.notSupported(`${p}.onExitCodes.operator`, ec.operator, ['In', 'NotIn']));
      const values = ec.values ?? [];
      if (values.length === 0) errs.push(fe.required(`${p}.onExitCodes.values`, 'at least one value is required'));
      values.forEach((v, j) => {
        if (ec.operator === 'In' && v === 0) errs.push(fe.invalid(`${p}.onExitCodes.values[${j}]`, v, 'must not be 0 for the In operator'));
        if (j > 0 && values[j - 1] === v) errs.push(fe.duplicate(`${p}.onExitCodes.values[${j}]`, v));
        if (j > 0 && values[j - 1] > v) errs.push(fe.invalid(`${p}.onExitCodes.values[${j}]`, v, 'must be ordered'));
      });
    }
    (r.onPodConditions ?? []).forEach((c, j) => {
      if (!c.type) errs.push(fe.required(`${p}.onPodConditions[${j}].type`));
      if (!['True', 'False', 'Unknown'].includes(c.status)) errs.push(fe.notSupported(`${p}.onPodConditions[${j}].status`, c.status, ['False', 'True', 'Unknown']));
    });
  });
  return errs;
}

/** ValidateJobSpec: `path` is `spec` for a Job, `spec.jobTemplate.spec` for a CronJob. */
export function jobSpecErrors(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.parallelism, `${path}.parallelism`));
  errs.push(...nonNegative(spec.completions, `${path}.completions`));
  errs.push(...nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  const modes = ['Indexed', 'NonIndexed'];
  if (!modes.includes(spec.completionMode ?? '')) errs.push(fe.notSupported(`${path}.completionMode`, spec.completionMode, modes));
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) errs.push(fe.required(`${path}.completions`, 'when completion mode is Indexed'));
    else if (spec.completions > MAX_INDEXED) errs.push(fe.invalid(`${path}.completions`, spec.completions, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
    if ((spec.parallelism ?? 0) > MAX_INDEXED) errs.push(fe.invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
  }
  if (spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null) {
    errs.push(...nonNegative(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`));
    if (spec.completionMode !== 'Indexed') errs.push(fe.forbidden(`${path}.backoffLimitPerIndex`, 'requires indexed completion mode'));
  }
  if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null) {
    errs.push(...nonNegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (spec.backoffLimitPerIndex === undefined) errs.push(fe.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  const restart = spec.template?.spec?.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') errs.push(fe.notSupported(`${path}.template.spec.restartPolicy`, restart, ['OnFailure', 'Never']));
  if (spec.podFailurePolicy) {
    if (restart !== 'Never') errs.push(fe.invalid(`${path}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
    errs.push(...podFailurePolicyErrors(spec.podFailurePolicy.rules ?? [], `${path}.podFailurePolicy`));
    if ((spec.podFailurePolicy.rules ?? []).some((r) => r.action === 'FailIndex') && spec.backoffLimitPerIndex === undefined) {
      errs.push(fe.invalid(`${path}.podFailurePolicy`, 'FailIndex', 'the FailIndex action can be used only when backoffLimitPerIndex is specified'));
    }
  }
  const policies = ['Failed', 'TerminatingOrFailed'];
  if (!policies.includes(spec.podReplacementPolicy ?? '')) errs.push(fe.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, policies));
  else if (spec.podFailurePolicy && spec.podReplacementPolicy !== 'Failed') {
    errs.push(fe.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
  }
  if (spec.successPolicy) {
    if (spec.completionMode !== 'Indexed') errs.push(fe.invalid(`${path}.successPolicy`, 'NonIndexed', 'requires indexed completion mode'));
    const rules = spec.successPolicy.rules ?? [];
    if (rules.length === 0) errs.push(fe.required(`${path}.successPolicy.rules`, 'at least one rule is required'));
    rules.forEach((r, i) => {
      const p = `${path}.successPolicy.rules[${i}]`;
      if (r.succeededIndexes === undefined && r.succeededCount === undefined) errs.push(fe.required(p, 'at least one of succeededCount or succeededIndexes must be specified'));
      if (r.succeededIndexes !== undefined && !parseIndexes(r.succeededIndexes, spec.completions ?? 0)) {
        errs.push(fe.invalid(`${p}.succeededIndexes`, r.succeededIndexes, 'error parsing indexes'));
      }
      if (r.succeededCount !== undefined) {
        errs.push(...nonNegative(r.succeededCount, `${p}.succeededCount`));
        if (r.succeededCount > (spec.completions ?? 0)) errs.push(fe.invalid(`${p}.succeededCount`, r.succeededCount, `must be less than or equal to ${spec.completions ?? 0} (the number of specified completions)`));
      }
    });
  }
  const t = spec.template;
  if (t) {
    errs.push(...validateLabels(t.metadata?.labels ?? {}, `${path}.template.metadata.labels`));
    errs.push(...validateAnnotations(t.metadata?.annotations ?? {}, `${path}.template.metadata.annotations`));
    for (const e of validatePodSpec(t.spec as PodSpec)) errs.push({ ...e, field: e.field.replace(/^spec/, `${path}.template.spec`) });
  } else errs.push(fe.required(`${path}.template`));
  return errs;
}

export function prepareJob(job: Job, stored: Job | undefined): Job {
  const out = structuredClone(job) as M<Job>;
  out.spec = defaultJobSpec(out.spec);
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'Job', true)];
  const spec = out.spec;
  if (!stored) {
    if (spec.manualSelector !== true) generateSelector(out);
    if (!spec.selector) errs.push(fe.required('spec.selector'));
    else {
      errs.push(...labelSelectorErrors(spec.selector, 'spec.selector'));
      if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
        errs.push(fe.invalid('spec.template.metadata.labels', spec.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
      }
      if (spec.manualSelector !== true && spec.selector.matchLabels?.[CONTROLLER_UID_LABEL] !== out.metadata?.uid) {
        errs.push(fe.invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
      }
    }
  }
  errs.push(...jobSpecErrors(spec, 'spec'));
  if (stored) {
    const was = stored.spec!;
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    if (!deepEqual(spec.selector, was.selector)) errs.push(fe.invalid('spec.selector', spec.selector, 'field is immutable'));
    // The template may change only while the Job is suspended and has never started (upstream's mutable scheduling directives, simplified).
    const startedBefore = stored.status?.startTime !== undefined;
    if (!deepEqual(spec.template, was.template) && !(was.suspend && !startedBefore)) errs.push(fe.invalid('spec.template', 'PodTemplateSpec', 'field is immutable'));
    const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && was.completions === was.parallelism;
    if (spec.completions !== was.completions && !elastic) errs.push(fe.invalid('spec.completions', spec.completions, 'field is immutable'));
    if (spec.completionMode !== was.completionMode) errs.push(fe.invalid('spec.completionMode', spec.completionMode, 'field is immutable'));
    if (!deepEqual(spec.podFailurePolicy, was.podFailurePolicy)) errs.push(fe.invalid('spec.podFailurePolicy', 'PodFailurePolicy', 'field is immutable'));
    if (spec.backoffLimitPerIndex !== was.backoffLimitPerIndex) errs.push(fe.invalid('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, 'field is immutable'));
    if (!deepEqual(spec.successPolicy, was.successPolicy)) errs.push(fe.invalid('spec.successPolicy', 'SuccessPolicy', 'field is immutable'));
  }
  throwIfInvalid('Job.batch', out.metadata?.name ?? '', errs);
  return out;
}

export function prepareCronJob(cj: CronJob, stored: CronJob | undefined): CronJob {
  const out = structuredClone(cj) as M<CronJob>;
  const spec = (out.spec = { ...out.spec } as NonNullable<CronJob['spec']>) as M<NonNullable<CronJob['spec']>>;
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const tmpl = { ...spec.jobTemplate };
  tmpl.spec = defaultJobSpec(tmpl.spec);
  spec.jobTemplate = tmpl;
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'CronJob', true)];
  const name = out.metadata?.name ?? '';
  // The Job's name is <cronjob>-<minutes since the epoch>: 11 characters on top of the CronJob's.
  if (name.length > 52) errs.push(fe.invalid('metadata.name', name, 'must be no more than 52 characters'));
  if (!spec.schedule) errs.push(fe.required('spec.schedule'));
  else {
    const bad = cronScheduleError(spec.schedule);
    if (bad) errs.push(fe.invalid('spec.schedule', spec.schedule, bad));
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    const bad = timeZoneError(spec.timeZone);
    if (bad) errs.push(fe.invalid('spec.timeZone', spec.timeZone, bad));
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (!policies.includes(spec.concurrencyPolicy)) errs.push(fe.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, policies));
  const jt = spec.jobTemplate.spec!;
  if (jt.manualSelector === true || jt.selector) {
    // The controller generates each Job's selector; a template that selects is upstream's error too.
    if (jt.selector) errs.push(fe.invalid('spec.jobTemplate.spec.selector', jt.selector, '`selector` will be auto-generated'));
  }
  errs.push(...jobSpecErrors(jt, 'spec.jobTemplate.spec'));
  if (stored) errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
  throwIfInvalid('CronJob.batch', name, errs);
  return out;
}
