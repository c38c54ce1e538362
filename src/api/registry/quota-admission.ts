/**
 * @module The LimitRanger and ResourceQuota admission plugins. LimitRanger defaults a new pod's
 * container requests and limits from the namespace's LimitRanges (then the pod is validated
 * again, as upstream validates after mutating admission) and refuses pods and claims outside
 * their min, max and ratio. ResourceQuota refuses an object that would take a quota over its
 * hard limits and charges the quotas it fits in once the object is stored (in the same
 * synchronous step, so two creates never both take the last unit). Messages are the API
 * server's: `pods "x" is forbidden: exceeded quota: ...`.
 */
import type { LimitRange, PersistentVolumeClaim, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ForbiddenError } from '../../core/errors.js';
import { validatePodCreate } from '../../core/pod-validation.js';
import { qosClass } from '../../core/qos.js';
import { applyLimitRangeDefaults, claimLimitViolations, podLimitViolations } from '../../core/quota/limit-range.js';
import { admitToQuotas } from '../../core/quota/quota-admission.js';
import type { KubeObject, Pod } from '../../core/types.js';
import type { AdmissionPlugin } from './admission.js';
import { qualifiedResource, type KindDefinition } from './kind-definition.js';

const forbidden = (def: KindDefinition, name: string, message: string): ForbiddenError =>
  new ForbiddenError(`${qualifiedResource(def)} "${name}" is forbidden: ${message}`, { name, kind: def.resource, ...(def.group ? { group: def.group } : {}) });

const isCore = (def: KindDefinition, kind: string): boolean => def.group === '' && def.kind === kind;

/** LimitRanger: pods on create, claims on create and update. */
export const limitRangerPlugin: AdmissionPlugin = ({ operation, def, obj, store, requestName }) => {
  const isPod = isCore(def, 'Pod') && operation === 'create';
  const isClaim = isCore(def, 'PersistentVolumeClaim');
  if (!isPod && !isClaim) return obj;
  const ranges = store.list<LimitRange & KubeObject>('limitranges', obj.metadata?.namespace ?? '').items;
  if (ranges.length === 0) return obj;
  if (isClaim) {
    const refusal = claimLimitViolations(obj as PersistentVolumeClaim, ranges);
    if (refusal) throw forbidden(def, requestName, refusal);
    return obj;
  }
  let pod = applyLimitRangeDefaults(obj as Pod, ranges);
  if (pod !== obj) {
    // Mutating admission runs before validation upstream: the defaults must make a valid pod.
    validatePodCreate(pod);
    pod = { ...pod, status: { ...pod.status, qosClass: qosClass(pod) } };
  }
  const refusal = podLimitViolations(pod, ranges);
  if (refusal) throw forbidden(def, requestName, refusal);
  return pod as KubeObject;
};

/** ResourceQuota: every kind, on create and on the updates that can change usage. */
export const resourceQuotaPlugin: AdmissionPlugin = ({ operation, def, obj, stored, store, now, afterWrite, requestName }) => {
  const namespace = obj.metadata?.namespace;
  if (!def.namespaced || !namespace) return obj;
  const quotas = store.list<ResourceQuota & KubeObject>('resourcequotas', namespace).items;
  if (quotas.length === 0) return obj;
  const decision = admitToQuotas(quotas, { operation, resource: { group: def.group, resource: def.resource }, obj, ...(stored ? { old: stored } : {}), now });
  if (!decision.allowed) throw forbidden(def, requestName, decision.message);
  if (decision.charges.length > 0) {
    afterWrite(() => {
      for (const charge of decision.charges) {
        const q = store.tryGet<ResourceQuota & KubeObject>('resourcequotas', namespace, charge.name);
        // Only onto the quota the decision read: the same synchronous step, so it is unchanged.
        if (!q || q.metadata?.resourceVersion !== charge.resourceVersion) continue;
        store.update('resourcequotas', { ...q, status: { ...q.status, used: charge.used } });
      }
    });
  }
  return obj;
};
