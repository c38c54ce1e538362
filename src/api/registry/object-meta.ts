/** @module Object metadata rules every kind shares: server-owned fields, name and namespace checks. */
import { BadRequestError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';
import type { KubeObject, ObjectMeta } from '../../core/types.js';

/** Fields only the server sets: a client's values are dropped on create. */
export function stripServerFields(meta: ObjectMeta | undefined): ObjectMeta {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    deletionGracePeriodSeconds: _dg,
    generation: _g,
    managedFields: _mf,
    selfLink: _sl,
    ...rest
  } = meta ?? {};
  return rest;
}

/** A body's namespace, when it names one, must be the URL's. */
export function checkNamespace(obj: KubeObject, namespace: string): void {
  const bodyNs = obj.metadata?.namespace;
  if (bodyNs !== undefined && bodyNs !== '' && bodyNs !== namespace) {
    throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** A body's name, when it has one, must be the URL's. */
export function checkName(obj: KubeObject, name: string): void {
  const bodyName = obj.metadata?.name;
  if (bodyName !== undefined && bodyName !== name) {
    throw new BadRequestError(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  }
}

/**
 * The metadata an update stores: the client's, with the URL's name and namespace, and uid,
 * creationTimestamp (plus `alsoFromStored`) kept from the stored object. A resourceVersion the
 * client left out stays out, so the update is unconditional.
 */
export function updateMeta(
  next: ObjectMeta | undefined,
  stored: ObjectMeta | undefined,
  at: { namespace: string; name: string },
  alsoFromStored: readonly (keyof ObjectMeta)[] = [],
): Mutable<ObjectMeta> {
  const m = next ?? {};
  const meta = { ...m, name: at.name, namespace: at.namespace, uid: stored?.uid, creationTimestamp: stored?.creationTimestamp } as Mutable<ObjectMeta>;
  for (const key of alsoFromStored) (meta as Record<string, unknown>)[key] = stored?.[key];
  if (!m.resourceVersion) delete meta.resourceVersion;
  return meta;
}
