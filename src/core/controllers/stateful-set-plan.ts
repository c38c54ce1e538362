/**
 * @module The StatefulSet controller's decisions (upstream pkg/controller/statefulset), pure:
 * pods named `<set>-<ordinal>` from ordinals.start, each with hostname = its name and subdomain =
 * serviceName (so `web-0.web` resolves), its own claims from volumeClaimTemplates
 * (`<template>-<set>-<ordinal>`, made before the pod); OrderedReady (one pod at a time, the next
 * only once every earlier one is Running and Ready; scale-down from the highest ordinal) or
 * Parallel; RollingUpdate from the highest ordinal down to the partition, within maxUnavailable,
 * or OnDelete; ControllerRevisions for the templates; the status. Every decision follows from
 * the pods as they are, so a restart mid-rollout picks up where it stopped.
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import type { Pod, PodSpec } from '../types.js';
import { scaledValue } from '../workloads/int-or-percent.js';
import { newControllerRef } from './controller-ref.js';
import { isPodAvailable, isPodReady } from './pod-readiness.js';
import { computeTemplateHash } from './template-hash.js';

export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function revisionHash(ss: StatefulSet): string {
  return computeTemplateHash(ss.spec?.template, ss.status?.collisionCount);
}

export function revisionName(ss: StatefulSet): string {
  return `${ss.metadata?.name}-${revisionHash(ss)}`;
}

export function ordinalOf(ss: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${ss.metadata?.name}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) return undefined;
  return Number(name.slice(prefix.length));
}

export function claimName(ss: StatefulSet, template: string, ordinal: number): string {
  return `${template}-${ss.metadata?.name}-${ordinal}`;
}

/** The claims of one ordinal, from the templates (labels: the template's and the selector's). */
export function claimsFor(ss: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const whenDeleted = ss.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
  return (ss.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(ss, t.metadata?.name ?? '', ordinal),
      namespace: ss.metadata?.namespace,
      labels: { ...t.metadata?.labels, ...ss.spec?.selector?.matchLabels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(whenDeleted === 'Delete' ? { ownerReferences: [{ ...newControllerRef(ss as never, 'apps/v1', 'StatefulSet'), controller: false }] } : {}),
    },
    spec: structuredClone(t.spec),
  }));
}

/** The pod of one ordinal at the revision of `template` (the current one, or an older revision's). */
export function statefulPod(ss: StatefulSet, ordinal: number, hash: string): Pod {
  const name = `${ss.metadata?.name}-${ordinal}`;
  const t = structuredClone(ss.spec!.template);
  const spec = structuredClone(t.spec) as PodSpec;
  const claims = (ss.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => !claims.includes(v.name)),
    ...claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: claimName(ss, c, ordinal) } })),
  ];
  if (spec.volumes.length === 0) delete spec.volumes;
  spec.hostname = name;
  if (ss.spec?.serviceName) spec.subdomain = ss.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ss.metadata?.namespace,
      labels: { ...t.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: hash },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ss as never, 'apps/v1', 'StatefulSet')],
    },
    spec,
  } as Pod;
}

export function revisionData(ss: StatefulSet): Record<string, unknown> {
  return { spec: { template: { ...(structuredClone(ss.spec?.template ?? {}) as object), $patch: 'replace' } } };
}

export interface StatefulSetPlan {
  revision?: { create?: ControllerRevision; update?: ControllerRevision };
  deleteRevisions: ControllerRevision[];
  /** Claims to make (when missing) before their pods. */
  claims: PersistentVolumeClaim[];
  create: Pod[];
  delete: Pod[];
  /** Claims to delete (whenScaled: Delete) for ordinals scaled away. */
  deleteClaims: string[];
  status: StatefulSetStatus;
  requeueAfterMs?: number;
}

const running = (p: Pod): boolean => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
const healthy = (p: Pod): boolean => running(p) && isPodReady(p);

