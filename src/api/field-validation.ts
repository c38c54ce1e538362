/**
 * @module `fieldValidation=Strict` (kubectl's default for create, apply and replace): a body field
 * the kind does not have is a 400 naming its path, as upstream's strict decoder does. Pods are
 * checked against the full struct table of pod-structs.ts; the other core kinds against their
 * few top-level fields. `Warn` and `Ignore` accept unknown fields (they are dropped or kept as
 * the routes do).
 */
import { BadRequestError } from '../core/errors.js';
import { POD_STRUCTS, type FieldType } from '../core/pod-structs.js';
import { WORKLOAD_STRUCTS } from '../core/workload-structs.js';
import { BATCH_STORAGE_STRUCTS } from '../core/batch-storage-structs.js';

const META = 'ObjectMeta';
/** Fields k8s.io/api has that the pod table leaves out (deprecated or in-tree cloud volumes). */
const EXTRA: Record<string, string[]> = {
  ObjectMeta: ['selfLink'],
  Volume: ['awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'iscsi', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume'],
};

const TOP: Record<string, Record<string, FieldType>> = {
  ConfigMap: { apiVersion: 'string', kind: 'string', metadata: { obj: META }, data: 'any', binaryData: 'any', immutable: 'any' },
  Secret: { apiVersion: 'string', kind: 'string', metadata: { obj: META }, data: 'any', stringData: 'any', type: 'any', immutable: 'any' },
  Namespace: { apiVersion: 'string', kind: 'string', metadata: { obj: META }, spec: 'any', status: 'any' },
  Event: {
    apiVersion: 'string', kind: 'string', metadata: { obj: META }, involvedObject: 'any', reason: 'any', message: 'any', source: 'any',
    firstTimestamp: 'any', lastTimestamp: 'any', count: 'any', type: 'any', eventTime: 'any', series: 'any', action: 'any',
    related: 'any', reportingComponent: 'any', reportingInstance: 'any',
  },
};

const structOf = (name: string): Record<string, FieldType> | undefined => TOP[name] ?? WORKLOAD_STRUCTS[name] ?? BATCH_STORAGE_STRUCTS[name] ?? POD_STRUCTS[name];

function walk(value: unknown, t: FieldType, path: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof t === 'string') return;
  if ('arr' in t) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, t.arr, `${path}[${i}]`, out));
    return;
  }
  if ('map' in t) {
    if (!Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, t.map, `${path}[${k}]`, out);
    return;
  }
  const fields = structOf(t.obj);
  if (!fields || Array.isArray(value)) return;
  const extra = EXTRA[t.obj] ?? [];
  for (const [k, v] of Object.entries(value)) {
    // Strategic merge patch directives ($patch, $setElementOrder/..., $retainKeys).
    if (k.startsWith('$')) continue;
    const p = path ? `${path}.${k}` : k;
    const ft = Object.hasOwn(fields, k) ? fields[k] : undefined;
    if (ft === undefined) {
      if (!extra.includes(k)) out.push(p);
      continue;
    }
    walk(v, ft, p, out);
  }
}

/** The paths of fields the kind does not have, in body order. */
export function unknownFields(kind: string, body: unknown): string[] {
  const out: string[] = [];
  if (structOf(kind)) walk(body, { obj: kind }, '', out);
  return out;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation') ?? 'Warn';
  if (v === '' ) return 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') {
    throw new BadRequestError(`fieldValidation parameter unsupported: ${v}; want Strict, Warn or Ignore`);
  }
  return v;
}

/** Throws 400 under fieldValidation=Strict when the body has fields `kind` does not. */
export function checkFieldValidation(query: URLSearchParams, kind: string, body: unknown): void {
  if (fieldValidationOf(query) !== 'Strict') return;
  const unknown = unknownFields(kind, body);
  if (unknown.length === 0) return;
  throw new BadRequestError(
    `${kind} in version "v1" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`,
  );
}
