/**
 * @module Graceful pod deletion as the API server does it (pod strategy CheckGracefulDelete):
 * the pod gets deletionTimestamp = now + grace and the node agent removes it once its containers
 * are stopped; grace 0 removes it at once.
 */
import { BadRequestError, ConflictError } from '../core/errors.js';
import type { Mutable } from '../core/mutable.js';
import type { Clock, ObjectStore } from '../core/ports.js';
import type { ObjectMeta, Pod } from '../core/types.js';
import { rfc3339Seconds } from '../core/rfc3339.js';

export interface PodDeleteOptions {
  gracePeriodSeconds?: number;
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** Returns the pod as it now is: terminating, or as last stored when removed. */
export function deletePod(store: ObjectStore, clock: Clock, namespace: string, name: string, opts: PodDeleteOptions = {}): Pod {
  const pod = store.get<Pod>('pods', namespace, name);
  checkPreconditions(pod, opts.preconditions);
  let grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  // As Kubernetes: a pod no node runs, or one already finished, has nothing to stop.
  if (!pod.spec?.nodeName) grace = 0;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') grace = 0;
  if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace > 2 ** 31) {
    // Beyond this the deadline is no longer a date (a 500 before).
    throw new BadRequestError(`gracePeriodSeconds must be an integer of at most ${2 ** 31}, got ${JSON.stringify(grace)}`);
  }
  if (grace < 0) grace = 1;

  const meta = pod.metadata as Mutable<ObjectMeta>;
  if (grace === 0) {
    return opts.dryRun ? pod : store.delete<Pod>('pods', namespace, name);
  }
  const deadline = clock.now() + grace * 1000;
  if (meta.deletionTimestamp !== undefined) {
    // A second delete may only bring the deadline forward.
    const current = Date.parse(meta.deletionTimestamp);
    if (!(deadline < current)) return pod;
  }
  meta.deletionTimestamp = rfc3339Seconds(deadline);
  meta.deletionGracePeriodSeconds = grace;
  return opts.dryRun ? pod : store.update<Pod>('pods', pod);
}

function checkPreconditions(pod: Pod, pre: PodDeleteOptions['preconditions']): void {
  if (!pre) return;
  if (pre.uid && pre.uid !== pod.metadata?.uid) {
    throw new ConflictError(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`, {
      name: pod.metadata?.name,
      kind: 'pods',
    });
  }
  if (pre.resourceVersion && pre.resourceVersion !== pod.metadata?.resourceVersion) {
    throw new ConflictError(
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${pod.metadata?.resourceVersion ?? ''}`,
      { name: pod.metadata?.name, kind: 'pods' },
    );
  }
}

/** DeleteOptions from the body (kubectl's way) and the query (`gracePeriodSeconds`, `dryRun`). */
export function parseDeleteOptions(body: unknown, query: URLSearchParams): PodDeleteOptions & { dryRunValues: string[] } {
  const opts: PodDeleteOptions & { dryRunValues: string[] } = { dryRunValues: query.getAll('dryRun') };
  if (body !== undefined) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('DeleteOptions must be a JSON object');
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') {
      throw new BadRequestError(`the kind in the data (${String(b.kind)}) does not match the expected kind (DeleteOptions)`);
    }
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (!Number.isInteger(b.gracePeriodSeconds)) throw new BadRequestError('gracePeriodSeconds must be an integer');
      opts.gracePeriodSeconds = b.gracePeriodSeconds as number;
    }
    if (Array.isArray(b.dryRun)) opts.dryRunValues.push(...b.dryRun.map(String));
    if (b.preconditions && typeof b.preconditions === 'object') opts.preconditions = b.preconditions as PodDeleteOptions['preconditions'];
  }
  const q = query.get('gracePeriodSeconds');
  if (q !== null && q !== '') {
    if (!/^-?\d+$/.test(q)) throw new BadRequestError(`invalid value for gracePeriodSeconds: ${JSON.stringify(q)}: must be an integer`);
    opts.gracePeriodSeconds = Number(q);
  }
  for (const v of opts.dryRunValues) {
    if (v !== 'All') throw new BadRequestError(`invalid dry run option: ${JSON.stringify(v)}: supported values: "All"`);
  }
  opts.dryRun = opts.dryRunValues.length > 0;
  return opts;
}
