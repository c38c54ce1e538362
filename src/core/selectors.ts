/**
 * @module Label and field selectors as the API server parses them (labels.Parse, fields.ParseSelector).
 * Pure: parse once, then match objects. Bad selectors throw BadRequestError naming the problem.
 */
import { BadRequestError } from './errors.js';
import type { KubeObject } from './types.js';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  field: string;
  operator: FieldOperator;
  value: string;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim());
}

function checkKey(key: string, selector: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const bad =
    name.length === 0 ||
    name.length > 63 ||
    !LABEL_NAME.test(name) ||
    (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)));
  if (bad) {
    throw new BadRequestError(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function checkValue(value: string, selector: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new BadRequestError(
      `unable to parse requirement: invalid label value "${value}" in selector "${selector}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k`. An empty selector matches everything. */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  const out: LabelRequirement[] = [];
  for (const term of splitTerms(selector)) {
    if (term === '') throw new BadRequestError(`unable to parse requirement: found '', expected: identifier in selector "${selector}"`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (setMatch) {
      const [, key, op, list] = setMatch;
      checkKey(key, selector);
      const values = list.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') {
        throw new BadRequestError(`unable to parse requirement: for '${op}' operator, values set can't be empty in selector "${selector}"`);
      }
      values.forEach((v) => checkValue(v, selector));
      out.push({ key, operator: op as 'in' | 'notin', values });
      continue;
    }
    const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (eqMatch) {
      const [, key, op, value] = eqMatch;
      checkKey(key, selector);
      checkValue(value, selector);
      out.push({ key, operator: op === '!=' ? '!=' : '=', values: [value] });
      continue;
    }
    if (term.startsWith('!')) {
      const key = term.slice(1).trim();
      checkKey(key, selector);
      out.push({ key, operator: '!exists', values: [] });
      continue;
    }
    if (/\s/.test(term) || /[()]/.test(term)) {
      throw new BadRequestError(`unable to parse requirement: invalid term "${term}" in selector "${selector}"`);
    }
    checkKey(term, selector);
    out.push({ key: term, operator: 'exists', values: [] });
  }
  return out;
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * Parses `metadata.name=x,status.phase!=Running`. With `allowed` (the kind's supported fields,
 * declared with the kind in the API's registry), other fields are rejected as the API server
 * does (`field label not supported: x`).
 */
export function parseFieldSelector(selector: string | undefined, allowed?: readonly string[]): FieldRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const raw of selector.split(',')) {
    const term = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m || m[1].trim() === '') {
      throw new BadRequestError(`invalid field selector "${selector}": term "${term}" must be of the form field=value or field!=value`);
    }
    const field = m[1].trim();
    if (allowed && !allowed.includes(field)) {
      throw new BadRequestError(`field label not supported: ${field}`);
    }
    out.push({ field, operator: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return out;
}

/** The value of a dotted field path as a string; missing fields read as "" as in Kubernetes. */
export function fieldValue(obj: KubeObject, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(requirements: readonly FieldRequirement[], obj: KubeObject): boolean {
  for (const r of requirements) {
    const v = fieldValue(obj, r.field);
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** Both selectors parsed once, for filtering many objects. */
export interface ObjectSelector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function parseSelectors(opts: { labelSelector?: string; fieldSelector?: string }, allowedFields?: readonly string[]): ObjectSelector {
  return { labels: parseLabelSelector(opts.labelSelector), fields: parseFieldSelector(opts.fieldSelector, allowedFields) };
}

export function matchesSelector(sel: ObjectSelector, obj: KubeObject): boolean {
  return matchesLabels(sel.labels, obj.metadata?.labels) && matchesFields(sel.fields, obj);
}

export function isEverything(sel: ObjectSelector): boolean {
  return sel.labels.length === 0 && sel.fields.length === 0;
}
