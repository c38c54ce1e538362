/**
 * @module Defaulting and validation of core/v1 PersistentVolume and PersistentVolumeClaim and
 * storage.k8s.io/v1 StorageClass as the API server does them (pkg/apis/core/validation,
 * pkg/apis/storage/validation): access modes, the storage request or capacity, one volume
 * source, what an update may change (a bound claim only its storage request, never below the
 * old one; a class nothing of its provisioning), with upstream's messages.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { deepEqual } from '../deep-equal.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from '../field-error.js';
import { labelSelectorErrors } from '../label-selector.js';
import type { Mutable } from '../mutable.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../pod-validation.js';
import { parseMemoryBytes } from '../quantity.js';

type M<T> = Mutable<T> & Record<string, unknown>;

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

function storageBytes(q: unknown): number | undefined {
  if (q === undefined || q === null) return undefined;
  try {
    return parseMemoryBytes(String(q));
  } catch {
    return NaN;
  }
}

function accessModeErrors(modes: readonly string[] | undefined, path: string): FieldError[] {
  if (!modes || modes.length === 0) return [fe.required(path, 'at least 1 access mode is required')];
  const errs: FieldError[] = [];
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(fe.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(fe.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** The claim's spec rules, shared with StatefulSet volumeClaimTemplates (`path` its spec's). */
export function claimSpecErrors(spec: PersistentVolumeClaim['spec'], path: string): FieldError[] {
  const errs = accessModeErrors(spec?.accessModes, `${path}.accessModes`);
  if (spec?.selector) errs.push(...labelSelectorErrors(spec.selector, `${path}.selector`));
  const req = spec?.resources?.requests?.storage;
  const bytes = storageBytes(req);
  if (bytes === undefined) errs.push(fe.required(`${path}.resources[storage]`));
  else if (!Number.isFinite(bytes) || bytes <= 0) errs.push(fe.invalid(`${path}.resources[storage]`, req, 'must be greater than zero'));
  if (spec?.volumeMode && !['Block', 'Filesystem'].includes(spec.volumeMode)) errs.push(fe.notSupported(`${path}.volumeMode`, spec.volumeMode, ['Block', 'Filesystem']));
  return errs;
}

export function preparePersistentVolumeClaim(pvc: PersistentVolumeClaim, stored: PersistentVolumeClaim | undefined): PersistentVolumeClaim {
  const out = structuredClone(pvc) as M<PersistentVolumeClaim>;
  const spec = (out.spec = { ...out.spec }) as M<NonNullable<PersistentVolumeClaim['spec']>>;
  spec.volumeMode ||= 'Filesystem';
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'PersistentVolumeClaim', true)];
  errs.push(...claimSpecErrors(spec, 'spec'));
  if (!stored) out.status = { phase: 'Pending' };
  else {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    const was = stored.spec ?? {};
    const bound = stored.status?.phase === 'Bound';
    // A controller binds a claim by setting volumeName once; the storage request may grow on a bound claim.
    const comparable = (s: typeof was) => ({ ...s, resources: bound ? undefined : s.resources, volumeName: was.volumeName ? s.volumeName : undefined, volumeAttributesClassName: undefined });
    if (!deepEqual(comparable(spec), comparable(was))) {
      errs.push(fe.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
    }
    const before = storageBytes(was.resources?.requests?.storage) ?? 0;
    const now = storageBytes(spec.resources?.requests?.storage) ?? 0;
    if (bound && now < before) errs.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  throwIfInvalid('PersistentVolumeClaim', out.metadata?.name ?? '', errs);
  return out;
}

const SOURCES = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'flexVolume', 'flocker', 'glusterfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume'];

export function preparePersistentVolume(pv: PersistentVolume, stored: PersistentVolume | undefined): PersistentVolume {
  const out = structuredClone(pv) as M<PersistentVolume>;
  const spec = (out.spec = { ...out.spec }) as M<NonNullable<PersistentVolume['spec']>>;
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ||= 'Filesystem';
  if (spec.hostPath) spec.hostPath = { ...spec.hostPath, type: spec.hostPath.type ?? '' };
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'PersistentVolume', false)];
  errs.push(...accessModeErrors(spec.accessModes, 'spec.accessModes'));
  const cap = spec.capacity?.storage;
  const bytes = storageBytes(cap);
  if (bytes === undefined) errs.push(fe.required('spec.capacity', 'must specify a capacity'));
  else if (!Number.isFinite(bytes) || bytes <= 0) errs.push(fe.invalid('spec.capacity[storage]', cap, 'must be greater than zero'));
  const sources = SOURCES.filter((s) => (spec as Record<string, unknown>)[s] !== undefined);
  if (sources.length === 0) errs.push(fe.required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(fe.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(fe.required('spec.hostPath.path'));
  if (spec.local) {
    if (!spec.local.path) errs.push(fe.required('spec.local.path'));
    if (!spec.nodeAffinity) errs.push(fe.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  const policies = ['Delete', 'Recycle', 'Retain'];
  if (!policies.includes(spec.persistentVolumeReclaimPolicy)) errs.push(fe.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, policies));
  if (!stored) out.status = { phase: 'Pending' };
  else {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    for (const s of SOURCES) {
      if (!deepEqual((spec as Record<string, unknown>)[s], (stored.spec as Record<string, unknown> | undefined)?.[s])) errs.push(fe.forbidden(`spec.persistentvolumesource`, 'spec.persistentvolumesource is immutable after creation'));
    }
  }
  throwIfInvalid('PersistentVolume', out.metadata?.name ?? '', errs);
  return out;
}

export function prepareStorageClass(sc: StorageClass, stored: StorageClass | undefined): StorageClass {
  const out = structuredClone(sc) as M<StorageClass>;
  out.reclaimPolicy ||= 'Delete';
  out.volumeBindingMode ||= 'Immediate';
  const errs = [...validateObjectMeta(out.metadata ?? {}, 'StorageClass', false)];
  if (!out.provisioner) errs.push(fe.required('provisioner'));
  if (!['Delete', 'Retain'].includes(out.reclaimPolicy)) errs.push(fe.notSupported('reclaimPolicy', out.reclaimPolicy, ['Delete', 'Retain']));
  if (!['Immediate', 'WaitForFirstConsumer'].includes(out.volumeBindingMode)) errs.push(fe.notSupported('volumeBindingMode', out.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  if (stored) {
    errs.push(...validateObjectMetaUpdate(out.metadata ?? {}, stored.metadata ?? {}));
    if (!deepEqual(out.parameters ?? {}, stored.parameters ?? {})) errs.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (out.provisioner !== stored.provisioner) errs.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (out.reclaimPolicy !== stored.reclaimPolicy) errs.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (out.volumeBindingMode !== stored.volumeBindingMode) errs.push(fe.forbidden('volumeBindingMode', 'field is immutable'));
  }
  throwIfInvalid('StorageClass.storage.k8s.io', out.metadata?.name ?? '', errs);
  return out;
}
