/**
 * @module OpenAPI v3 component schemas for core/v1, generated from the struct table of
 * openapi-structs.ts, shaped as Kubernetes' own v3 documents are, because kubectl reads them two
 * ways: `explain` renders them (types, descriptions, -required-), and client-side `apply` walks
 * them to build its strategic merge patch. For the latter, every field a manifest can carry must
 * exist (an unknown field that is an object or list makes kubectl warn and fall back to its
 * built-in types), and the merge keys come from the same table the server merges with
 * (strategic-merge.ts), so client and server agree on which lists merge item by item.
 */
import { ALTERNATE_MERGE_KEYS, MERGE_KEYS, PRIMITIVE_MERGE } from './strategic-merge.js';
import { WORKLOAD_PACKAGES } from '../core/workload-structs.js';
import { BATCH_STORAGE_PACKAGES } from '../core/batch-storage-structs.js';
import { DESCRIPTIONS } from './openapi-descriptions.js';
import { KINDS, META_STRUCTS, REQUIRED, SCHEMA_STRUCTS, type SchemaField } from './openapi-structs.js';

export type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.Time`;

/** The group version whose kind a struct is, if it is one. */
const kindGroupVersion = (struct: string): string | undefined => Object.keys(KINDS).find((gv) => KINDS[gv].includes(struct));

/** The component name Kubernetes gives a struct, e.g. io.k8s.api.core.v1.PodSpec (peapod's: io.peapod.v1alpha1.Image). */
export function schemaName(struct: string): string {
  if (META_STRUCTS.has(struct)) return `${META}.${struct}`;
  const pkg = WORKLOAD_PACKAGES[struct.replace(/List$/, '')] ?? BATCH_STORAGE_PACKAGES[struct.replace(/List$/, '')];
  if (pkg === 'apps' || pkg === 'scheduling' || pkg === 'batch' || pkg === 'storage') return `io.k8s.api.${pkg}.v1.${struct}`;
  const gv = kindGroupVersion(struct);
  if (gv && gv.includes('/')) {
    const [group, version] = gv.split('/');
    // Kubernetes' own groups live under io.k8s.api (apps, scheduling.k8s.io...); others by reversed domain.
    if (group === 'apps' || group.endsWith('.k8s.io')) return `io.k8s.api.${group.replace(/\.k8s\.io$/, '')}.${version}.${struct}`;
    return `${group.split('.').reverse().join('.')}.${version}.${struct}`;
  }
  return `${CORE}.${struct}`;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** Kubernetes wraps a $ref in allOf so that siblings (description, default) stay valid OpenAPI. */
const refProp = (name: string): Schema => ({ allOf: [ref(name)] });

function typeSchema(t: SchemaField): Schema {
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        return { type: 'string' };
      case 'int32':
      case 'int64':
        return { type: 'integer', format: t };
      case 'bool':
        return { type: 'boolean' };
      case 'bytes':
        return { type: 'string', format: 'byte' };
      case 'quantity':
        return refProp(QUANTITY);
      case 'intOrString':
        return refProp(INT_OR_STRING);
      case 'time':
        return refProp(TIME);
      case 'object':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'any':
        return { 'x-kubernetes-preserve-unknown-fields': true };
    }
  }
  if ('arr' in t) return { type: 'array', items: typeSchema(t.arr) };
  if ('map' in t) return { type: 'object', additionalProperties: typeSchema(t.map) };
  return refProp(schemaName(t.obj));
}

/** The strategic-merge and list-type extensions of a list field, from the server's merge table. */
function listExtensions(field: string, t: { arr: SchemaField }): Schema {
  const item = t.arr;
  const candidates = [MERGE_KEYS[field], ALTERNATE_MERGE_KEYS[field]].filter((k): k is string => k !== undefined);
  const mergeKey = typeof item === 'object' && 'obj' in item ? candidates.find((k) => SCHEMA_STRUCTS[item.obj]?.[k] !== undefined) : undefined;
  if (mergeKey && typeof item === 'object' && 'obj' in item) {
    return {
      'x-kubernetes-list-map-keys': [mergeKey],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': mergeKey,
      'x-kubernetes-patch-strategy': 'merge',
    };
  }
  if (PRIMITIVE_MERGE.has(field)) return { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
  return { 'x-kubernetes-list-type': 'atomic' };
}

function structSchema(struct: string): Schema {
  const docs = DESCRIPTIONS[struct] ?? {};
  const properties: Record<string, Schema> = {};
  for (const [field, t] of Object.entries(SCHEMA_STRUCTS[struct])) {
    const prop: Schema = { ...(docs[field] ? { description: docs[field] } : {}), ...typeSchema(t) };
    if (typeof t === 'object' && 'arr' in t) Object.assign(prop, listExtensions(field, t));
    if (typeof t === 'object' && 'obj' in t) prop.default = {};
    properties[field] = prop;
  }
  const schema: Schema = { ...(docs[''] ? { description: docs[''] } : {}), type: 'object', properties };
  if (REQUIRED[struct]) schema.required = REQUIRED[struct];
  const gv = kindGroupVersion(struct);
  if (gv) {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    schema['x-kubernetes-group-version-kind'] = [{ group, kind: struct, version }];
  }
  return schema;
}

const SCALARS: Record<string, Schema> = {
  [QUANTITY]: {
    description: DESCRIPTIONS.Quantity[''],
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  [INT_OR_STRING]: {
    description: DESCRIPTIONS.IntOrString[''],
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  [TIME]: { description: DESCRIPTIONS.Time[''], type: 'string', format: 'date-time' },
};

/** Names of the structs a field type refers to. */
function refsOf(t: SchemaField): string[] {
  if (typeof t === 'string') return t === 'quantity' || t === 'intOrString' || t === 'time' ? [t] : [];
  if ('arr' in t) return refsOf(t.arr);
  if ('map' in t) return refsOf(t.map);
  return [t.obj];
}

const SCALAR_OF: Record<string, string> = { quantity: QUANTITY, intOrString: INT_OR_STRING, time: TIME };
const cache = new Map<string, Record<string, Schema>>();

/**
 * `components.schemas` of a group version's document: its kinds and everything they refer to,
 * so each document stands alone. Empty for a group version without kinds. Built once per
 * group version; the caller must not mutate the result.
 */
export function componentSchemas(gv: string): Record<string, Schema> {
  let out = cache.get(gv);
  if (out) return out;
  out = {};
  const seen = new Set<string>();
  const visit = (struct: string): void => {
    if (seen.has(struct)) return;
    seen.add(struct);
    if (SCALAR_OF[struct]) return;
    for (const t of Object.values(SCHEMA_STRUCTS[struct])) refsOf(t).forEach(visit);
  };
  (KINDS[gv] ?? []).forEach(visit);
  for (const struct of [...seen].sort()) {
    const name = SCALAR_OF[struct] ?? schemaName(struct);
    out[name] = SCALARS[name] ?? structSchema(struct);
  }
  cache.set(gv, out);
  return out;
}
