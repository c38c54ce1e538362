/**
 * @module Type-checks a Pod body as the API server's JSON decoder does before any validation:
 * a field of the wrong JSON type is a 400 BadRequest naming the field and the type it wants
 * (`cannot unmarshal string into Go struct field PodSpec.spec.containers of type
 * []v1.Container`), never a crash further in. JSON nulls read as "absent", as in Go; a null
 * list item or map value reads as its type's zero value. Fields the table (pod-structs.ts) does
 * not describe are passed through untouched (validation and later decoders own them).
 */
import { BadRequestError } from './errors.js';
import type { Pod } from './types.js';
import { POD_STRUCTS, type FieldType } from './pod-structs.js';
import { WORKLOAD_STRUCTS } from './workload-structs.js';
import { BATCH_STORAGE_STRUCTS } from './batch-storage-structs.js';

/** Every struct the decoder knows: the pod's and the workload kinds' that embed its template. */
const STRUCTS: Record<string, Record<string, FieldType>> = { ...POD_STRUCTS, ...WORKLOAD_STRUCTS, ...BATCH_STORAGE_STRUCTS };

/**
 * Nesting limit for the whole body, untyped fields included. Go's decoder stops at 10000, but
 * defaulting and update validation here clone and diff recursively and overflow the stack
 * long before (~2000); no real pod nests deeper than a few dozen levels.
 */
export const MAX_POD_DEPTH = 500;

/** Returns the pod with nulls removed; throws BadRequestError on a field of the wrong type. */
export function decodePod(body: unknown): Pod {
  return decodeAs<Pod>(body, 'Pod');
}

/**
 * Any kind of the struct tables (Deployment, ReplicaSet...) checked the same way: nulls removed,
 * a field of the wrong JSON type a 400 naming it as Go's decoder does.
 */
export function decodeAs<T>(body: unknown, kind: string): T {
  if (depthExceeds(body, MAX_POD_DEPTH)) {
    throw new BadRequestError(`${kind} in version "v1" cannot be handled as a ${kind}: json: exceeded max depth of ${MAX_POD_DEPTH}`);
  }
  return decodeStruct(body, kind, '', kind) as T;
}

/** Iterative, so that the check itself cannot overflow the stack. */
function depthExceeds(body: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] } as const;

function goType(t: FieldType): string {
  if (typeof t === 'string') {
    // intstr.IntOrString decodes a non-string through an int32, so Go names that type.
    return { string: 'string', int32: 'int32', int64: 'int64', bool: 'bool', quantity: 'resource.Quantity', intOrString: 'int32', any: 'interface {}', object: 'struct' }[t];
  }
  if ('arr' in t) return `[]${goType(t.arr)}`;
  if ('map' in t) return `map[string]${goType(t.map)}`;
  return `v1.${t.obj}`;
}

/** What Go's UnmarshalTypeError calls the value: a number that does not fit an integer shows its literal. */
function jsonType(v: unknown, t?: FieldType): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return t === 'int32' || t === 'int64' || t === 'intOrString' ? `number ${v}` : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function fail(kind: string, struct: string, path: string, value: unknown, t: FieldType): never {
  throw new BadRequestError(
    `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value, t)} into Go struct field ${struct}.${path} of type ${goType(t)}`,
  );
}

/** Own data property even for the key `__proto__`, which plain assignment would turn into a prototype. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isInt(v: unknown, t: 'int32' | 'int64'): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT_RANGE[t][0] && v <= INT_RANGE[t][1];
}

/** Go leaves a null list item or map value at its type's zero value. */
function zeroValue(t: FieldType): unknown {
  if (typeof t === 'string') {
    return { string: '', int32: 0, int64: 0, bool: false, quantity: '0', intOrString: 0, any: null, object: {} }[t];
  }
  return 'obj' in t ? {} : undefined;
}

function decodeStruct(value: unknown, name: string, path: string, kind: string): Record<string, unknown> {
  if (!isObject(value)) {
    throw new BadRequestError(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value)} into Go value of type v1.${name}${path ? ` at ${path}` : ''}`);
  }
  const fields = STRUCTS[name];
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // undefined: in-process callers (the patch route) build bodies that JSON would have omitted it from.
    if (v === null || v === undefined) continue;
    // hasOwn: a key such as `constructor` must not find Object.prototype's members in the table.
    const t = Object.hasOwn(fields, key) ? fields[key] : undefined;
    const fieldPath = path ? `${path}.${key}` : key;
    setOwn(out, key, t ? decodeValue(v, t, name, fieldPath, kind) : v);
  }
  return out;
}

function decodeValue(v: unknown, t: FieldType, struct: string, path: string, kind: string): unknown {
  if (typeof t === 'string') {
    switch (t) {
      case 'any':
        return v;
      case 'object':
        if (!isObject(v)) fail(kind, struct, path, v, t);
        return v;
      case 'string':
        if (typeof v !== 'string') fail(kind, struct, path, v, t);
        return v;
      case 'int32':
      case 'int64':
        if (!isInt(v, t)) fail(kind, struct, path, v, t);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') fail(kind, struct, path, v, t);
        return v;
      case 'quantity':
        if (typeof v !== 'string' && typeof v !== 'number') fail(kind, struct, path, v, t);
        return v;
      case 'intOrString':
        if (typeof v !== 'string' && !isInt(v, 'int32')) fail(kind, struct, path, v, t);
        return v;
    }
  }
  const item = (x: unknown, it: FieldType): unknown => (x === null || x === undefined ? zeroValue(it) : decodeValue(x, it, struct, path, kind));
  if ('arr' in t) {
    if (!Array.isArray(v)) fail(kind, struct, path, v, t);
    return v.map((x) => item(x, t.arr));
  }
  if ('map' in t) {
    if (!isObject(v)) fail(kind, struct, path, v, t);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, item(x, t.map));
    return out;
  }
  if (!isObject(v)) fail(kind, struct, path, v, t);
  return decodeStruct(v, t.obj, path, kind);
}
