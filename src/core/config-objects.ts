/**
 * @module ConfigMaps and Secrets as the API server handles them: decoding checks (Secret `data`
 * is base64, every value a string), `stringData` merged into `data`, `type` defaulted to Opaque,
 * and validation with apimachinery's wording (keys `[-._a-zA-Z0-9]+`, the 1 MiB size cap, the
 * per-type required keys, `immutable`).
 */
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { BadRequestError } from './errors.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from './field-error.js';
import { validateObjectMeta } from './pod-validation.js';

/** corev1.MaxSecretSize: the cap on a ConfigMap's or Secret's total data. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** validation.IsConfigMapKey: the problems with a data key, empty when valid. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY_RE.test(key)) errs.push(CONFIG_KEY_MESSAGE);
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function cannotHandle(kind: string, detail: string): BadRequestError {
  return new BadRequestError(`${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`);
}

function checkStringMap(kind: string, field: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw cannotHandle(kind, `json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go struct field ${kind}.${field} of type map[string]string`);
  }
  for (const v of Object.values(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw cannotHandle(kind, `json: cannot unmarshal ${v === null ? 'null' : typeof v} into Go struct field ${kind}.${field} of type string`);
    }
  }
  return value as Record<string, string>;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's encoding/base64 StdEncoding accepts only canonical padded input. */
export function isBase64(value: string): boolean {
  return BASE64_RE.test(value.replace(/[\r\n]/g, ''));
}

/** Byte offset Go reports for the first bad input byte (close enough for a message). */
function badBase64Offset(value: string): number {
  const clean = value.replace(/[\r\n]/g, '');
  for (let i = 0; i < clean.length; i++) if (!/[A-Za-z0-9+/=]/.test(clean[i])) return i;
  return Math.max(0, clean.length - (clean.length % 4 || 4));
}

/** The ConfigMap as the server stores it: type checks, apiVersion/kind set. */
export function decodeConfigMap(raw: ConfigMap): ConfigMap {
  const data = checkStringMap('ConfigMap', 'data', raw.data);
  const binaryData = checkStringMap('ConfigMap', 'binaryData', raw.binaryData);
  for (const v of Object.values(binaryData ?? {})) {
    if (!isBase64(v)) throw cannotHandle('ConfigMap', `illegal base64 data at input byte ${badBase64Offset(v)}`);
  }
  if (raw.immutable !== undefined && raw.immutable !== null && typeof raw.immutable !== 'boolean') {
    throw cannotHandle('ConfigMap', 'json: cannot unmarshal value into Go struct field ConfigMap.immutable of type bool');
  }
  const out: ConfigMap = { ...raw, apiVersion: 'v1', kind: 'ConfigMap' };
  if (data === undefined) delete (out as { data?: unknown }).data;
  if (binaryData === undefined) delete (out as { binaryData?: unknown }).binaryData;
  return out;
}

/** The Secret as stored: base64 checked, stringData merged into data (it wins) and dropped, type Opaque by default. */
export function decodeSecret(raw: Secret): Secret {
  const data = checkStringMap('Secret', 'data', raw.data);
  const stringData = checkStringMap('Secret', 'stringData', raw.stringData);
  for (const v of Object.values(data ?? {})) {
    if (!isBase64(v)) throw cannotHandle('Secret', `illegal base64 data at input byte ${badBase64Offset(v)}`);
  }
  if (raw.type !== undefined && raw.type !== null && typeof raw.type !== 'string') {
    throw cannotHandle('Secret', `json: cannot unmarshal ${typeof raw.type} into Go struct field Secret.type of type v1.SecretType`);
  }
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) merged[k] = Buffer.from(v, 'base64').toString('base64');
  for (const [k, v] of Object.entries(stringData ?? {})) merged[k] = Buffer.from(v, 'utf8').toString('base64');
  const { stringData: _dropped, ...rest } = raw;
  const out: Secret = { ...rest, apiVersion: 'v1', kind: 'Secret', type: raw.type || 'Opaque' };
  if (data !== undefined || stringData !== undefined) (out as { data?: Record<string, string> }).data = merged;
  return out;
}

function decodedSize(b64: string): number {
  return Buffer.from(b64, 'base64').length;
}

export function configMapErrors(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata ?? {}, 'ConfigMap', true);
  let size = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    for (const m of isConfigMapKey(key)) errs.push(fe.invalid(`data[${key}]`, key, m));
    if (cm.binaryData && key in cm.binaryData) errs.push(fe.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += key.length + Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    for (const m of isConfigMapKey(key)) errs.push(fe.invalid(`binaryData[${key}]`, key, m));
    size += key.length + decodedSize(value);
  }
  if (size > MAX_CONFIG_SIZE) errs.push({ type: 'FieldValueTooLong', field: '', message: `Too long: may not be more than ${MAX_CONFIG_SIZE} bytes` });
  return errs;
}

/** Keys each built-in Secret type must carry (ValidateSecret). */
const REQUIRED_KEYS: Record<string, string[][]> = {
  'kubernetes.io/dockercfg': [['.dockercfg']],
  'kubernetes.io/dockerconfigjson': [['.dockerconfigjson']],
  'kubernetes.io/ssh-auth': [['ssh-privatekey']],
  'kubernetes.io/tls': [['tls.crt'], ['tls.key']],
};

export function secretErrors(secret: Secret): FieldError[] {
  const errs = validateObjectMeta(secret.metadata ?? {}, 'Secret', true);
  const data = secret.data ?? {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(fe.invalid(`data[${key}]`, key, m));
    size += decodedSize(value);
  }
  if (size > MAX_CONFIG_SIZE) errs.push(fe.tooLong('data', MAX_CONFIG_SIZE));
  const type = secret.type ?? 'Opaque';
  for (const [key] of REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(fe.required(`data[${key}]`));
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(fe.required('data[username]', 'username or password must be set'));
  }
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(fe.required("metadata.annotations[kubernetes.io/service-account.name]"));
  }
  return errs;
}

const IMMUTABLE = 'field is immutable when `immutable` is set';

function immutableErrors(next: { immutable?: boolean }, prev: { immutable?: boolean }, fields: Array<[string, unknown, unknown]>): FieldError[] {
  if (prev.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true) errs.push(fe.forbidden('immutable', IMMUTABLE));
  for (const [field, a, b] of fields) {
    if (JSON.stringify(sorted(a)) !== JSON.stringify(sorted(b))) errs.push(fe.forbidden(field, IMMUTABLE));
  }
  return errs;
}

function sorted(map: unknown): unknown {
  if (!map || typeof map !== 'object') return {};
  return Object.fromEntries(Object.entries(map as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function validateConfigMap(cm: ConfigMap, previous?: ConfigMap): void {
  const errs = configMapErrors(cm);
  if (previous) {
    errs.push(...immutableErrors(cm, previous, [['data', cm.data, previous.data], ['binaryData', cm.binaryData, previous.binaryData]]));
  }
  throwIfInvalid('ConfigMap', cm.metadata?.name ?? '', errs);
}

export function validateSecret(secret: Secret, previous?: Secret): void {
  const errs = secretErrors(secret);
  if (previous) {
    if ((secret.type ?? 'Opaque') !== (previous.type ?? 'Opaque')) errs.push(fe.invalid('type', secret.type, 'field is immutable'));
    errs.push(...immutableErrors(secret, previous, [['data', secret.data, previous.data]]));
  }
  throwIfInvalid('Secret', secret.metadata?.name ?? '', errs);
}