export function planStatefulSet(ss: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[], existingClaims: ReadonlySet<string>, now: number): StatefulSetPlan {
  const spec = ss.spec!;
  const hash = revisionHash(ss);
  const plan: StatefulSetPlan = { deleteRevisions: [], claims: [], create: [], delete: [], deleteClaims: [], status: {} as StatefulSetStatus };
  const maxRevision = Math.max(0, ...revisions.map((r) => r.revision ?? 0));
  const current = revisions.find((r) => r.metadata?.name === revisionName(ss) || deepEqual(r.data, revisionData(ss)));
  if (!current) {
    plan.revision = {
      create: {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name: revisionName(ss), namespace: ss.metadata?.namespace, labels: { ...spec.template.metadata?.labels, [REVISION_LABEL]: hash }, ownerReferences: [newControllerRef(ss as never, 'apps/v1', 'StatefulSet')] },
        data: revisionData(ss),
        revision: maxRevision + 1,
      },
    };
  } else if ((current.revision ?? 0) < maxRevision) plan.revision = { update: { ...current, revision: maxRevision + 1 } };

  const start = spec.ordinals?.start ?? 0;
  const replicas = spec.replicas ?? 1;
  const end = start + replicas;
  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of pods) {
    const o = ordinalOf(ss, p);
    if (o === undefined) continue;
    if (o >= start && o < end) byOrdinal.set(o, p);
    else condemned.push(p);
  }
  const ordered = (spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const deleting = ss.metadata?.deletionTimestamp !== undefined;
  const isUpdated = (p: Pod): boolean => p.metadata?.labels?.[REVISION_LABEL] === hash;
  // currentRevision: the revision all pods were at before this update began.
  const podHashes = new Set([...byOrdinal.values()].map((p) => p.metadata?.labels?.[REVISION_LABEL]));
  const oldRevisionName = ss.status?.currentRevision && ss.status.currentRevision !== revisionName(ss) ? ss.status.currentRevision : undefined;
  const oldRevision = oldRevisionName ? revisions.find((r) => r.metadata?.name === oldRevisionName) : undefined;
  const oldHash = oldRevision?.metadata?.labels?.[REVISION_LABEL];
  const partition = spec.updateStrategy?.type === 'RollingUpdate' ? (spec.updateStrategy.rollingUpdate?.partition ?? 0) : 0;

  if (!deleting) {
    // Create the missing pods (and their claims), and replace failed ones, in ordinal order.
    for (let o = start; o < end; o++) {
      const p = byOrdinal.get(o);
      if (!p) {
        for (const c of claimsFor(ss, o)) if (!existingClaims.has(c.metadata!.name!)) plan.claims.push(c);
        // Below the partition a pod is recreated at the old revision (as upstream's newVersionedStatefulSetPod).
        const useOld = spec.updateStrategy?.type === 'RollingUpdate' && o < start + partition && oldRevision && oldHash;
        const pod = statefulPod(useOld ? revisionSet(ss, oldRevision) : ss, o, useOld ? oldHash : hash);
        plan.create.push(pod);
        if (ordered) break;
        continue;
      }
      if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') {
        if (!p.metadata?.deletionTimestamp) plan.delete.push(p);
        if (ordered) break;
        continue;
      }
      if (ordered && !healthy(p)) break;
    }
    // Scale down: the highest ordinal first, one at a time when ordered and the rest are healthy.
    const sortedCondemned = [...condemned].sort((a, b) => (ordinalOf(ss, b) ?? 0) - (ordinalOf(ss, a) ?? 0));
    if (plan.create.length === 0 && sortedCondemned.length > 0) {
      const allHealthy = [...byOrdinal.values()].every(healthy) && byOrdinal.size === replicas;
      if (ordered) {
        const next = sortedCondemned[0];
        if (!next.metadata?.deletionTimestamp && (allHealthy || !healthy(next))) plan.delete.push(next);
      } else for (const p of sortedCondemned) if (!p.metadata?.deletionTimestamp) plan.delete.push(p);
    }
    if (spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') {
      for (const p of condemned) {
        const o = ordinalOf(ss, p)!;
        if (p.metadata?.deletionTimestamp) for (const c of claimsFor(ss, o)) plan.deleteClaims.push(c.metadata!.name!);
      }
    }
    // Rolling update: from the highest ordinal down to the partition, within maxUnavailable.
    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && plan.create.length === 0 && plan.delete.length === 0 && byOrdinal.size === replicas) {
      const maxUnavailable = scaledValue(spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, replicas, false) || 1;
      let unavailable = [...byOrdinal.values()].filter((p) => !healthy(p)).length;
      for (let o = end - 1; o >= start + partition; o--) {
        const p = byOrdinal.get(o)!;
        if (isUpdated(p)) {
          if (!healthy(p) && ordered) break;
          continue;
        }
        if (unavailable >= maxUnavailable && healthy(p)) break;
        if (!p.metadata?.deletionTimestamp) plan.delete.push(p);
        if (healthy(p)) unavailable++;
        if (unavailable >= maxUnavailable) break;
      }
    }
  }

  const live = [...byOrdinal.values(), ...condemned].filter((p) => !p.metadata?.deletionTimestamp);
  const updated = live.filter(isUpdated).length;
  const allUpdated = [...byOrdinal.values()].length === replicas && [...byOrdinal.values()].every(isUpdated);
  const currentRevision = allUpdated || !ss.status?.currentRevision ? revisionName(ss) : ss.status.currentRevision;
  const minReady = spec.minReadySeconds ?? 0;
  plan.status = {
    observedGeneration: ss.metadata?.generation ?? 1,
    replicas: live.length,
    readyReplicas: live.filter((p) => running(p) && isPodReady(p)).length,
    availableReplicas: live.filter((p) => running(p) && isPodAvailable(p, minReady, now)).length,
    currentReplicas: currentRevision === revisionName(ss) ? updated : live.filter((p) => p.metadata?.labels?.[REVISION_LABEL] === (oldHash ?? currentRevision.slice((ss.metadata?.name ?? '').length + 1))).length,
    updatedReplicas: updated,
    currentRevision,
    updateRevision: revisionName(ss),
    collisionCount: ss.status?.collisionCount ?? 0,
  };
  void podHashes;
  const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[REVISION_LABEL]));
  const keep = (r: ControllerRevision): boolean => r === current || r.metadata?.name === currentRevision || liveHashes.has(r.metadata?.labels?.[REVISION_LABEL]);
  const old = revisions.filter((r) => !keep(r)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  plan.deleteRevisions = old.slice(0, Math.max(0, old.length - (spec.revisionHistoryLimit ?? 10)));
  return plan;
}

/** The set as it was at an older revision (its template from the revision's data). */
function revisionSet(ss: StatefulSet, r: ControllerRevision): StatefulSet {
  const t = (r.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {};
  const { $patch: _p, ...template } = t;
  return { ...ss, spec: { ...ss.spec!, template: template as never } };
}
