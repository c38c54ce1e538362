/** @module Pieces every resource route shares. */
import type { ListOptions } from '../../core/ports.js';
import { parseSelectors } from '../../core/selectors.js';
import type { ObjectMeta } from '../../core/types.js';
import { queryInt } from '../http-util.js';

/** labelSelector, fieldSelector, limit, continue from the query; bad selectors fail here as 400. */
export function listOptions(query: URLSearchParams, resource: string): ListOptions {
  const opts: ListOptions = {};
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  if (labelSelector) opts.labelSelector = labelSelector;
  if (fieldSelector) opts.fieldSelector = fieldSelector;
  parseSelectors(opts, resource);
  const limit = queryInt(query, 'limit', 0);
  if (limit) opts.limit = limit;
  const cont = query.get('continue');
  if (cont) opts.continue = cont;
  return opts;
}

/** Fields only the server sets: a client's values are dropped on create. */
export function stripServerFields(meta: ObjectMeta | undefined): ObjectMeta {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    deletionGracePeriodSeconds: _dg,
    generation: _g,
    managedFields: _mf,
    selfLink: _sl,
    ...rest
  } = meta ?? {};
  return rest;
}
