/**
 * @module OpenAPI v3 component schemas for core/v1, generated from the struct table of
 * openapi-structs.ts, shaped as Kubernetes' own v3 documents are, because kubectl reads them two
 * ways: `explain` renders them (types, descriptions, -required-), and client-side `apply` walks
 * them to build its strategic merge patch. For the latter, every field a manifest can carry must
 * exist (an unknown field that is an object or list makes kubectl warn and fall back to its
 * built-in types), and the merge keys come from the same table the server merges with
 * (strategic-merge.ts), so client and server agree on which lists merge item by item.
 */
import { MERGE_KEYS, PRIMITIVE_MERGE } from './strategic-merge.js';
import { DESCRIPTIONS } from './openapi-descriptions.js';
import { CORE_KINDS, META_STRUCTS, REQUIRED, SCHEMA_STRUCTS, type SchemaField } from './openapi-structs.js';

export type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.Time`;

/** The component name Kubernetes gives a struct, e.g. io.k8s.api.core.v1.PodSpec. */
export function schemaName(struct: string): string {
  return `${META_STRUCTS.has(struct) ? META : CORE}.${struct}`;
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
  const mergeKey = MERGE_KEYS[field];
  if (mergeKey && typeof item === 'object' && 'obj' in item && SCHEMA_STRUCTS[item.obj]?.[mergeKey] !== undefined) {
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
  if (CORE_KINDS.includes(struct)) schema['x-kubernetes-group-version-kind'] = [{ group: '', kind: struct, version: 'v1' }];
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

let cached: Record<string, Schema> | undefined;

/** `components.schemas` of the core/v1 document (built once; the caller must not mutate it). */
export function coreV1Schemas(): Record<string, Schema> {
  if (!cached) {
    const out: Record<string, Schema> = { ...SCALARS };
    for (const struct of Object.keys(SCHEMA_STRUCTS).sort()) out[schemaName(struct)] = structSchema(struct);
    cached = out;
  }
  return cached;
}

/** A schema reference for request bodies and responses of a core/v1 kind. */
export function kindRef(kind: string): Schema {
  return ref(schemaName(kind));
}
