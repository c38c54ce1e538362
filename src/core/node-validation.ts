/**
 * @module Node validation as upstream's ValidateNode does it for what users change here: the
 * metadata, and taints (`kubectl taint node`): a qualified key, a label value, one of the three
 * effects, unique by key and effect.
 */
import { fieldErrors as fe, isQualifiedName, isValidLabelValue, throwIfInvalid, type FieldError } from './field-error.js';
import { validateObjectMeta } from './pod-validation.js';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function taintErrors(taints: readonly Taint[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    for (const m of isQualifiedName(t.key ?? '')) errs.push(fe.invalid(`${p}.key`, t.key ?? '', m));
    if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(fe.invalid(`${p}.value`, t.value, m));
    if (!t.effect) errs.push(fe.required(`${p}.effect`));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) errs.push(fe.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${t.key}:${t.effect}`;
    if (seen.has(id)) errs.push({ ...fe.duplicate(`${p}.effect`, t.effect), message: `Duplicate value: "${t.effect}": taints must be unique by key and effect pair` });
    seen.add(id);
  });
  return errs;
}

/** Throws InvalidError (422) naming each bad field. */
export function validateNode(node: Node): void {
  const errs = [...validateObjectMeta(node.metadata ?? {}, 'Node', false), ...taintErrors(node.spec?.taints, 'spec.taints')];
  throwIfInvalid('Node', node.metadata?.name ?? '', errs);
}
