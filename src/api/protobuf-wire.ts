/**
 * @module The protobuf wire format as the API's request bodies use it (protobuf.ts): fields of a
 * message, the strict `message` decoder (a non-empty field it does not know is refused, never
 * dropped), Go's presence rules (a pointer field present with a zero is a value, a plain string
 * or bool at its zero is unset), and the meta/v1 messages every object carries.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors.js';

export interface Field {
  no: number;
  wire: number;
  /** varint value (wire 0) */
  int?: bigint;
  /** bytes (wire 2) */
  bytes?: Buffer;
}

export function fields(buf: Buffer): Field[] {
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

export const str = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

export const int = (f: Field): number => Number(BigInt.asIntN(64, f.int ?? 0n));

export const bool = (f: Field): boolean => f.int !== undefined && f.int !== 0n;

export const bytesOf = (f: Field): Buffer => f.bytes ?? Buffer.alloc(0);

export const push = (o: Record<string, unknown>, k: string, v: unknown): void => {
  o[k] = [...((o[k] as unknown[] | undefined) ?? []), v];
};

export type Decoder = (buf: Buffer) => Record<string, unknown>;

/** A message whose fields are decoded by `byNumber`; a non-empty field it does not know is refused (never silently dropped). */
export function message(buf: Buffer, what: string, byNumber: Record<number, (f: Field, o: Record<string, unknown>) => void>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const decode = byNumber[f.no];
    if (decode) decode(f, o);
    else if ((f.bytes && f.bytes.length > 0) || (f.int !== undefined && f.int !== 0n)) {
      throw new UnsupportedMediaTypeError(`protobuf: field ${f.no} of ${what} is not supported here; send JSON`);
    }
  }
  return o;
}

/** A non-pointer string field: Go sends it even when empty, which means unset. */
export const optionalString = (name: string) => (f: Field, o: Record<string, unknown>) => {
  if (f.bytes?.length) o[name] = str(f);
};

/** A pointer field: present means set, zero included. */
export const pointerInt = (name: string) => (f: Field, o: Record<string, unknown>) => (o[name] = int(f));

export const pointerBool = (name: string) => (f: Field, o: Record<string, unknown>) => (o[name] = bool(f));

/** A non-pointer bool: false is the same as unset. */
export const flag = (name: string) => (f: Field, o: Record<string, unknown>) => {
  if (bool(f)) o[name] = true;
};

/** repeated int32, unpacked (as Go's generated code writes it) or packed. */
export function pushInt32s(o: Record<string, unknown>, name: string, f: Field): void {
  if (f.wire === 0) push(o, name, Number(BigInt.asIntN(32, f.int ?? 0n)));
  else for (const v of packedVarints(bytesOf(f))) push(o, name, v);
}

function packedVarints(buf: Buffer): number[] {
  const out: number[] = [];
  let n = 0n;
  let shift = 0n;
  for (const b of buf) {
    n |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      out.push(Number(BigInt.asIntN(32, n)));
      n = 0n;
      shift = 0n;
    } else if (shift > 63n) throw new BadRequestError('protobuf: varint too long');
  }
  if (shift !== 0n) throw new BadRequestError('protobuf: truncated varint');
  return out;
}

function mapEntry(f: Field, asBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.no === 1) key = str(e);
    if (e.no === 2) value = asBase64 ? (e.bytes ?? Buffer.alloc(0)).toString('base64') : str(e);
  }
  return [key, value];
}

export function addToMap(obj: Record<string, unknown>, name: string, f: Field, asBase64 = false): void {
  const [k, v] = mapEntry(f, asBase64);
  obj[name] = { ...(obj[name] as Record<string, string> | undefined), [k]: v };
}

/** Length-delimited string fields by number → JSON name; empty strings are left out, as Go's omitempty. */
export function stringFields(buf: Buffer, names: Record<number, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const f of fields(buf)) {
    const name = names[f.no];
    if (name && f.wire === 2 && f.bytes && f.bytes.length > 0) o[name] = str(f);
  }
  return o;
}

/** A message of string fields (by number) and repeated string fields (by number, as lists). */
export function stringsMessage(buf: Buffer, strings: Record<number, string>, lists: Record<number, string> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.wire !== 2) continue;
    if (strings[f.no] && f.bytes && f.bytes.length > 0) o[strings[f.no]] = str(f);
    else if (lists[f.no]) o[lists[f.no]] = [...((o[lists[f.no]] as string[] | undefined) ?? []), str(f)];
  }
  return o;
}

export function objectMeta(buf: Buffer): Record<string, unknown> {
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
    else if (f.no === 13) push(m, 'ownerReferences', ownerReference(f.bytes ?? Buffer.alloc(0)));
    else if (f.no === 14) m.finalizers = [...((m.finalizers as string[] | undefined) ?? []), str(f)];
  }
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion']) if (m[k] === '') delete m[k];
  return m;
}

/** meta/v1 OwnerReference (`kubectl create job --from=cronjob/NAME` sends one): controller and blockOwnerDeletion are pointers, kept when present. */
function ownerReference(buf: Buffer): Record<string, unknown> {
  return message(buf, 'OwnerReference', {
    1: (f, o) => (o.kind = str(f)),
    3: (f, o) => (o.name = str(f)),
    4: (f, o) => (o.uid = str(f)),
    5: (f, o) => (o.apiVersion = str(f)),
    6: (f, o) => (o.controller = f.int !== 0n),
    7: (f, o) => (o.blockOwnerDeletion = f.int !== 0n),
  });
}

export function labelSelector(buf: Buffer): Record<string, unknown> {
  return message(buf, 'LabelSelector', { 1: (f, o) => addToMap(o, 'matchLabels', f) });
}
