/**
 * @module /openapi/v2: the Swagger 2.0 document of every served kind, from the same registry and
 * schemas as the v3 documents, as JSON or, for the Accept kubectl and client-go send
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), as gnostic's OpenAPIv2
 * protobuf. kubectl falls back to it for client-side validation and for building the strategic
 * merge patch of kinds the v3 documents give no schema for; without it those paths failed with a
 * misleading "the server could not find the requested resource".
 */
import { stringify } from 'yaml';
import { componentSchemas, type Schema } from './openapi-schemas.js';
import { groupVersionPath, verbsOf, type KindDefinition } from './registry/kind-definition.js';
import type { ResourceRegistry } from './registry/resource-registry.js';

/** The Content-Type of the answer: the spelling without '@', which Go's mime parser accepts. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

/** A v3 component schema as a v2 definition: #/definitions refs, no oneOf, no object defaults. */
export function toV2Schema(s: Schema): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') out.$ref = String(v).replace('#/components/schemas/', '#/definitions/');
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1) Object.assign(out, toV2Schema(v[0] as Schema));
    else if (k === 'oneOf') out.type = 'string';
    else if (k === 'default') continue;
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toV2Schema(ps)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = typeof v === 'object' && v !== null ? toV2Schema(v as Schema) : v;
    else out[k] = v;
  }
  return out;
}

const query = (name: string): Json => ({ name, in: 'query', type: 'string', uniqueItems: true });
const ok = (code: string, ref?: string): Json => ({ [code]: { description: code === '201' ? 'Created' : 'OK', ...(ref ? { schema: { $ref: ref } } : {}) } });

