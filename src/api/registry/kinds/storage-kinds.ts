/**
 * @module Storage kinds: core/v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1
 * StorageClass, with upstream's printer columns (STATUS, VOLUME, CAPACITY, ACCESS MODES,
 * STORAGECLASS...) and status subresources; validation in core/workloads/storage-validation.ts.
 * And apps/v1 StatefulSet, whose claims they are.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import { formatLabelSelector } from '../../../core/label-selector.js';
import { prepareStatefulSet } from '../../../core/workloads/stateful-set-validation.js';
import { decodeAs } from '../../../core/pod-decode.js';
import type { KubeObject } from '../../../core/types.js';
import { DEFAULT_CLASS_ANNOTATION, preparePersistentVolume, preparePersistentVolumeClaim, prepareStorageClass } from '../../../core/workloads/storage-validation.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

type K<T> = T & KubeObject;

const SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (modes: readonly string[] | undefined): string => (modes ?? []).map((m) => SHORT[m] ?? m).join(',');

export const persistentVolumeClaimKind: KindDefinition<K<PersistentVolumeClaim>> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  decode: (body) => decodeAs(body, 'PersistentVolumeClaim'),
  prepare: (pvc, stored) => preparePersistentVolumeClaim(pvc, stored) as K<PersistentVolumeClaim>,
  status: true,
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Status of the claim.'),
      column('Volume', 'The volume bound to this claim.'),
      column('Capacity', 'The capacity of the volume.'),
      column('Access Modes', 'The access modes of the volume.'),
      column('StorageClass', 'The storage class of the claim.'),
      column('VolumeAttributesClass', 'The volume attributes class of the claim.'),
      AGE_COLUMN,
      column('VolumeMode', 'The volume mode of the claim.', { priority: 1 }),
    ],
    cells: (c, now) => [
      c.metadata?.name,
      c.metadata?.deletionTimestamp ? 'Terminating' : (c.status?.phase ?? ''),
      c.spec?.volumeName ?? '',
      c.status?.capacity?.storage ?? '',
      accessModes(c.status?.accessModes),
      c.spec?.storageClassName ?? '<unset>',
      c.spec?.volumeAttributesClassName ?? '<unset>',
      age(c, now),
      c.spec?.volumeMode ?? '<unset>',
    ],
  },
};

export const persistentVolumeKind: KindDefinition<K<PersistentVolume>> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  decode: (body) => decodeAs(body, 'PersistentVolume'),
  prepare: (pv, stored) => preparePersistentVolume(pv, stored) as K<PersistentVolume>,
  status: true,
  table: {
    columns: [
      NAME_COLUMN,
      column('Capacity', 'The capacity of the volume.'),
      column('Access Modes', 'The access modes of the volume.'),
      column('Reclaim Policy', 'What happens to the volume when its claim goes.'),
      column('Status', 'The phase of the volume.'),
      column('Claim', 'The claim bound to the volume.'),
      column('StorageClass', 'The storage class of the volume.'),
      column('VolumeAttributesClass', 'The volume attributes class of the volume.'),
      column('Reason', 'Why the volume is in its phase.'),
      AGE_COLUMN,
      column('VolumeMode', 'The volume mode of the volume.', { priority: 1 }),
    ],
    cells: (v, now) => [
      v.metadata?.name,
      v.spec?.capacity?.storage ?? '',
      accessModes(v.spec?.accessModes),
      v.spec?.persistentVolumeReclaimPolicy ?? '',
      v.metadata?.deletionTimestamp ? 'Terminating' : (v.status?.phase ?? ''),
      v.spec?.claimRef ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` : '',
      v.spec?.storageClassName ?? '',
      v.spec?.volumeAttributesClassName ?? '<unset>',
      v.status?.reason ?? '',
      age(v, now),
      v.spec?.volumeMode ?? '<unset>',
    ],
  },
};

export const storageClassKind: KindDefinition<K<StorageClass>> = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  resource: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  decode: (body) => decodeAs(body, 'StorageClass'),
  prepare: (sc, stored) => prepareStorageClass(sc, stored) as K<StorageClass>,
  table: {
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'Indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
      column('VolumeBindingMode', 'Indicates how PersistentVolumeClaims should be provisioned and bound.'),
      column('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    cells: (s, now) => [
      s.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' ? `${s.metadata?.name} (default)` : s.metadata?.name,
      s.provisioner,
      s.reclaimPolicy ?? 'Delete',
      s.volumeBindingMode ?? 'Immediate',
      s.allowVolumeExpansion ?? false,
      age(s, now),
    ],
  },
};

export const statefulSetKind: KindDefinition<K<StatefulSet>> = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  decode: (body) => decodeAs(body, 'StatefulSet'),
  prepare: (ss, stored) => prepareStatefulSet(ss, stored) as K<StatefulSet>,
  status: true,
  generation: true,
  scale: { selector: (ss) => formatLabelSelector(ss.spec?.selector).replace(/^<none>$/, '') },
  table: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Number of the pod with ready state'),
      AGE_COLUMN,
      column('Containers', 'Names of each container in the template.', { priority: 1 }),
      column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    ],
    cells: (ss, now) => {
      const cs = ss.spec?.template?.spec?.containers ?? [];
      return [ss.metadata?.name, `${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 0}`, age(ss, now), cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
    },
  },
};
