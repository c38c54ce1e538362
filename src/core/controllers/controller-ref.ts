/**
 * @module Controller references (upstream ControllerRefManager): which objects a controller owns,
 * adopts (orphans its selector matches) and releases (owned objects its selector no longer
 * matches). An object has at most one controller; another controller's objects are never touched.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../types.js';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export interface ClaimResult<T> {
  /** Owned and still selected (adopted ones included). */
  owned: T[];
  adopt: T[];
  release: T[];
}

/**
 * Sorts `candidates` (the namespace's objects of the kind) for `owner`: its own stay while its
 * selector matches them, orphans the selector matches are adopted, unless the owner or the orphan
 * is being deleted; its own that no longer match are released.
 */
export function claim<T extends KubeObject>(owner: KubeObject, candidates: readonly T[], selects: (obj: T) => boolean): ClaimResult<T> {
  const uid = owner.metadata?.uid;
  const ownerDeleting = owner.metadata?.deletionTimestamp !== undefined;
  const out: ClaimResult<T> = { owned: [], adopt: [], release: [] };
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (selects(obj)) out.owned.push(obj);
      else if (!ownerDeleting) out.release.push(obj);
      continue;
    }
    if (ownerDeleting || obj.metadata?.deletionTimestamp !== undefined || !selects(obj)) continue;
    out.adopt.push(obj);
    out.owned.push(obj);
  }
  return out;
}