function pathsOf(def: KindDefinition, ref: string | undefined): Record<string, Json> {
  const verbs = verbsOf(def);
  const gvk = { group: def.group, kind: def.kind, version: def.version };
  const op = (action: string, id: string, extra: Json = {}): Json => ({
    operationId: `${id}${def.kind}`,
    consumes: ['*/*'],
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const body = ref ? [{ name: 'body', in: 'body', required: true, schema: { $ref: ref } }] : [];
  const base = groupVersionPath(def);
  const collection = def.namespaced ? `${base}/namespaces/{namespace}/${def.resource}` : `${base}/${def.resource}`;
  const c: Json = {};
  const i: Json = {};
  if (verbs.includes('list')) c.get = op('list', 'list', { parameters: [query('labelSelector'), query('fieldSelector')], responses: ok('200') });
  if (verbs.includes('create')) c.post = op('post', 'create', { parameters: [...body, query('dryRun'), query('fieldManager'), query('fieldValidation')], responses: ok('201', ref) });
  if (verbs.includes('get')) i.get = op('get', 'read', { responses: ok('200', ref) });
  if (verbs.includes('update')) i.put = op('put', 'replace', { parameters: [...body, query('dryRun'), query('fieldManager'), query('fieldValidation')], responses: ok('200', ref) });
  if (verbs.includes('patch')) {
    i.patch = op('patch', 'patch', {
      consumes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'],
      parameters: [{ name: 'body', in: 'body', required: true, schema: { type: 'object' } }, query('dryRun'), query('fieldManager'), query('fieldValidation'), query('force')],
      responses: ok('200', ref),
    });
  }
  if (verbs.includes('delete')) i.delete = op('delete', 'delete', { parameters: [query('dryRun'), query('gracePeriodSeconds'), query('propagationPolicy')], responses: ok('200') });
  const namePath = { name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true };
  const nsPath = { name: 'namespace', in: 'path', required: true, type: 'string', uniqueItems: true };
  const params = def.namespaced ? [nsPath] : [];
  const out: Record<string, Json> = {};
  if (Object.keys(c).length) out[collection] = { ...c, parameters: params };
  if (Object.keys(i).length) out[`${collection}/{name}`] = { ...i, parameters: [namePath, ...params] };
  return out;
}

/** The whole Swagger 2.0 document (JSON form). */
export function swaggerDocument(registry: ResourceRegistry): Json {
  const definitions: Record<string, Json> = {};
  const paths: Record<string, Json> = {};
  for (const gv of registry.groupVersions()) {
    const schemas = componentSchemas(gv);
    for (const [name, schema] of Object.entries(schemas)) definitions[name] ??= toV2Schema(schema);
    for (const def of registry.all().filter((d) => (d.group ? `${d.group}/${d.version}` : d.version) === gv)) {
      const defName = Object.keys(schemas).find((n) => {
        const gvks = schemas[n]['x-kubernetes-group-version-kind'] as { kind: string }[] | undefined;
        return gvks?.some((g) => g.kind === def.kind);
      });
      Object.assign(paths, pathsOf(def, defName ? `#/definitions/${defName}` : undefined));
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions };
}

// --- gnostic OpenAPIv2 protobuf (github.com/google/gnostic openapiv2/OpenAPIv2.proto) --------

class Writer {
  private readonly parts: Buffer[] = [];
  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }
  string(no: number, s: string | undefined): this {
    if (s === undefined || s === '') return this;
    return this.bytes(no, Buffer.from(s, 'utf8'));
  }
  strings(no: number, list: readonly string[] | undefined): this {
    for (const s of list ?? []) this.bytes(no, Buffer.from(s, 'utf8'));
    return this;
  }
  bool(no: number, b: boolean | undefined): this {
    if (!b) return this;
    this.varint((no << 3) | 0);
    this.varint(1);
    return this;
  }
  bytes(no: number, b: Buffer): this {
    this.varint((no << 3) | 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  message(no: number, m: Writer | undefined): this {
    return m ? this.bytes(no, m.finish()) : this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const msg = (): Writer => new Writer();

function vendorExtensions(w: Writer, no: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(no, msg().string(1, k).message(2, msg().string(2, stringify(v))));
  }
}

function schemaMsg(s: Json): Writer {
  const w = msg();
  w.string(1, s.$ref as string | undefined).string(2, s.format as string | undefined).string(4, s.description as string | undefined);
  w.strings(19, s.required as string[] | undefined);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') w.message(21, msg().message(1, schemaMsg(s.additionalProperties as Json)));
  if (typeof s.type === 'string') w.message(22, msg().string(1, s.type));
  if (s.items && typeof s.items === 'object') w.message(23, msg().message(1, schemaMsg(s.items as Json)));
  if (s.properties) {
    const props = msg();
    for (const [name, p] of Object.entries(s.properties as Record<string, Json>)) props.message(1, msg().string(1, name).message(2, schemaMsg(p)));
    w.message(25, props);
  }
  vendorExtensions(w, 31, s);
  return w;
}

function parameterMsg(p: Json): Writer {
  if (p.in === 'body') {
    const body = msg().string(2, p.name as string).string(3, 'body').bool(4, p.required as boolean).message(5, schemaMsg(p.schema as Json));
    return msg().message(1, msg().message(1, body));
  }
  const sub = msg().bool(1, p.required as boolean).string(2, p.in as string).string(4, p.name as string);
  const nonBody = p.in === 'path' ? msg().message(4, sub.string(5, p.type as string).bool(19, p.uniqueItems as boolean)) : msg().message(3, sub.string(6, p.type as string).bool(20, p.uniqueItems as boolean));
  return msg().message(1, msg().message(2, nonBody));
}

function operationMsg(op: Json): Writer {
  const w = msg().string(5, op.operationId as string).strings(6, op.produces as string[]).strings(7, op.consumes as string[]);
  for (const p of (op.parameters as Json[] | undefined) ?? []) w.message(8, parameterMsg(p));
  const responses = msg();
  for (const [code, r] of Object.entries((op.responses as Record<string, Json>) ?? {})) {
    const response = msg().string(1, r.description as string);
    if (r.schema) response.message(2, msg().message(1, schemaMsg(r.schema as Json)));
    responses.message(1, msg().string(1, code).message(2, msg().message(1, response)));
  }
  w.message(9, responses).strings(10, op.schemes as string[]);
  vendorExtensions(w, 13, op);
  return w;
}

const PATH_OPS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

/** The document as gnostic's openapi_v2.Document protobuf message. */
export function encodeSwaggerProtobuf(doc: Json): Buffer {
  const info = doc.info as Json;
  const w = msg().string(1, doc.swagger as string).message(2, msg().string(1, info.title as string).string(2, info.version as string));
  const paths = msg();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const pi = msg();
    for (const [method, no] of Object.entries(PATH_OPS)) if (item[method]) pi.message(no, operationMsg(item[method] as Json));
    for (const p of (item.parameters as Json[] | undefined) ?? []) pi.message(9, parameterMsg(p));
    paths.message(2, msg().string(1, path).message(2, pi));
  }
  w.message(8, paths);
  const defs = msg();
  for (const [name, s] of Object.entries(doc.definitions as Record<string, Json>)) defs.message(1, msg().string(1, name).message(2, schemaMsg(s)));
  w.message(9, defs);
  return w.finish();
}
