/**
 * @module pods/binding: how the scheduler assigns a pod to a node (upstream BindingREST): only an
 * unbound pod that is not being deleted, optionally only while it has the given uid; sets
 * spec.nodeName and the PodScheduled condition in one write.
 */
import { BadRequestError, ConflictError } from '../../../core/errors.js';
import { rfc3339Seconds } from '../../../core/rfc3339.js';
import type { Pod, PodCondition } from '../../../core/types.js';
import type { GenericStore } from '../generic-store.js';
import type { ResourceRegistry } from '../resource-registry.js';

export interface BindingRequest {
  namespace: string;
  name: string;
  /** The node. */
  target: string;
  uid?: string;
}

export function bindPod(objects: GenericStore, registry: ResourceRegistry, now: number, b: BindingRequest): Pod {
  if (!b.target) throw new BadRequestError('target.name is required');
  const def = registry.byResource('', 'v1', 'pods')!;
  const pod = objects.get<Pod>(def, b.namespace, b.name);
  if (b.uid && pod.metadata?.uid !== b.uid) {
    throw new ConflictError(`Precondition failed: UID in precondition: ${b.uid}, UID in object meta: ${pod.metadata?.uid}`, { name: b.name, kind: 'pods' });
  }
  if (pod.metadata?.deletionTimestamp) throw new ConflictError(`pod ${b.name} is being deleted, cannot be assigned to a host`, { name: b.name, kind: 'pods' });
  if (pod.spec?.nodeName) throw new ConflictError(`pod ${b.name} is already assigned to node "${pod.spec.nodeName}"`, { name: b.name, kind: 'pods' });
  const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339Seconds(now) };
  const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled];
  return objects.store.update<Pod>('pods', { ...pod, spec: { ...pod.spec!, nodeName: b.target }, status: { ...pod.status, conditions } });
}
