/**
 * @module The PersistentVolume controller's decisions (upstream pkg/controller/volume/persistentvolume),
 * pure: which volume a claim binds to (the binder's rules: storageClassName, access modes,
 * capacity, selector, volume mode; the smallest that fits; one already pointing at the claim
 * first), when a claim waits for its first consumer or is provisioned, the PersistentVolume the
 * local-path provisioner makes (a directory per claim under the data dir; capacity recorded,
 * not enforced), and what the pvc-protection and pv-protection finalizers may let go.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { selectorMatches } from '../label-selector.js';
import { parseMemoryBytes } from '../quantity.js';
import type { Pod } from '../types.js';

export const LOCAL_PATH_PROVISIONER = 'peapod.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';

const bytes = (q: unknown): number => {
  try {
    return q === undefined || q === null ? 0 : parseMemoryBytes(String(q));
  } catch {
    return 0;
  }
};

export const requestBytes = (c: PersistentVolumeClaim): number => bytes(c.spec?.resources?.requests?.storage);
export const capacityBytes = (v: PersistentVolume): number => bytes(v.spec?.capacity?.storage);

/** The claim's class: '' means "no class" (only class-less volumes). */
export const claimClass = (c: PersistentVolumeClaim): string => c.spec?.storageClassName ?? '';

/** Whether `pv` may hold `claim` (ignoring whether it is taken). */
export function volumeFits(claim: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  if ((pv.spec?.storageClassName ?? '') !== claimClass(claim)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = pv.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  if (capacityBytes(pv) < requestBytes(claim)) return false;
  if (claim.spec?.selector && !selectorMatches(claim.spec.selector, pv.metadata?.labels)) return false;
  return true;
}

/** findBestMatchForClaim: the volume already meant for the claim, else the smallest free one that fits. */
export function findMatchingVolume(claim: PersistentVolumeClaim, pvs: readonly PersistentVolume[]): PersistentVolume | undefined {
  const uid = claim.metadata?.uid;
  const ns = claim.metadata?.namespace;
  const name = claim.metadata?.name;
  const meant = pvs.find((v) => v.spec?.claimRef?.uid === uid || (!v.spec?.claimRef?.uid && v.spec?.claimRef?.name === name && v.spec?.claimRef?.namespace === ns));
  if (meant && !meant.metadata?.deletionTimestamp) return volumeFits(claim, meant) || meant.spec?.claimRef?.uid === uid ? meant : undefined;
  if (claim.spec?.volumeName) {
    const named = pvs.find((v) => v.metadata?.name === claim.spec?.volumeName);
    return named && !named.spec?.claimRef && !named.metadata?.deletionTimestamp && volumeFits(claim, named) ? named : undefined;
  }
  const free = pvs.filter((v) => !v.spec?.claimRef && !v.metadata?.deletionTimestamp && (v.status?.phase ?? 'Available') !== 'Failed' && volumeFits(claim, v));
  return free.sort((a, b) => capacityBytes(a) - capacityBytes(b))[0];
}

/** The pods that use the claim (a persistentVolumeClaim volume naming it), in its namespace. */
export function podsUsingClaim(claim: PersistentVolumeClaim, pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.metadata?.namespace === claim.metadata?.namespace && (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata?.name));
}

/** The pvc-protection rule: a claim is in use while a pod using it has not finished. */
export function claimInUse(claim: PersistentVolumeClaim, pods: readonly Pod[]): boolean {
  return podsUsingClaim(claim, pods).some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

export type ClaimDecision =
  | { action: 'bind'; volume: PersistentVolume }
  | { action: 'provision'; storageClass: StorageClass }
  | { action: 'selectNode'; nodeName: string }
  | { action: 'wait'; event?: { type: 'Normal' | 'Warning'; reason: string; message: string } };

/** What to do for an unbound claim. */
export function decideClaim(claim: PersistentVolumeClaim, pvs: readonly PersistentVolume[], classes: readonly StorageClass[], pods: readonly Pod[]): ClaimDecision {
  const volume = findMatchingVolume(claim, pvs);
  if (volume) return { action: 'bind', volume };
  const cls = claimClass(claim);
  if (claim.spec?.volumeName) return { action: 'wait', event: { type: 'Normal', reason: 'FailedBinding', message: `volume "${claim.spec.volumeName}" not found or not available` } };
  if (cls === '') return { action: 'wait', event: { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' } };
  const sc = classes.find((s) => s.metadata?.name === cls);
  if (!sc) return { action: 'wait', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` } };
  if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
    return { action: 'wait', event: { type: 'Normal', reason: 'ExternalProvisioning', message: `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.` } };
  }
  if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION]) {
    // The scheduler names the node when it places a pod using the claim; a pod already bound to a node names it too.
    const placed = podsUsingClaim(claim, pods).find((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp);
    if (placed) return { action: 'selectNode', nodeName: placed.spec!.nodeName! };
    return { action: 'wait', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' } };
  }
  return { action: 'provision', storageClass: sc };
}

/** The directory name of a provisioned claim, as the local-path provisioner names it. */
export function provisionedDirName(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid}_${claim.metadata?.namespace}_${claim.metadata?.name}`;
}

/** The PersistentVolume the local-path provisioner makes for a claim, pre-bound to it. */
export function provisionedVolume(claim: PersistentVolumeClaim, sc: StorageClass, path: string, nodeName: string): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${claim.metadata?.uid}`, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path, type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid, resourceVersion: claim.metadata?.resourceVersion },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
    },
  };
}

/** The host directory a bound volume mounts: its hostPath or local path. */
export function volumeHostPath(pv: PersistentVolume): string | undefined {
  return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
}
