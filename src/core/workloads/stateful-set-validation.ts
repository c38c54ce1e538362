/**
 * @module Defaulting and validation of apps/v1 StatefulSet as the API server does them: the
 * selector selects the template, OrderedReady or Parallel, RollingUpdate (partition,
 * maxUnavailable) or OnDelete, volumeClaimTemplates as claims, the claim retention policy, and
 * on update upstream's rule that only replicas, ordinals, template, updateStrategy,
 * persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from '../field-error.js';
import { goLabelSelector, goStringMap, isEmptySelector, labelSelectorErrors, selectorMatches } from '../label-selector.js';
import type { Mutable } from '../mutable.js';
import { applyPodTemplateSpecDefaults } from '../pod-defaults.js';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validatePodSpec } from '../pod-validation.js';
import type { PodSpec } from '../types.js';
import { parseIntOrPercent } from './int-or-percent.js';
import { claimSpecErrors } from './storage-validation.js';

type M<T> = Mutable<T> & Record<string, unknown>;
type Spec = M<NonNullable<StatefulSet['spec']>>;

const nonNegative = (v: number | undefined, path: string): FieldError[] => (v !== undefined && v !== null && v < 0 ? [fe.invalid(path, v, 'must be greater than or equal to 0')] : []);

export function prepareStatefulSet(ss: StatefulSet, stored: StatefulSet | undefined): StatefulSet {
  const out = structuredClone(ss) as M<StatefulSet>;
  const spec = (out.spec = { ...out.spec } as NonNullable<StatefulSet['spec']>) as Spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ||= 'OrderedReady';
  spec.revisionHistoryLimit ??= 10;
  const strategy = (spec.updateStrategy = { ...spec.updateStrategy }) as M<NonNullable<Spec['updateStrategy']>>;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') strategy.rollingUpdate = { partition: 0, ...strategy.rollingUpdate };
  spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain', ...spec.persistentVolumeClaimRetentionPolicy };
  spec.volumeClaimTemplates = (spec.volumeClaimTemplates ?? []).map((t) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t, spec: { volumeMode: 'Filesystem', ...t.spec }, status: { phase: 'Pending' } }));
  const t = spec.template ?? ({} as PodTemplateSpec);
  spec.template = { ...t, spec: applyPodTemplateSpecDefaults((t.spec ?? { containers: [] }) as PodSpec) } as PodTemplateSpec;

  const errs = [...validateObjectMeta(out.metadata ?? {}, 'StatefulSet', true)];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals) errs.push(...nonNegative(spec.ordinals.start, 'spec.ordinals.start'));
  if (!['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy)) errs.push(fe.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  if (!['OnDelete', 'RollingUpdate'].includes(strategy.type)) errs.push(fe.notSupported('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']));
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate) errs.push(fe.invalid('spec.updateStrategy.rollingUpdate', 'OnDelete', 'only allowed for updateStrategy \'RollingUpdate\''));
  const ru = strategy.rollingUpdate;
  if (ru) {
    errs.push(...nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
    if (ru.maxUnavailable !== undefined) {
      const p = parseIntOrPercent(ru.maxUnavailable);
      if (!p || p.value < (p.percent ? 1 : 1) || (p.percent && p.value > 100)) errs.push(fe.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
    }
  }
  for (const [k, v] of Object.entries(spec.persistentVolumeClaimRetentionPolicy ?? {})) {
    if (!['Delete', 'Retain'].includes(String(v))) errs.push(fe.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ['Delete', 'Retain']));
  }
  if (!spec.selector) errs.push(fe.required('spec.selector'));
  else {
    errs.push(...labelSelectorErrors(spec.selector, 'spec.selector'));
    if (isEmptySelector(spec.selector)) errs.push({ type: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${goLabelSelector(spec.selector)}: empty selector is invalid for statefulset` });
    else if (!selectorMatches(spec.selector, spec.template.metadata?.labels)) {
      errs.push({ type: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${goStringMap(spec.template.metadata?.labels)}: \`selector\` does not match template \`labels\`` });
    }
  }
  errs.push(...validateLabels(spec.template.metadata?.labels ?? {}, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(spec.template.metadata?.annotations ?? {}, 'spec.template.metadata.annotations'));
  // The claim templates are the pods' volumes too (mounts may name them), as upstream validates.
  const claimVolumes = spec.volumeClaimTemplates.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: c.metadata?.name ?? '' } }));
  const withClaims = { ...spec.template.spec, volumes: [...(spec.template.spec?.volumes ?? []), ...claimVolumes.filter((v) => !(spec.template.spec?.volumes ?? []).some((x) => x.name === v.name))] } as PodSpec;
  for (const e of validatePodSpec(withClaims)) errs.push({ ...e, field: e.field.replace(/^spec/, 'spec.template.spec') });
  const restart = spec.template.spec?.restartPolicy;
  if (restart && restart !== 'Always') errs.push(fe.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (spec.template.spec?.activeDeadlineSeconds !== undefined) errs.push(fe.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  spec.volumeClaimTemplates.forEach((c, i) => {
    if (!c.metadata?.name) errs.push(fe.required(`spec.volumeClaimTemplates[${i}].metadata.name`));
    errs.push(...claimSpecErrors(c.spec, `spec.volumeClaimTemplates[${i}].spec`));
  });
  if (stored) {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    const fixed = (s: StatefulSet['spec']) => ({ ...s, replicas: undefined, ordinals: undefined, template: undefined, updateStrategy: undefined, persistentVolumeClaimRetentionPolicy: undefined, minReadySeconds: undefined, revisionHistoryLimit: undefined });
    if (!deepEqual(fixed(spec), fixed(stored.spec))) {
      errs.push(fe.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
  }
  throwIfInvalid('StatefulSet.apps', out.metadata?.name ?? '', errs);
  return out;
}
