/**
 * @module metav1.LabelSelector (matchLabels + matchExpressions) as apimachinery reads it: its
 * requirements, matching, the string form (`app=web,tier in (a,b)`, Scale.status.selector and
 * kubectl's SELECTOR column) and its validation. An empty selector matches everything; a missing
 * one (null) matches nothing.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldErrors as fe, isQualifiedName, isValidLabelValue, type FieldError } from './field-error.js';
import { matchesLabels, type LabelRequirement } from './selectors.js';

const OPERATORS: Record<string, LabelRequirement['operator']> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' };

export function selectorRequirements(sel: LabelSelector): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, operator: '=', values: [value] });
  for (const e of sel.matchExpressions ?? []) out.push({ key: e.key, operator: OPERATORS[e.operator] ?? 'in', values: [...(e.values ?? [])] });
  return out;
}

/**
 * One set-based requirement (In, NotIn, Exists, DoesNotExist) over a key's value, undefined when
 * the key is absent; an unknown operator matches nothing. Node selector terms (which add Gt/Lt)
 * and quota scope selectors read their operators the same way.
 */
export function setRequirementMatches(operator: string, values: readonly string[] | undefined, value: string | undefined): boolean {
  switch (operator) {
    case 'In':
      return value !== undefined && (values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}

/** A nil selector matches nothing, an empty one everything. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  return matchesLabels(selectorRequirements(sel), labels);
}

export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const reqs = selectorRequirements(sel).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (reqs.length === 0) return '<none>';
  return reqs
    .map((r) => {
      switch (r.operator) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case 'in':
          return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin':
          return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case '!exists':
          return `!${r.key}`;
        default:
          return `${r.key}!=${r.values[0]}`;
      }
    })
    .join(',');
}

/** Go's %#v of a map[string]string, as field errors print label maps. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Go's %#v of a LabelSelector (what upstream prints for an invalid or immutable selector). */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '(*v1.LabelSelector)(nil)';
  const exprs = sel.matchExpressions?.length
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:[]string{${(e.values ?? []).map((v) => JSON.stringify(v)).join(', ')}}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** ValidateLabelSelector: keys, values and operators. */
export function labelSelectorErrors(sel: LabelSelector, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(fe.invalid(`${path}.matchLabels`, k, m));
    for (const m of isValidLabelValue(String(v))) errs.push(fe.invalid(`${path}.matchLabels`, v, m));
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) errs.push(fe.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else {
      errs.push(fe.invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e.key ?? '')) errs.push(fe.invalid(`${p}.key`, e.key, m));
  });
  return errs;
}
