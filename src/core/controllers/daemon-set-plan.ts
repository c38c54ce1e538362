/**
 * @module The DaemonSet controller's decisions (upstream pkg/controller/daemon), pure: on which
 * nodes its pod should run (node selector and affinity, taints against its tolerations plus the
 * ones every daemon pod gets), which pods to create and delete (one per node, failed ones
 * replaced, extra ones removed), the rolling update (old pods replaced within maxUnavailable /
 * maxSurge) or OnDelete, the ControllerRevisions that record each template, and the status.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { NodeSelectorTerm, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import { podMatchesNodeAffinity, untoleratedTaint } from '../scheduling/node-matching.js';
import type { Node, Pod, PodSpec } from '../types.js';
import { scaledValue } from '../workloads/int-or-percent.js';
import { newControllerRef } from './controller-ref.js';
import { isPodAvailable, isPodReady } from './pod-readiness.js';
import { computeTemplateHash } from './template-hash.js';

export const REVISION_HASH = 'controller-revision-hash';
export const TEMPLATE_GENERATION = 'pod-template-generation';

/** What every daemon pod tolerates (upstream AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec?.tolerations ?? [])];
  for (const t of add) if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push(t);
  return out;
}

/** NodeShouldRunDaemonPod: run (create there) and continue running (keep an existing pod). */
export function nodeShouldRunDaemonPod(ds: DaemonSet, node: Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec as PodSpec | undefined;
  if (spec?.nodeName && spec.nodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!podMatchesNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(spec);
  const taints = (node.spec?.taints ?? []) as NonNullable<NonNullable<Node['spec']>['taints']>;
  if (untoleratedTaint(taints, tolerations, ['NoExecute'])) return { shouldRun: false, shouldContinueRunning: false };
  if (untoleratedTaint(taints, tolerations, ['NoSchedule'])) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is for: its nodeName, or the metadata.name its node affinity pins. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = term.matchFields?.find((r) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

export function currentHash(ds: DaemonSet): string {
  return computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
}

/** A ControllerRevision's data: the template as a replacing patch, as kubectl rollout undo applies it. */
export function revisionData(ds: DaemonSet): Record<string, unknown> {
  return { spec: { template: { ...(JSON.parse(JSON.stringify(ds.spec?.template ?? {})) as object), $patch: 'replace' } } };
}

/** The pod for one node: the template, the revision labels, the daemon tolerations, pinned to the node. */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = structuredClone(ds.spec!.template) as PodTemplateSpec;
  const spec = structuredClone(t.spec) as PodSpec & { affinity?: PodSpec['affinity'] };
  const pin: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  spec.affinity = {
    ...spec.affinity,
    nodeAffinity: { ...spec.affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin] } },
  };
  spec.tolerations = daemonTolerations(spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...t.metadata?.labels, [REVISION_HASH]: hash, [TEMPLATE_GENERATION]: String(ds.metadata?.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  } as Pod;
}

export interface DaemonSetPlan {
  /** The revision to create, or one whose revision number must become the newest. */
  revision?: { create?: ControllerRevision; update?: ControllerRevision };
  deleteRevisions: ControllerRevision[];
  /** Node names to create a pod for. */
  create: string[];
  delete: { pod: Pod; reason: 'failed' | 'extra' | 'misscheduled' | 'update' }[];
  status: DaemonSetStatus;
  requeueAfterMs?: number;
}

const created = (o: { metadata?: { creationTimestamp?: string } }): number => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;

export function planDaemonSet(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], revisions: readonly ControllerRevision[], now: number): DaemonSetPlan {
  const hash = currentHash(ds);
  const name = `${ds.metadata?.name}-${hash}`;
  const plan: DaemonSetPlan = { deleteRevisions: [], create: [], delete: [], status: {} as DaemonSetStatus };
  const maxRevision = Math.max(0, ...revisions.map((r) => r.revision ?? 0));
  const current = revisions.find((r) => r.metadata?.name === name || deepEqual(r.data, revisionData(ds)));
  if (!current) {
    plan.revision = {
      create: {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name, namespace: ds.metadata?.namespace, labels: { ...ds.spec?.template?.metadata?.labels, [REVISION_HASH]: hash }, ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')] },
        data: revisionData(ds),
        revision: maxRevision + 1,
      },
    };
  } else if ((current.revision ?? 0) < maxRevision) {
    plan.revision = { update: { ...current, revision: maxRevision + 1 } };
  }
  const isCurrent = (p: Pod): boolean => p.metadata?.labels?.[REVISION_HASH] === hash;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  const byNode = new Map<string, Pod[]>();
  for (const p of live) {
    const n = targetNodeName(p) ?? '';
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const st = { desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0, available: 0 };
  const oldOnNodes: { node: string; pod: Pod; available: boolean }[] = [];
  let unavailableNodes = 0;
  for (const node of nodes) {
    const n = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds, node);
    const here = (byNode.get(n) ?? []).sort((a, b) => created(a) - created(b));
    const running = here.filter((p) => p.status?.phase !== 'Failed');
    if (shouldRun) {
      st.desired++;
      for (const p of here) if (p.status?.phase === 'Failed') plan.delete.push({ pod: p, reason: 'failed' });
      if (running.length === 0) plan.create.push(n);
      else {
        st.current++;
        // One pod per node: the oldest stays (the newest while a surge replaces an old one).
        const extras = running.some(isCurrent) && running.some((p) => !isCurrent(p)) ? [] : running.slice(1);
        for (const p of extras) plan.delete.push({ pod: p, reason: 'extra' });
      }
      const ready = running.some(isPodReady);
      const available = running.some((p) => isPodAvailable(p, minReady, now));
      if (ready) st.ready++;
      if (available) st.available++;
      else unavailableNodes++;
      if (running.some(isCurrent)) st.updated++;
      const old = running.find((p) => !isCurrent(p));
      if (old && !running.some(isCurrent)) oldOnNodes.push({ node: n, pod: old, available });
      else if (old && running.some((p) => isCurrent(p) && isPodAvailable(p, minReady, now))) plan.delete.push({ pod: old, reason: 'update' });
    } else {
      if (running.length > 0) st.misscheduled++;
      if (!shouldContinueRunning) for (const p of running) plan.delete.push({ pod: p, reason: 'misscheduled' });
    }
  }
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && oldOnNodes.length > 0) {
    const maxUnavailable = scaledValue(strategy?.rollingUpdate?.maxUnavailable ?? 1, st.desired, true);
    const maxSurge = scaledValue(strategy?.rollingUpdate?.maxSurge ?? 0, st.desired, true);
    if (maxSurge > 0) {
      // Surge: the new pod starts beside the old one, which goes once the new one is available.
      for (const o of oldOnNodes.slice(0, maxSurge)) plan.create.push(o.node);
    } else {
      let budget = maxUnavailable - unavailableNodes;
      for (const o of oldOnNodes) {
        if (!o.available) plan.delete.push({ pod: o.pod, reason: 'update' });
        else if (budget > 0) {
          plan.delete.push({ pod: o.pod, reason: 'update' });
          budget--;
        }
      }
    }
  }
  const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[REVISION_HASH]));
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  const old = revisions.filter((r) => r !== current && !liveHashes.has(r.metadata?.labels?.[REVISION_HASH])).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  plan.deleteRevisions = old.slice(0, Math.max(0, old.length - limit));
  plan.status = {
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    desiredNumberScheduled: st.desired,
    currentNumberScheduled: st.current,
    numberMisscheduled: st.misscheduled,
    numberReady: st.ready,
    updatedNumberScheduled: st.updated,
    numberAvailable: st.available,
    numberUnavailable: st.desired - st.available,
    observedGeneration: ds.metadata?.generation ?? 1,
  };
  if (minReady > 0) {
    const waits = live.map((p) => {
      const c = p.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
      const left = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) + minReady * 1000 - now : 0;
      return left > 0 ? left : undefined;
    });
    const next = waits.filter((w): w is number => w !== undefined);
    if (next.length) plan.requeueAfterMs = Math.min(...next) + 1;
  }
  return plan;
}

