/**
 * @module The ReplicaSet (and ReplicationController) controller's decisions (upstream
 * pkg/controller/replicaset), pure: which pods it owns, adopts and releases, how many to create
 * or which to delete to reach `replicas` (at most 500 a pass), and the status it reports.
 */
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject, Pod } from '../types.js';
import { claim } from './controller-ref.js';
import { comparePodsForDeletion, isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from './pod-readiness.js';

/** What a pass may create or delete at most (upstream burstReplicas). */
export const BURST_REPLICAS = 500;

/** The shape both kinds share, read through a small adapter. */
export interface ReplicaSetView {
  obj: KubeObject;
  replicas: number;
  minReadySeconds: number;
  template: PodTemplateSpec | undefined;
  selects(labels: Record<string, string> | undefined): boolean;
  status: ReplicaSetStatus | undefined;
}

export interface ReplicaSetPlan {
  adopt: Pod[];
  release: Pod[];
  /** Pods to create from the template. */
  create: number;
  /** Pods to delete, in order. */
  delete: Pod[];
  /** The status of what was observed (before this plan's changes). */
  status: ReplicaSetStatus;
  /** When a ready pod becomes available: look again then. */
  requeueAfterMs?: number;
}

export function planReplicaSet(rs: ReplicaSetView, namespacePods: readonly Pod[], now: number, opts: { manage: boolean } = { manage: true }): ReplicaSetPlan {
  const active = namespacePods.filter(isPodActive);
  const claimed = claim(rs.obj, active, (p) => rs.selects(p.metadata?.labels));
  const owned = claimed.owned;
  const plan: ReplicaSetPlan = { adopt: claimed.adopt, release: claimed.release, create: 0, delete: [], status: replicaSetStatus(rs, owned, now) };
  if (opts.manage && rs.obj.metadata?.deletionTimestamp === undefined) {
    const diff = owned.length - rs.replicas;
    if (diff < 0) plan.create = Math.min(-diff, BURST_REPLICAS);
    else if (diff > 0) plan.delete = [...owned].sort(comparePodsForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
  }
  if (rs.minReadySeconds > 0) {
    const waits = owned.map((p) => msUntilAvailable(p, rs.minReadySeconds, now)).filter((ms): ms is number => ms !== undefined);
    if (waits.length > 0) plan.requeueAfterMs = Math.min(...waits) + 1;
  }
  return plan;
}

export function replicaSetStatus(rs: ReplicaSetView, owned: readonly Pod[], now: number): ReplicaSetStatus {
  const templateLabels = rs.template?.metadata?.labels ?? {};
  const fullyLabeled = owned.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length;
  const status: ReplicaSetStatus = {
    replicas: owned.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: owned.filter(isPodReady).length,
    availableReplicas: owned.filter((p) => isPodAvailable(p, rs.minReadySeconds, now)).length,
    observedGeneration: rs.obj.metadata?.generation ?? 1,
  };
  const failure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  return failure ? { ...status, conditions: [failure] } : status;
}

/** The ReplicaFailure condition after a pass: set when creating or deleting failed, cleared when a pass succeeded. */
export function withReplicaFailure(status: ReplicaSetStatus, failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined, now: string): ReplicaSetStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  if (!failure) return { ...status, conditions: others.length ? others : undefined };
  const before = status.conditions?.find((c) => c.type === 'ReplicaFailure');
  const cond: ReplicaSetCondition = { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: before?.status === 'True' ? before.lastTransitionTime : now };
  return { ...status, conditions: [...others, cond] };
}

/** The pod a ReplicaSet creates: its template, named after it, controlled by it. */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, controllerRef: NonNullable<NonNullable<KubeObject['metadata']>['ownerReferences']>[number]): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata?.name}-`,
      namespace: owner.metadata?.namespace,
      labels: { ...meta.labels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec),
  } as Pod;
}
