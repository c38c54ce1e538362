/**
 * @module core/v1 Pod: decoded against the pod struct table, defaulted and validated as upstream
 * (only the mutable fields may change on update), Pending with its QoS class on create, and
 * deleted gracefully (pod strategy CheckGracefulDelete): deletionTimestamp = now + grace and the
 * node agent removes it once its containers are stopped; grace 0 removes it at once. Its
 * streaming subresources (log, exec, attach, portforward) have their own routes.
 */
import { BadRequestError } from '../../../core/errors.js';
import type { Mutable } from '../../../core/mutable.js';
import { applyPodDefaults } from '../../../core/pod-defaults.js';
import { decodePod } from '../../../core/pod-decode.js';
import { podCells, podColumnDefinitions } from '../../../core/pod-printer.js';
import { validatePodCreate, validatePodUpdate } from '../../../core/pod-validation.js';
import { qosClass } from '../../../core/qos.js';
import { rfc3339Seconds } from '../../../core/rfc3339.js';
import { checkClientMayWrite } from '../../../core/static-pods.js';
import type { ObjectMeta, Pod } from '../../../core/types.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { resolvePodPriority } from '../../../core/scheduling/priority.js';
import type { DeleteContext, KindDefinition } from '../kind-definition.js';

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/**
 * The pod as it stays while it terminates, or undefined when it goes at once: a pod no node
 * runs, or one already finished, has nothing to stop; a second delete may only bring the
 * deadline forward.
 */
export function gracefulPodDeletion(pod: Pod, ctx: DeleteContext): Pod | undefined {
  let grace = ctx.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  if (!pod.spec?.nodeName) grace = 0;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') grace = 0;
  if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace > 2 ** 31) {
    // Beyond this the deadline is no longer a date.
    throw new BadRequestError(`gracePeriodSeconds must be an integer of at most ${2 ** 31}, got ${JSON.stringify(grace)}`);
  }
  if (grace < 0) grace = 1;
  if (grace === 0) return undefined;
  const deadline = ctx.now + grace * 1000;
  const meta = { ...pod.metadata } as Mutable<ObjectMeta>;
  if (meta.deletionTimestamp !== undefined && !(deadline < Date.parse(meta.deletionTimestamp))) return pod;
  meta.deletionTimestamp = rfc3339Seconds(deadline);
  meta.deletionGracePeriodSeconds = grace;
  return { ...pod, metadata: meta };
}

/**
 * Pods are created unbound unless they name their node: the scheduler binds them (pods/binding).
 * Their priority is resolved from their PriorityClass at creation (Priority admission).
 */
export function podKind(): KindDefinition<Pod> {
  return {
    group: '',
    version: 'v1',
    kind: 'Pod',
    resource: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    fieldSelectors: ['spec.nodeName', 'status.phase', 'status.podIP', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.nominatedNodeName'],
    decode: (body) => decodePod(body),
    // Mirror pods (static pods' API side) are the node's: clients read them, never write them.
    status: {
      prepareStatus(pod, stored) {
        checkClientMayWrite(stored, 'update');
        return pod;
      },
    },
    prepare(raw, stored, lookup) {
      const userPriority = raw.spec?.priority;
      let pod = applyPodDefaults(raw);
      if (stored) {
        checkClientMayWrite(stored, 'update');
        validatePodUpdate(pod, stored);
        return pod;
      }
      checkClientMayWrite(pod, 'create');
      validatePodCreate(pod);
      pod = resolvePodPriority(pod, userPriority, lookup.list('scheduling.k8s.io', 'priorityclasses') as PriorityClass[]);
      return { ...pod, status: { phase: 'Pending', qosClass: qosClass(pod) } };
    },
    beforeDelete(pod, ctx) {
      checkClientMayWrite(pod, 'delete');
      return gracefulPodDeletion(pod, ctx);
    },
    returnDeletedObject: true,
    table: { columns: podColumnDefinitions, cells: (pod, now) => podCells(pod, now, true) },
    customSubresources: [
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
    ],
  };
}
