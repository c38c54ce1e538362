/**
 * @module The garbage collector's decisions (upstream pkg/controller/garbagecollector), pure:
 * what becomes of an object whose owners are gone or being deleted, and what an owner being
 * deleted with the `orphan` or `foregroundDeletion` finalizer must do to its dependents before
 * that finalizer can go. The controller gathers the facts and executes the plan.
 */
import type { KubeObject } from '../types.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export type DeletionPolicy = 'Orphan' | 'Background' | 'Foreground';

/** One owner of an object, as the collector found it. */
export interface OwnerFact {
  uid: string;
  /** solid: exists and is not waiting for its dependents; dangling: gone (or another object has the name); waiting: deleting in the foreground. */
  state: 'solid' | 'dangling' | 'waiting';
}

export type DependentAction =
  | { action: 'none' }
  /** Some owner remains: drop the references to owners that are gone or waiting for their dependents. */
  | { action: 'removeOwnerReferences'; uids: string[] }
  | { action: 'delete'; policy: DeletionPolicy };

const hasFinalizer = (obj: KubeObject, f: string): boolean => (obj.metadata?.finalizers ?? []).includes(f);

export function isDeletingDependents(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/**
 * attemptToDeleteItem: an object with owners is collected once none of them is solid. It goes in
 * the foreground when an owner waits for it and it has dependents of its own (so they go first),
 * else as its own finalizers say (orphan, foregroundDeletion) or in the background.
 */
export function planDependent(item: KubeObject, owners: readonly OwnerFact[], hasDependents: boolean): DependentAction {
  if (item.metadata?.deletionTimestamp !== undefined || owners.length === 0) return { action: 'none' };
  const solid = owners.filter((o) => o.state === 'solid');
  const dangling = owners.filter((o) => o.state === 'dangling');
  const waiting = owners.filter((o) => o.state === 'waiting');
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { action: 'none' };
    return { action: 'removeOwnerReferences', uids: [...dangling, ...waiting].map((o) => o.uid) };
  }
  if (waiting.length > 0 && hasDependents) return { action: 'delete', policy: 'Foreground' };
  if (hasFinalizer(item, ORPHAN_FINALIZER)) return { action: 'delete', policy: 'Orphan' };
  if (hasFinalizer(item, FOREGROUND_FINALIZER)) return { action: 'delete', policy: 'Foreground' };
  return { action: 'delete', policy: 'Background' };
}

/** A dependent of an owner being deleted. */
export interface DependentFact {
  uid: string;
  /** Its reference to the owner has blockOwnerDeletion: the owner waits for it in the foreground. */
  blocking: boolean;
  deleting: boolean;
  hasDependents: boolean;
}

export interface OwnerDeletionPlan {
  /** Orphan: dependents that still reference the owner lose that reference. */
  orphan: string[];
  /** Foreground: dependents to delete now, with the policy for each. */
  delete: { uid: string; policy: DeletionPolicy }[];
  /** The collector's finalizers that can go now. */
  removeFinalizers: string[];
}

/**
 * processDeletingDependentsItem / orphanDependents for an owner with a deletionTimestamp. With
 * `orphan`, every dependent is released, then the finalizer goes (same pass: the caller removes
 * it only after the releases succeed). With `foregroundDeletion`, dependents not yet deleting are
 * deleted; the finalizer goes once no blocking dependent is left.
 */
export function planDeletingOwner(owner: KubeObject, dependents: readonly DependentFact[]): OwnerDeletionPlan {
  const plan: OwnerDeletionPlan = { orphan: [], delete: [], removeFinalizers: [] };
  if (owner.metadata?.deletionTimestamp === undefined) return plan;
  if (hasFinalizer(owner, ORPHAN_FINALIZER)) {
    plan.orphan = dependents.map((d) => d.uid);
    plan.removeFinalizers.push(ORPHAN_FINALIZER);
    return plan;
  }
  if (hasFinalizer(owner, FOREGROUND_FINALIZER)) {
    plan.delete = dependents.filter((d) => !d.deleting).map((d) => ({ uid: d.uid, policy: d.hasDependents ? 'Foreground' : 'Background' }));
    if (!dependents.some((d) => d.blocking)) plan.removeFinalizers.push(FOREGROUND_FINALIZER);
  }
  return plan;
}
