/**
 * @module The API server's mutating and validating admission plugins that need other stored
 * objects, run by the generic store after a kind's own (pure) prepare: DefaultStorageClass (a
 * claim without storageClassName gets the default class), StorageObjectInUseProtection (the
 * `kubernetes.io/pvc-protection` and `kubernetes.io/pv-protection` finalizers), and
 * PersistentVolumeClaimResize (a bound claim grows only where its class allows expansion), then
 * LimitRanger and ResourceQuota (quota-admission.ts). They read the store and never write it
 * themselves: the write is the generic store's, and what must follow it (a quota's charge) is
 * handed to `afterWrite`.
 */
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ForbiddenError } from '../../core/errors.js';
import type { ObjectStore } from '../../core/ports.js';
import { parseMemoryBytes } from '../../core/quantity.js';
import type { KubeObject } from '../../core/types.js';
import { DEFAULT_CLASS_ANNOTATION } from '../../core/workloads/storage-validation.js';
import { qualifiedResource, type KindDefinition } from './kind-definition.js';
import { limitRangerPlugin, resourceQuotaPlugin } from './quota-admission.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export interface AdmissionRequest {
  operation: 'create' | 'update';
  def: KindDefinition;
  /** The object after its kind's prepare. */
  obj: KubeObject;
  stored?: KubeObject;
  store: ObjectStore;
  /**
   * The name refusals use: as the request gave it, so the generateName prefix when the name is
   * generated (upstream admits before generating names; a controller's retried create then fails
   * with the same message each time).
   */
  requestName: string;
  /** The request's time (epoch ms). */
  now: number;
  /** Runs `fn` right after the object is written (never on a dry run or a refused request). */
  afterWrite(fn: () => void): void;
}

/** Returns the object to store (mutated or not); throws to refuse it. */
export type AdmissionPlugin = (req: AdmissionRequest) => KubeObject;

const withFinalizer = (obj: KubeObject, f: string): KubeObject =>
  (obj.metadata?.finalizers ?? []).includes(f) ? obj : { ...obj, metadata: { ...obj.metadata, finalizers: [...(obj.metadata?.finalizers ?? []), f] } };

/** The default StorageClass: the newest of those annotated as default, as upstream picks. */
export function defaultStorageClass(store: ObjectStore): StorageClass | undefined {
  const defaults = store.list<StorageClass & KubeObject>('storageclasses.storage.k8s.io', undefined).items.filter((s) => s.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.sort((a, b) => Date.parse(b.metadata?.creationTimestamp ?? '') - Date.parse(a.metadata?.creationTimestamp ?? '') || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))[0];
}

const defaultStorageClassPlugin: AdmissionPlugin = ({ operation, def, obj, store }) => {
  if (operation !== 'create' || def.kind !== 'PersistentVolumeClaim' || def.group !== '') return obj;
  const pvc = obj as PersistentVolumeClaim & KubeObject;
  if (pvc.spec?.storageClassName !== undefined && pvc.spec.storageClassName !== null) return obj;
  const sc = defaultStorageClass(store);
  return sc ? ({ ...pvc, spec: { ...pvc.spec, storageClassName: sc.metadata?.name } } as KubeObject) : obj;
};

const storageProtectionPlugin: AdmissionPlugin = ({ operation, def, obj }) => {
  if (operation !== 'create' || def.group !== '') return obj;
  if (def.kind === 'PersistentVolumeClaim') return withFinalizer(obj, PVC_PROTECTION_FINALIZER);
  if (def.kind === 'PersistentVolume') return withFinalizer(obj, PV_PROTECTION_FINALIZER);
  return obj;
};

const claimResizePlugin: AdmissionPlugin = ({ operation, def, obj, stored, store }) => {
  if (operation !== 'update' || def.kind !== 'PersistentVolumeClaim' || def.group !== '' || !stored) return obj;
  const pvc = obj as PersistentVolumeClaim & KubeObject;
  const was = stored as PersistentVolumeClaim & KubeObject;
  const bytes = (q: unknown): number => (q === undefined ? 0 : parseMemoryBytes(String(q)));
  if (bytes(pvc.spec?.resources?.requests?.storage) <= bytes(was.spec?.resources?.requests?.storage)) return obj;
  if (was.status?.phase !== 'Bound') return obj;
  const sc = pvc.spec?.storageClassName ? store.tryGet<StorageClass & KubeObject>('storageclasses.storage.k8s.io', '', pvc.spec.storageClassName) : undefined;
  if (!sc?.allowVolumeExpansion) {
    throw new ForbiddenError(`${qualifiedResource(def)} "${pvc.metadata?.name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`, {
      name: pvc.metadata?.name,
      kind: def.resource,
    });
  }
  return obj;
};

export function defaultAdmission(): AdmissionPlugin[] {
  // Upstream's order: mutating plugins, then validating ones, ResourceQuota last.
  return [defaultStorageClassPlugin, storageProtectionPlugin, limitRangerPlugin, claimResizePlugin, resourceQuotaPlugin];
}
