/**
 * @module PriorityClasses and the Priority admission rules (plugin/pkg/admission/priority): the
 * two built-in system classes, validation of user classes (value at most 1e9, `system-` names
 * reserved, value and preemptionPolicy immutable), and a pod's priority resolved from its
 * priorityClassName (or the global default) at creation; an unknown class is refused.
 */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { ForbiddenError } from '../errors.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from '../field-error.js';
import { validateObjectMeta } from '../pod-validation.js';
import type { Pod } from '../types.js';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

export const SYSTEM_PRIORITY_CLASSES: PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2_000_000_000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
];

const isSystemClass = (name: string | undefined): boolean => SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata?.name === name);

/** Defaults and validates a PriorityClass (stored set on update); `others` for the one-global-default rule. */
export function preparePriorityClass(pc: PriorityClass, stored: PriorityClass | undefined, others: readonly PriorityClass[]): PriorityClass {
  const out: PriorityClass = { ...pc, preemptionPolicy: pc.preemptionPolicy || 'PreemptLowerPriority' };
  const name = out.metadata?.name ?? '';
  const errs: FieldError[] = validateObjectMeta(out.metadata ?? {}, 'PriorityClass', false);
  if (typeof out.value !== 'number') errs.push(fe.required('value'));
  if (name.startsWith('system-') && !isSystemClass(name)) errs.push(fe.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
  if (!isSystemClass(name) && (out.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fe.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (out.preemptionPolicy !== 'Never' && out.preemptionPolicy !== 'PreemptLowerPriority') errs.push(fe.notSupported('preemptionPolicy', out.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  if (stored) {
    if (stored.value !== out.value) errs.push(fe.forbidden('value', 'may not be changed in an update.'));
    if ((stored.preemptionPolicy ?? 'PreemptLowerPriority') !== out.preemptionPolicy) errs.push(fe.invalid('preemptionPolicy', out.preemptionPolicy, 'field is immutable'));
  }
  throwIfInvalid('PriorityClass.scheduling.k8s.io', name, errs);
  if (out.globalDefault) {
    const other = others.find((o) => o.globalDefault && o.metadata?.name !== name);
    if (other) throw new ForbiddenError(`priorityclasses.scheduling.k8s.io "${name}" is forbidden: PriorityClass ${other.metadata?.name} is already marked as default. Only one default can exist`, { name, kind: 'priorityclasses' });
  }
  return out;
}

/** The built-in classes cannot be deleted. */
export function checkPriorityClassDeletion(pc: PriorityClass): void {
  if (isSystemClass(pc.metadata?.name)) {
    throw new ForbiddenError(`priorityclasses.scheduling.k8s.io "${pc.metadata?.name}" is forbidden: the ${pc.metadata?.name} PriorityClass is a system priority class and may not be deleted`, { name: pc.metadata?.name, kind: 'priorityclasses' });
  }
}

/**
 * The pod's priority and preemptionPolicy from its class, or the global default class, or 0.
 * `userPriority` is spec.priority as the client sent it: a value other than the resolved one is refused.
 */
export function resolvePodPriority(pod: Pod, userPriority: number | undefined, classes: readonly PriorityClass[]): Pod {
  const name = pod.spec?.priorityClassName;
  let priority = 0;
  let policy = 'PreemptLowerPriority';
  const forbid = (message: string) => new ForbiddenError(`pods "${pod.metadata?.name ?? ''}" is forbidden: ${message}`, { name: pod.metadata?.name, kind: 'pods' });
  if (name) {
    const pc = classes.find((c) => c.metadata?.name === name);
    if (!pc) throw forbid(`no PriorityClass with name ${name} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy ?? policy;
  } else {
    const def = classes.find((c) => c.globalDefault);
    if (def) {
      priority = def.value;
      policy = def.preemptionPolicy ?? policy;
    }
  }
  if (userPriority !== undefined && userPriority !== priority) {
    throw forbid(`the integer value of priority (${userPriority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  const spec = { ...pod.spec!, priority, preemptionPolicy: policy };
  if (!name && classes.some((c) => c.globalDefault)) spec.priorityClassName = classes.find((c) => c.globalDefault)!.metadata?.name;
  return { ...pod, spec };
}
