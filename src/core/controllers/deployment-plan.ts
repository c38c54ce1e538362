/**
 * @module The Deployment controller's decisions (upstream pkg/controller/deployment), pure: from
 * the deployment, the ReplicaSets it owns and their pods, one pass's ReplicaSet writes (create
 * the new one, scale, record revisions, clean up history), the deployment's revision annotation,
 * its status and conditions, its events, and when to look again. Like upstream, a pass that
 * scales returns at once: the ReplicaSets' own changes start the next pass.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../deep-equal.js';
import { rfc3339 } from '../pod-status.js';
import type { Pod } from '../types.js';
import { newControllerRef } from './controller-ref.js';
import { computeTemplateHash } from './template-hash.js';
import { scaledValue } from '../workloads/int-or-percent.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Annotations a ReplicaSet does not inherit from its deployment. */
const NOT_COPIED = new Set([REVISION, DESIRED_REPLICAS, MAX_REPLICAS, 'deployment.kubernetes.io/revision-history', 'kubectl.kubernetes.io/last-applied-configuration', 'deprecated.deployment.rollback.to']);

export type RsAction = { type: 'create'; rs: ReplicaSet } | { type: 'update'; rs: ReplicaSet } | { type: 'delete'; rs: ReplicaSet };

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DeploymentPlan {
  actions: RsAction[];
  /** The deployment's annotations, when its revision annotation changes. */
  annotations?: Record<string, string>;
  /** The new status, when it differs from the stored one. */
  status?: DeploymentStatus;
  events: PlannedEvent[];
  requeueAfterMs?: number;
}

type RS = ReplicaSet & { spec: NonNullable<ReplicaSet['spec']> };
const replicasOf = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
const created = (rs: ReplicaSet): number => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
const byCreation = (a: ReplicaSet, b: ReplicaSet): number => created(a) - created(b) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1);
export const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } } | undefined): number => Number(o?.metadata?.annotations?.[REVISION] ?? 0) || 0;
const sum = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0);

/** The template without the pod-template-hash label, for comparing a ReplicaSet's with the deployment's. */
function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const labels = { ...t?.metadata?.labels };
  delete labels[POD_TEMPLATE_HASH];
  return { ...t, metadata: { ...t?.metadata, labels } };
}

export function templatesEqual(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return deepEqual(JSON.parse(JSON.stringify(withoutHash(a))), JSON.parse(JSON.stringify(withoutHash(b))));
}

