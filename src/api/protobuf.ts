/**
 * @module Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl's typed
 * clients send for `create configmap|secret|namespace` and `auth can-i|whoami` and cannot be told
 * not to. Decodes the
 * `k8s\0` envelope (runtime.Unknown) and the few messages those commands send, field numbers
 * from k8s.io/api generated.proto, into the JSON shape the routes already take. Anything else
 * is a 415 naming the kind.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  wire: number;
  /** varint value (wire 0) */
  int?: bigint;
  /** bytes (wire 2) */
  bytes?: Buffer;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new BadRequestError('protobuf: truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new BadRequestError('protobuf: varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0) throw new BadRequestError('protobuf: field number 0');
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new BadRequestError('protobuf: truncated field');
      out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new BadRequestError(`protobuf: unsupported wire type ${wire}`);
    if (pos > buf.length) throw new BadRequestError('protobuf: truncated field');
  }
  return out;
}

const str = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

function mapEntry(f: Field, asBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.no === 1) key = str(e);
    if (e.no === 2) value = asBase64 ? (e.bytes ?? Buffer.alloc(0)).toString('base64') : str(e);
  }
  return [key, value];
}

function addToMap(obj: Record<string, unknown>, name: string, f: Field, asBase64 = false): void {
  const [k, v] = mapEntry(f, asBase64);
  obj[name] = { ...(obj[name] as Record<string, string> | undefined), [k]: v };
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.wire !== 2) continue;
    if (f.no === 1) m.name = str(f);
    else if (f.no === 2) m.generateName = str(f);
    else if (f.no === 3) m.namespace = str(f);
    else if (f.no === 5) m.uid = str(f);
    else if (f.no === 6) m.resourceVersion = str(f);
    else if (f.no === 11) addToMap(m, 'labels', f);
    else if (f.no === 12) addToMap(m, 'annotations', f);
    else if (f.no === 14) m.finalizers = [...((m.finalizers as string[] | undefined) ?? []), str(f)];
  }
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion']) if (m[k] === '') delete m[k];
  return m;
}

type Decoder = (buf: Buffer) => Record<string, unknown>;

/** Length-delimited string fields by number → JSON name; empty strings are left out, as Go's omitempty. */
function stringFields(buf: Buffer, names: Record<number, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const f of fields(buf)) {
    const name = names[f.no];
    if (name && f.wire === 2 && f.bytes && f.bytes.length > 0) o[name] = str(f);
  }
  return o;
}

/** authorization/v1 ResourceAttributes (the field and label selectors of 1.31+ are not read). */
const RESOURCE_ATTRIBUTES = { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' };
const NON_RESOURCE_ATTRIBUTES = { 1: 'path', 2: 'verb' };

/** A review: metadata (1) and spec (2), whose sub-messages `specFields` decodes. */
function review(specFields: (f: Field) => [string, unknown] | undefined): Decoder {
  return (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const spec: Record<string, unknown> = {};
        for (const sf of fields(f.bytes)) {
          const entry = specFields(sf);
          if (entry) spec[entry[0]] = entry[1];
        }
        o.spec = spec;
      }
    }
    return o;
  };
}

const DECODERS: Record<string, Decoder> = {
  'v1/ConfigMap': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) addToMap(o, 'data', f);
      else if (f.no === 3 && f.bytes) addToMap(o, 'binaryData', f, true);
      else if (f.no === 4 && f.int !== undefined) o.immutable = f.int !== 0n;
    }
    return o;
  },
  'v1/Secret': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) addToMap(o, 'data', f, true);
      else if (f.no === 3 && f.bytes) o.type = str(f);
      else if (f.no === 4 && f.bytes) addToMap(o, 'stringData', f);
      else if (f.no === 5 && f.int !== undefined) o.immutable = f.int !== 0n;
    }
    // kubectl sends an empty type; the API's default is Opaque.
    if (!o.type) o.type = 'Opaque';
    return o;
  },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': review((f) => {
    if (f.no === 1 && f.bytes) return ['resourceAttributes', stringFields(f.bytes, RESOURCE_ATTRIBUTES)];
    if (f.no === 2 && f.bytes) return ['nonResourceAttributes', stringFields(f.bytes, NON_RESOURCE_ATTRIBUTES)];
    return undefined;
  }),
  'authorization.k8s.io/v1/SelfSubjectRulesReview': review((f) => (f.no === 1 && f.bytes ? ['namespace', str(f)] : undefined)),
  // Only metadata and status: the whole request is "who am I".
  'authentication.k8s.io/v1/SelfSubjectReview': review(() => undefined),
  'v1/Namespace': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const finalizers = fields(f.bytes).filter((x) => x.no === 1).map(str);
        if (finalizers.length) o.spec = { finalizers };
      }
    }
    return o;
  },
};

/** Decodes a protobuf body to a JSON object with apiVersion and kind. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new BadRequestError('protobuf: the body does not start with the k8s\\0 prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2 && f.bytes) raw = f.bytes;
    else if (f.no === 3 && f.bytes && f.bytes.length > 0) throw new UnsupportedMediaTypeError(`protobuf: unsupported contentEncoding ${JSON.stringify(str(f))}`);
  }
  const decoder = DECODERS[`${apiVersion}/${kind}`];
  if (!decoder) {
    throw new UnsupportedMediaTypeError(`the body of the request was in an unsupported format: protobuf for ${apiVersion ? `${apiVersion}/` : ''}${kind || 'an unknown kind'}; send JSON`);
  }
  return { apiVersion, kind, ...decoder(raw ?? Buffer.alloc(0)) };
}
