/**
 * @module core/v1 ResourceQuota (status subresource, filled by the resource quota controller) and
 * LimitRange (defaulted as upstream), with kubectl's printer columns: REQUEST and LIMIT as
 * `name: used/hard` pairs, and CREATED AT. Their admission is in ../quota-admission.ts.
 */
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { decodeAs } from '../../../core/pod-decode.js';
import { canonicalQuantity } from '../../../core/quantity.js';
import { prepareLimitRange } from '../../../core/quota/limit-range.js';
import { prepareResourceQuota, prepareResourceQuotaStatus } from '../../../core/quota/resource-quota-validation.js';
import type { KubeObject } from '../../../core/types.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

type K<T> = T & KubeObject;

/** printResourceQuota: `name: used/hard` pairs, limits.* in LIMIT and the rest in REQUEST. */
export function quotaColumns(q: ResourceQuota): [string, string] {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pair = `${name}: ${canonicalQuantity(String(used[name] ?? '0'))}/${canonicalQuantity(String(hard[name]))}`;
    (name.split('.').length > 1 && name.split('.')[0] === 'limits' ? limit : request).push(pair);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourceQuotaKind: KindDefinition<K<ResourceQuota>> = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  decode: (body) => decodeAs(body, 'ResourceQuota'),
  prepare: (rq, stored) => prepareResourceQuota(rq, stored) as K<ResourceQuota>,
  status: { prepareStatus: (rq) => prepareResourceQuotaStatus(rq) as K<ResourceQuota> },
  table: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    cells: (q, now) => [q.metadata?.name, age(q, now), ...quotaColumns(q)],
  },
};

export const limitRangeKind: KindDefinition<K<LimitRange>> = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  resource: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  decode: (body) => decodeAs(body, 'LimitRange'),
  prepare: (lr, stored) => prepareLimitRange(lr, stored) as K<LimitRange>,
  table: {
    columns: [NAME_COLUMN, column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
    cells: (lr) => [lr.metadata?.name, lr.metadata?.creationTimestamp],
  },
};