/** maxSurge rounded up, maxUnavailable rounded down; both 0 means 1 unavailable (ResolveFenceposts). */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge ?? '25%', replicas, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const isRolling = (d: Deployment): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxUnavailable(d: Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

/** Updated, total and available all at `replicas`, and the current generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = d.spec?.replicas ?? 1;
  return (s.updatedReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas && (s.availableReplicas ?? 0) === replicas && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
}

/** One pass for the deployment. `pods` are the pods of its ReplicaSets (Recreate waits for them). */
export function planDeployment(d: Deployment, owned: readonly ReplicaSet[], pods: readonly Pod[], now: number): DeploymentPlan {
  return new Pass(d, owned, pods, now).run();
}

class Pass {
  private readonly plan: DeploymentPlan = { actions: [], events: [] };
  private readonly rsList: RS[];
  private newRS: RS | undefined;
  private oldRSs: RS[];
  private status: DeploymentStatus;
  private annotations: Record<string, string>;
  private readonly replicas: number;

  constructor(
    private readonly d: Deployment,
    owned: readonly ReplicaSet[],
    private readonly pods: readonly Pod[],
    private readonly now: number,
  ) {
    this.rsList = owned.map((rs) => structuredClone(rs) as RS).sort(byCreation);
    this.newRS = this.rsList.find((rs) => templatesEqual(rs.spec.template, d.spec?.template));
    this.oldRSs = this.rsList.filter((rs) => rs !== this.newRS);
    this.status = structuredClone(d.status ?? {}) as DeploymentStatus;
    this.annotations = { ...d.metadata?.annotations };
    this.replicas = d.spec?.replicas ?? 1;
  }

  run(): DeploymentPlan {
    const d = this.d;
    if (d.metadata?.deletionTimestamp) return this.finish(false);
    this.checkPausedConditions();
    if (d.spec?.paused || this.isScalingEvent()) return this.sync();
    return isRolling(d) ? this.rolloutRolling() : this.rolloutRecreate();
  }

  // --- revisions and the new ReplicaSet ------------------------------------------------------

  private syncRevision(create: boolean): void {
    const maxOld = Math.max(0, ...this.oldRSs.map(revisionOf));
    const newRevision = String(maxOld + 1);
    if (this.newRS) {
      const rs = this.newRS;
      const before = JSON.stringify(rs.metadata?.annotations ?? {});
      const annotations = this.copyAnnotations(rs.metadata?.annotations);
      if (revisionOf(rs) < maxOld + 1 && revisionOf(rs) <= maxOld) annotations[REVISION] = newRevision;
      annotations[DESIRED_REPLICAS] ??= String(this.replicas);
      annotations[MAX_REPLICAS] ??= String(this.replicas + maxSurge(this.d));
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (this.d.spec?.minReadySeconds ?? 0);
      if (JSON.stringify(annotations) !== before || minReadyChanged) {
        (rs.metadata as { annotations?: Record<string, string> }).annotations = annotations;
        (rs.spec as { minReadySeconds?: number }).minReadySeconds = this.d.spec?.minReadySeconds;
        this.update(rs);
      }
      this.setRevision(rs.metadata?.annotations?.[REVISION] ?? newRevision);
      if (!this.condition('Progressing')) this.setCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata?.name}"`);
      return;
    }
    if (!create) return;
    const d = this.d;
    const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template) as PodTemplateSpec;
    const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash };
    const selector = d.spec!.selector;
    const rs: RS = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name}-${hash}`,
        namespace: d.metadata?.namespace,
        labels,
        annotations: { ...this.copyAnnotations({}), [REVISION]: newRevision },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds,
        selector: { ...selector, matchLabels: { ...selector?.matchLabels, [POD_TEMPLATE_HASH]: hash } },
        template: { ...template, metadata: { ...template.metadata, labels } },
      },
    };
    const replicas = isRolling(d) ? this.newReplicasRolling([...this.oldRSs, rs], rs) : this.replicas;
    rs.spec.replicas = replicas;
    (rs.metadata as { annotations: Record<string, string> }).annotations[DESIRED_REPLICAS] = String(this.replicas);
    (rs.metadata as { annotations: Record<string, string> }).annotations[MAX_REPLICAS] = String(this.replicas + maxSurge(d));
    this.plan.actions.push({ type: 'create', rs });
    if (replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata?.name} from 0 to ${replicas}`);
    this.newRS = rs;
    this.setRevision(newRevision);
    this.setCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rs.metadata?.name}"`);
  }

  /** The deployment's annotations a ReplicaSet carries (change-cause and the user's own). */
  private copyAnnotations(current: Record<string, string> | undefined): Record<string, string> {
    const out: Record<string, string> = { ...current };
    for (const [k, v] of Object.entries(this.d.metadata?.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
    return out;
  }

  private setRevision(revision: string): void {
    if (this.annotations[REVISION] !== revision) {
      this.annotations[REVISION] = revision;
      this.plan.annotations = this.annotations;
    }
  }

  // --- scaling ---------------------------------------------------------------------------------

  private update(rs: RS): void {
    const existing = this.plan.actions.find((a) => a.rs === rs);
    if (!existing) this.plan.actions.push({ type: 'update', rs });
  }

  private scaleTo(rs: RS, n: number): boolean {
    const from = replicasOf(rs);
    const annotations = { ...rs.metadata?.annotations, [DESIRED_REPLICAS]: String(this.replicas), [MAX_REPLICAS]: String(this.replicas + maxSurge(this.d)) };
    const annotationsChanged = JSON.stringify(annotations) !== JSON.stringify(rs.metadata?.annotations ?? {});
    if (from === n && !annotationsChanged) return false;
    rs.spec.replicas = n;
    (rs.metadata as { annotations?: Record<string, string> }).annotations = annotations;
    this.update(rs);
    if (from !== n) this.event('Normal', 'ScalingReplicaSet', `Scaled ${from < n ? 'up' : 'down'} replica set ${rs.metadata?.name} from ${from} to ${n}`);
    return from !== n;
  }

  /** NewRSNewReplicas for RollingUpdate: up to replicas + maxSurge pods in total. */
  private newReplicasRolling(all: readonly ReplicaSet[], newRS: ReplicaSet): number {
    const current = sum(all, replicasOf);
    const maxTotal = this.replicas + maxSurge(this.d);
    if (current >= maxTotal) return replicasOf(newRS);
    return replicasOf(newRS) + Math.min(maxTotal - current, this.replicas - replicasOf(newRS));
  }

  private active(rss: readonly RS[]): RS[] {
    return rss.filter((rs) => replicasOf(rs) > 0);
  }

  private all(): RS[] {
    return this.newRS ? [...this.oldRSs, this.newRS] : [...this.oldRSs];
  }

  private isScalingEvent(): boolean {
    this.syncRevision(false);
    for (const rs of this.active(this.all())) {
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS];
      if (desired !== undefined && Number(desired) !== this.replicas) return true;
    }
    return false;
  }

  /** Paused or scaling: resize what exists (proportionally during a rollout), no new ReplicaSet. */
  private sync(): DeploymentPlan {
    this.syncRevision(false);
    this.scale();
    if (this.d.spec?.paused) this.cleanup();
    return this.finish(false);
  }

  private scale(): void {
    const all = this.all();
    const active = this.active(all);
    let activeOrLatest: RS | undefined;
    if (active.length === 1) activeOrLatest = active[0];
    else if (active.length === 0 && all.length > 0) activeOrLatest = this.newRS ?? [...this.oldRSs].sort(byCreation).at(-1);
    if (activeOrLatest) {
      this.scaleTo(activeOrLatest, this.replicas);
      return;
    }
    const n = this.newRS;
    if (n && replicasOf(n) === this.replicas && Number(n.metadata?.annotations?.[DESIRED_REPLICAS]) === this.replicas && (n.status?.availableReplicas ?? 0) === this.replicas) {
      for (const old of this.active(this.oldRSs)) this.scaleTo(old, 0);
      return;
    }
    if (!isRolling(this.d)) return;
    const allowed = this.replicas > 0 ? this.replicas + maxSurge(this.d) : 0;
    const toAdd = allowed - sum(active, replicasOf);
    const sorted = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)));
    let added = 0;
    const sizes = new Map<RS, number>();
    for (const rs of sorted) {
      const proportion = toAdd !== 0 ? this.proportion(rs, toAdd, added) : 0;
      sizes.set(rs, replicasOf(rs) + proportion);
      added += proportion;
    }
    sorted.forEach((rs, i) => {
      let size = sizes.get(rs)!;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleTo(rs, size);
    });
  }

  /** GetProportion: this ReplicaSet's share of the replicas to add or remove, by its max-replicas annotation. */
  private proportion(rs: RS, toAdd: number, added: number): number {
    if (replicasOf(rs) === 0 || toAdd === added) return 0;
    let fraction: number;
    if (this.replicas === 0) fraction = -replicasOf(rs);
    else {
      const maxNow = this.replicas + maxSurge(this.d);
      let before = Number(rs.metadata?.annotations?.[MAX_REPLICAS] ?? 0);
      if (!before) before = this.d.status?.replicas ?? 0;
      fraction = before ? Math.round((replicasOf(rs) * maxNow) / before) - replicasOf(rs) : 0;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  // --- strategies ------------------------------------------------------------------------------

  private rolloutRolling(): DeploymentPlan {
    this.syncRevision(true);
    const newRS = this.newRS!;
    if (this.plan.actions.some((a) => a.type === 'create')) return this.finish(true);
    const target = this.newReplicasRolling(this.all(), newRS);
    if (this.scaleTo(newRS, target)) return this.finish(true);
    if (this.reconcileOldRolling(newRS)) return this.finish(true);
    if (deploymentComplete(this.d, this.calculateStatus())) this.cleanup();
    return this.finish(true);
  }

  /** Scales old ReplicaSets down while at least replicas − maxUnavailable pods stay available. */
  private reconcileOldRolling(newRS: RS): boolean {
    const oldCount = sum(this.oldRSs, replicasOf);
    if (oldCount === 0) return false;
    const minAvailable = this.replicas - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sum(this.all(), replicasOf) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let scaled = 0;
    // Unhealthy replicas of old ReplicaSets go first: removing them costs no availability.
    for (const rs of [...this.oldRSs].sort(byCreation)) {
      if (scaled >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(unhealthy, maxScaledDown - scaled);
      this.scaleTo(rs, replicasOf(rs) - down);
      scaled += down;
    }
    const available = sum(this.all(), (rs) => rs.status?.availableReplicas ?? 0);
    if (available > minAvailable) {
      let budget = available - minAvailable;
      for (const rs of [...this.oldRSs].sort(byCreation)) {
        if (budget <= 0) break;
        if (replicasOf(rs) === 0) continue;
        const down = Math.min(replicasOf(rs), budget);
        this.scaleTo(rs, replicasOf(rs) - down);
        budget -= down;
        scaled += down;
      }
    }
    return scaled > 0;
  }

  private rolloutRecreate(): DeploymentPlan {
    this.syncRevision(false);
    let scaledDown = false;
    for (const rs of this.active(this.oldRSs)) scaledDown = this.scaleTo(rs, 0) || scaledDown;
    if (scaledDown) return this.finish(true);
    if (this.oldPodsRunning()) return this.finish(true);
    if (!this.newRS) {
      this.syncRevision(true);
      return this.finish(true);
    }
    this.scaleTo(this.newRS, this.replicas);
    if (deploymentComplete(this.d, this.d.status ?? {})) this.cleanup();
    return this.finish(true);
  }

  private oldPodsRunning(): boolean {
    if (sum(this.oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
    const oldUids = new Set(this.oldRSs.map((rs) => rs.metadata?.uid));
    return this.pods.some((p) => {
      const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
      return ref && oldUids.has(ref.uid) && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
    });
  }

  /** Deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  private cleanup(): void {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = this.oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 1) > (rs.status?.observedGeneration ?? 0)) continue;
      if (this.plan.actions.some((a) => a.rs === rs)) continue;
      this.plan.actions.push({ type: 'delete', rs });
    }
  }

  // --- status ----------------------------------------------------------------------------------

  private condition(type: string): DeploymentCondition | undefined {
    return this.status.conditions?.find((c) => c.type === type);
  }

  /** SetDeploymentCondition: a condition with the same status and reason is left as it is. */
  private setCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, force = false): void {
    const current = this.condition(type);
    if (!force && current && current.status === status && current.reason === reason) return;
    const at = rfc3339(this.now);
    const cond: DeploymentCondition = {
      type,
      status,
      lastUpdateTime: at,
      lastTransitionTime: current && current.status === status ? current.lastTransitionTime : at,
      reason,
      message,
    };
    this.status = { ...this.status, conditions: [...(this.status.conditions ?? []).filter((c) => c.type !== type), cond] };
  }

  private removeCondition(type: string): void {
    this.status = { ...this.status, conditions: (this.status.conditions ?? []).filter((c) => c.type !== type) };
  }

  private checkPausedConditions(): void {
    if (this.d.spec?.progressDeadlineSeconds === undefined) return;
    const cond = this.condition('Progressing');
    if (cond?.reason === 'ProgressDeadlineExceeded') return;
    const pausedCond = cond?.reason === 'DeploymentPaused';
    if (this.d.spec?.paused && !pausedCond) this.setCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused');
    else if (!this.d.spec?.paused && pausedCond) this.setCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed');
  }

  private calculateStatus(): DeploymentStatus {
    const all = this.all();
    const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
    const total = sum(all, replicasOf);
    const s: DeploymentStatus = {
      ...this.status,
      observedGeneration: this.d.metadata?.generation ?? 1,
      replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
      updatedReplicas: this.newRS?.status?.replicas ?? 0,
      readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    return s;
  }

  /** The status (with Available, and with Progressing when `rollout`), events and requeue; the plan. */
  private finish(rollout: boolean): DeploymentPlan {
    const before = this.d.status ?? {};
    this.status = this.calculateStatus();
    if (this.status.availableReplicas! >= this.replicas - maxUnavailable(this.d)) this.setCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.');
    else this.setCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.');
    const deadline = this.d.spec?.progressDeadlineSeconds;
    if (rollout) {
      if (deadline === undefined) this.removeCondition('Progressing');
      const current = before.conditions?.find((c) => c.type === 'Progressing');
      const complete = this.status.replicas === this.status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
      const rsName = this.newRS?.metadata?.name;
      const subject = rsName ? `ReplicaSet "${rsName}"` : `Deployment "${this.d.metadata?.name}"`;
      if (deadline !== undefined && !complete) {
        if (deploymentComplete(this.d, this.status)) {
          this.setCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${subject} has successfully progressed.`);
        } else if (this.progressing(before)) {
          const cur = this.condition('Progressing');
          this.removeCondition('Progressing');
          this.setCondition('Progressing', 'True', 'ReplicaSetUpdated', `${subject} is progressing.`, true);
          if (cur?.status === 'True') {
            const c = this.condition('Progressing')!;
            this.status.conditions = [...this.status.conditions!.filter((x) => x !== c), { ...c, lastTransitionTime: cur.lastTransitionTime }];
          }
        } else if (this.timedOut()) {
          this.setCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`);
          this.event('Warning', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`);
        }
      }
    }
    const failure = this.all()
      .flatMap((rs) => rs.status?.conditions ?? [])
      .find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    if (failure) this.setCondition('ReplicaFailure', 'True', failure.reason ?? 'FailedCreate', failure.message ?? '');
    else this.removeCondition('ReplicaFailure');
    if (!deepEqual(JSON.parse(JSON.stringify(this.status)), JSON.parse(JSON.stringify(before)))) this.plan.status = this.status;
    // A rollout in progress is looked at again when its deadline falls due.
    const progressing = this.condition('Progressing');
    if (deadline !== undefined && progressing && progressing.reason !== 'NewReplicaSetAvailable' && progressing.reason !== 'ProgressDeadlineExceeded' && !deploymentComplete(this.d, this.status)) {
      const from = Date.parse(progressing.lastUpdateTime ?? '') || this.now;
      this.plan.requeueAfterMs = Math.max(1000, from + deadline * 1000 - this.now + 1000);
    }
    return this.plan;
  }

  private progressing(before: DeploymentStatus): boolean {
    const s = this.status;
    const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
    const oldNow = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
    return (s.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) || oldNow < oldBefore || (s.readyReplicas ?? 0) > (before.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (before.availableReplicas ?? 0);
  }

  private timedOut(): boolean {
    const c = this.condition('Progressing');
    if (!c || c.reason === 'NewReplicaSetAvailable') return false;
    if (c.reason === 'ProgressDeadlineExceeded') return true;
    const from = Date.parse(c.lastUpdateTime ?? '');
    return Number.isFinite(from) && from + (this.d.spec?.progressDeadlineSeconds ?? 600) * 1000 < this.now;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.plan.events.push({ type, reason, message });
  }
}
