/**
 * @module Whether a pod may go on a node by the node's labels and taints, as kube-scheduler's
 * NodeAffinity and TaintToleration filters (and the DaemonSet controller) decide it:
 * nodeSelector, required node affinity (terms ORed, requirements ANDed, matchFields on
 * metadata.name), and tolerations (ToleratesTaint).
 */
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { setRequirementMatches } from '../label-selector.js';
import type { Node, PodSpec } from '../types.js';

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  if (r.operator !== 'Gt' && r.operator !== 'Lt') return setRequirementMatches(r.operator, r.values, value);
  if (value === undefined || r.values?.length !== 1) return false;
  const a = Number(value);
  const b = Number(r.values[0]);
  if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
  return r.operator === 'Gt' ? a > b : a < b;
}

/** One term: every expression on the labels and every field requirement (metadata.name) holds; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    exprs.every((r) => requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) &&
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name))
  );
}

export function nodeSelectorMatches(sel: NodeSelector, node: Node): boolean {
  return (sel.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

/** nodeSelector and required node affinity both hold (the NodeAffinity filter). */
export function podMatchesNodeAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || nodeSelectorMatches(required, node);
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** The first of the node's taints with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}
