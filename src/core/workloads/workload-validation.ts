/**
 * @module Defaulting and validation of the workload kinds as the API server does them
 * (pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation, core's ReplicationController): the
 * selector must select the template's labels and cannot change, replicas are not negative, the
 * template is a valid pod template that restarts Always, the strategies are well formed. Errors
 * name the field and read as upstream's.
 */
import type { DaemonSet, Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { deepEqual } from '../deep-equal.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from '../field-error.js';
import { goLabelSelector, goStringMap, isEmptySelector, labelSelectorErrors, selectorMatches } from '../label-selector.js';
import type { Mutable } from '../mutable.js';
import { applyPodTemplateSpecDefaults } from '../pod-defaults.js';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validatePodSpec } from '../pod-validation.js';
import type { PodSpec } from '../types.js';
import { parseIntOrPercent } from './int-or-percent.js';

type M<T> = Mutable<T> & Record<string, unknown>;

/** An Invalid cause whose value is printed as Go prints it (%#v), not quoted. */
function invalidGo(field: string, goValue: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${goValue}: ${detail}` };
}

function defaultTemplate(t: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  if (!t) return t;
  return { ...t, spec: applyPodTemplateSpecDefaults((t.spec ?? { containers: [] }) as PodSpec) };
}

/** The errors of a pod template: labels, and the pod spec with its fields under `path`. */
function templateErrors(t: PodTemplateSpec | undefined, path: string, opts: { restartAlways: boolean; noDeadline?: boolean }): FieldError[] {
  if (!t) return [fe.required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(t.metadata?.labels ?? {}, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations ?? {}, `${path}.metadata.annotations`));
  for (const e of validatePodSpec(t.spec as PodSpec)) errs.push({ ...e, field: e.field.replace(/^spec/, `${path}.spec`) });
  const restart = t.spec?.restartPolicy;
  if (opts.restartAlways && restart && restart !== 'Always') errs.push(fe.notSupported(`${path}.spec.restartPolicy`, restart, ['Always']));
  if (opts.noDeadline && t.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(fe.forbidden(`${path}.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** The selector: required, not empty, valid, and selecting the template's labels. */
function selectorErrors(sel: LabelSelector | undefined, t: PodTemplateSpec | undefined, what: string): FieldError[] {
  if (!sel) return [fe.required('spec.selector')];
  const errs = labelSelectorErrors(sel, 'spec.selector');
  if (isEmptySelector(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${what}`));
  else if (t && !selectorMatches(sel, t.metadata?.labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(t.metadata?.labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

function nonNegative(v: number | undefined, path: string): FieldError[] {
  return v !== undefined && v < 0 ? [fe.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

function immutableSelector(next: LabelSelector | undefined, prev: LabelSelector | undefined): FieldError[] {
  return deepEqual(next ?? null, prev ?? null) ? [] : [invalidGo('spec.selector', goLabelSelector(next), 'field is immutable')];
}

/** `maxSurge`/`maxUnavailable`: a non-negative integer or a percentage of at most 100 %. */
function intOrPercentErrors(v: number | string | undefined, path: string): FieldError[] {
  if (v === undefined) return [];
  const parsed = parseIntOrPercent(v);
  if (!parsed) return [fe.invalid(path, v, 'a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')')];
  const errs = nonNegative(parsed.value, path);
  if (parsed.percent && parsed.value > 100) errs.push(fe.invalid(path, v, 'must not be greater than 100%'));
  return errs;
}

const isZero = (v: number | string | undefined): boolean => {
  const p = v === undefined ? undefined : parseIntOrPercent(v);
  return p !== undefined && p.value === 0;
};

// --- Deployment -------------------------------------------------------------------------------

export function prepareDeployment(d: Deployment, stored: Deployment | undefined): Deployment {
  const out = structuredClone(d) as M<Deployment>;
  const spec = (out.spec ??= { selector: undefined as never, template: undefined as never }) as M<NonNullable<Deployment['spec']>>;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {}) as M<NonNullable<NonNullable<Deployment['spec']>['strategy']>>;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate = { ...strategy.rollingUpdate }) as M<{ maxUnavailable?: number | string; maxSurge?: number | string }>;
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template = defaultTemplate(spec.template) as PodTemplateSpec;

  const errs = [...validateObjectMeta(out.metadata ?? {}, 'Deployment', true)];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...selectorErrors(spec.selector, spec.template, 'deployment'));
  errs.push(...templateErrors(spec.template, 'spec.template', { restartAlways: true, noDeadline: true }));
  if (strategy.type !== 'RollingUpdate' && strategy.type !== 'Recreate') errs.push(fe.notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) errs.push(fe.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? {};
    errs.push(...intOrPercentErrors(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...intOrPercentErrors(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      errs.push(fe.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    errs.push(fe.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  if (stored) {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    errs.push(...immutableSelector(spec.selector, stored.spec?.selector));
  }
  throwIfInvalid('Deployment.apps', out.metadata?.name ?? '', errs);
  return out;
}

export function validateDeploymentStatus(d: Deployment): Deployment {
  const s = d.status ?? {};
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'observedGeneration'] as const) {
    errs.push(...nonNegative(s[f], `status.${f}`));
  }
  throwIfInvalid('Deployment.apps', d.metadata?.name ?? '', errs);
  return d;
}

// --- ReplicaSet and ReplicationController -------------------------------------------------------

export function prepareReplicaSet(rs: ReplicaSet, stored: ReplicaSet | undefined): ReplicaSet {
  const out = structuredClone(rs) as M<ReplicaSet>;
  const spec = (out.spec ??= { selector: undefined as never }) as M<NonNullable<ReplicaSet['spec']>>;
  spec.replicas ??= 1;
  spec.template = defaultTemplate(spec.template);
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'ReplicaSet', true)];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...selectorErrors(spec.selector, spec.template, 'replicaset'));
  if (spec.template || (spec.replicas ?? 0) > 0) errs.push(...templateErrors(spec.template, 'spec.template', { restartAlways: true, noDeadline: true }));
  if (stored) {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    errs.push(...immutableSelector(spec.selector, stored.spec?.selector));
  }
  throwIfInvalid('ReplicaSet.apps', out.metadata?.name ?? '', errs);
  return out;
}

/** core/v1 ReplicationController: the selector is a plain map, defaulted from the template's labels. */
export function prepareReplicationController(rc: ReplicationController, stored: ReplicationController | undefined): ReplicationController {
  const out = structuredClone(rc) as M<ReplicationController>;
  const spec = (out.spec ??= {}) as M<NonNullable<ReplicationController['spec']>>;
  spec.replicas ??= 1;
  spec.template = defaultTemplate(spec.template);
  if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...spec.template?.metadata?.labels };
  const meta = (out.metadata ??= {}) as M<NonNullable<ReplicationController['metadata']>>;
  if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = { ...spec.template?.metadata?.labels };
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'ReplicationController', true)];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  if (Object.keys(spec.selector ?? {}).length === 0) errs.push(fe.required('spec.selector'));
  else if (spec.template && !selectorMatches({ matchLabels: spec.selector }, spec.template.metadata?.labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(spec.template.metadata?.labels), '`selector` does not match template `labels`'));
  }
  if (spec.template || (spec.replicas ?? 0) > 0) errs.push(...templateErrors(spec.template, 'spec.template', { restartAlways: true }));
  if (stored) errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
  throwIfInvalid('ReplicationController', out.metadata?.name ?? '', errs);
  return out;
}

// --- DaemonSet ----------------------------------------------------------------------------------

export function prepareDaemonSet(ds: DaemonSet, stored: DaemonSet | undefined): DaemonSet {
  const out = structuredClone(ds) as M<DaemonSet>;
  const spec = (out.spec ??= { selector: undefined as never, template: undefined as never }) as M<NonNullable<DaemonSet['spec']>>;
  const strategy = (spec.updateStrategy ??= {}) as M<NonNullable<NonNullable<DaemonSet['spec']>['updateStrategy']>>;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate = { ...strategy.rollingUpdate }) as M<{ maxUnavailable?: number | string; maxSurge?: number | string }>;
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  spec.template = defaultTemplate(spec.template) as PodTemplateSpec;
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'DaemonSet', true)];
  errs.push(...selectorErrors(spec.selector, spec.template, 'daemonset'));
  errs.push(...templateErrors(spec.template, 'spec.template', { restartAlways: true, noDeadline: true }));
  if (strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete') errs.push(fe.notSupported('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']));
  if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? {};
    errs.push(...intOrPercentErrors(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    errs.push(...intOrPercentErrors(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      errs.push(fe.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (stored) {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    errs.push(...immutableSelector(spec.selector, stored.spec?.selector));
  }
  throwIfInvalid('DaemonSet.apps', out.metadata?.name ?? '', errs);
  return out;
}
