/**
 * @module The Go types of batch/v1 Job and CronJob, apps/v1 StatefulSet, core/v1
 * PersistentVolume, PersistentVolumeClaim, ResourceQuota and LimitRange, and storage.k8s.io/v1
 * StorageClass, in the FieldType form of pod-structs.ts (their templates embed its PodSpec). One
 * table feeds the JSON type check (decodeAs), strict field validation and the OpenAPI schemas.
 */
import { type FieldType, str, i32, i64, bool, any, quantity, intOrString, object, strs, obj, list } from './pod-structs.js';

const quantities = { map: quantity };
const typeMeta = { apiVersion: str, kind: str, metadata: obj('ObjectMeta') };
const condition = { type: str, status: str, lastProbeTime: any, lastTransitionTime: any, reason: str, message: str };

export const BATCH_STORAGE_STRUCTS: Record<string, Record<string, FieldType>> = {
  Job: { ...typeMeta, spec: obj('JobSpec'), status: obj('JobStatus') },
  JobSpec: {
    parallelism: i32,
    completions: i32,
    activeDeadlineSeconds: i64,
    podFailurePolicy: obj('PodFailurePolicy'),
    successPolicy: obj('SuccessPolicy'),
    backoffLimit: i32,
    backoffLimitPerIndex: i32,
    maxFailedIndexes: i32,
    selector: obj('LabelSelector'),
    manualSelector: bool,
    template: obj('PodTemplateSpec'),
    ttlSecondsAfterFinished: i32,
    completionMode: str,
    suspend: bool,
    podReplacementPolicy: str,
    managedBy: str,
  },
  PodFailurePolicy: { rules: list('PodFailurePolicyRule') },
  PodFailurePolicyRule: { action: str, onExitCodes: obj('PodFailurePolicyOnExitCodesRequirement'), onPodConditions: list('PodFailurePolicyOnPodConditionsPattern') },
  PodFailurePolicyOnExitCodesRequirement: { containerName: str, operator: str, values: { arr: i32 } },
  PodFailurePolicyOnPodConditionsPattern: { type: str, status: str },
  SuccessPolicy: { rules: list('SuccessPolicyRule') },
  SuccessPolicyRule: { succeededIndexes: str, succeededCount: i32 },
  JobStatus: {
    conditions: list('JobCondition'),
    startTime: any,
    completionTime: any,
    active: i32,
    succeeded: i32,
    failed: i32,
    terminating: i32,
    completedIndexes: str,
    failedIndexes: str,
    uncountedTerminatedPods: obj('UncountedTerminatedPods'),
    ready: i32,
  },
  JobCondition: condition,
  UncountedTerminatedPods: { succeeded: strs, failed: strs },

  CronJob: { ...typeMeta, spec: obj('CronJobSpec'), status: obj('CronJobStatus') },
  CronJobSpec: {
    schedule: str,
    timeZone: str,
    startingDeadlineSeconds: i64,
    concurrencyPolicy: str,
    suspend: bool,
    jobTemplate: obj('JobTemplateSpec'),
    successfulJobsHistoryLimit: i32,
    failedJobsHistoryLimit: i32,
  },
  JobTemplateSpec: { metadata: obj('ObjectMeta'), spec: obj('JobSpec') },
  CronJobStatus: { active: list('ObjectReference'), lastScheduleTime: any, lastSuccessfulTime: any },
  ObjectReference: { kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str },

  StatefulSet: { ...typeMeta, spec: obj('StatefulSetSpec'), status: obj('StatefulSetStatus') },
  StatefulSetSpec: {
    replicas: i32,
    selector: obj('LabelSelector'),
    template: obj('PodTemplateSpec'),
    volumeClaimTemplates: list('PersistentVolumeClaim'),
    serviceName: str,
    podManagementPolicy: str,
    updateStrategy: obj('StatefulSetUpdateStrategy'),
    revisionHistoryLimit: i32,
    minReadySeconds: i32,
    persistentVolumeClaimRetentionPolicy: obj('StatefulSetPersistentVolumeClaimRetentionPolicy'),
    ordinals: obj('StatefulSetOrdinals'),
  },
  StatefulSetUpdateStrategy: { type: str, rollingUpdate: obj('RollingUpdateStatefulSetStrategy') },
  RollingUpdateStatefulSetStrategy: { partition: i32, maxUnavailable: intOrString },
  StatefulSetPersistentVolumeClaimRetentionPolicy: { whenDeleted: str, whenScaled: str },
  StatefulSetOrdinals: { start: i32 },
  StatefulSetStatus: {
    observedGeneration: i64,
    replicas: i32,
    readyReplicas: i32,
    currentReplicas: i32,
    updatedReplicas: i32,
    currentRevision: str,
    updateRevision: str,
    collisionCount: i32,
    conditions: list('StatefulSetCondition'),
    availableReplicas: i32,
  },
  StatefulSetCondition: condition,

  PersistentVolumeClaim: { ...typeMeta, spec: obj('PersistentVolumeClaimSpec'), status: obj('PersistentVolumeClaimStatus') },
  PersistentVolumeClaimSpec: {
    accessModes: strs,
    selector: obj('LabelSelector'),
    resources: obj('VolumeResourceRequirements'),
    volumeName: str,
    storageClassName: str,
    volumeMode: str,
    dataSource: obj('TypedLocalObjectReference'),
    dataSourceRef: obj('TypedObjectReference'),
    volumeAttributesClassName: str,
  },
  VolumeResourceRequirements: { limits: quantities, requests: quantities },
  TypedLocalObjectReference: { apiGroup: str, kind: str, name: str },
  TypedObjectReference: { apiGroup: str, kind: str, name: str, namespace: str },
  PersistentVolumeClaimStatus: {
    phase: str,
    accessModes: strs,
    capacity: quantities,
    conditions: list('PersistentVolumeClaimCondition'),
    allocatedResources: quantities,
    allocatedResourceStatuses: { map: str },
    currentVolumeAttributesClassName: str,
    modifyVolumeStatus: object,
  },
  PersistentVolumeClaimCondition: condition,

  PersistentVolume: { ...typeMeta, spec: obj('PersistentVolumeSpec'), status: obj('PersistentVolumeStatus') },
  PersistentVolumeSpec: {
    capacity: quantities,
    hostPath: obj('HostPathVolumeSource'),
    local: obj('LocalVolumeSource'),
    nfs: object,
    csi: object,
    iscsi: object,
    fc: object,
    awsElasticBlockStore: object,
    gcePersistentDisk: object,
    azureDisk: object,
    azureFile: object,
    cephfs: object,
    cinder: object,
    flexVolume: object,
    flocker: object,
    glusterfs: object,
    photonPersistentDisk: object,
    portworxVolume: object,
    quobyte: object,
    rbd: object,
    scaleIO: object,
    storageos: object,
    vsphereVolume: object,
    accessModes: strs,
    claimRef: obj('ObjectReference'),
    persistentVolumeReclaimPolicy: str,
    storageClassName: str,
    mountOptions: strs,
    volumeMode: str,
    nodeAffinity: obj('VolumeNodeAffinity'),
    volumeAttributesClassName: str,
  },
  LocalVolumeSource: { path: str, fsType: str },
  VolumeNodeAffinity: { required: object },
  PersistentVolumeStatus: { phase: str, message: str, reason: str, lastPhaseTransitionTime: any },

  StorageClass: {
    ...typeMeta,
    provisioner: str,
    parameters: { map: str },
    reclaimPolicy: str,
    mountOptions: strs,
    allowVolumeExpansion: bool,
    volumeBindingMode: str,
    allowedTopologies: { arr: object },
  },

  ResourceQuota: { ...typeMeta, spec: obj('ResourceQuotaSpec'), status: obj('ResourceQuotaStatus') },
  ResourceQuotaSpec: { hard: quantities, scopes: strs, scopeSelector: obj('ScopeSelector') },
  ScopeSelector: { matchExpressions: list('ScopedResourceSelectorRequirement') },
  ScopedResourceSelectorRequirement: { scopeName: str, operator: str, values: strs },
  ResourceQuotaStatus: { hard: quantities, used: quantities },

  LimitRange: { ...typeMeta, spec: obj('LimitRangeSpec') },
  LimitRangeSpec: { limits: list('LimitRangeItem') },
  LimitRangeItem: {
    type: str,
    max: quantities,
    min: quantities,
    default: quantities,
    defaultRequest: quantities,
    maxLimitRequestRatio: quantities,
  },
};

/** The k8s.io/api package of each struct here, for schema names (core unless said). */
export const BATCH_STORAGE_PACKAGES: Record<string, string> = Object.fromEntries(
  Object.keys(BATCH_STORAGE_STRUCTS).map((name) => {
    if (/^(Job|CronJob|PodFailurePolicy|SuccessPolicy|UncountedTerminatedPods)/.test(name)) return [name, 'batch'];
    if (name.startsWith('StatefulSet') || name === 'RollingUpdateStatefulSetStrategy') return [name, 'apps'];
    if (name === 'StorageClass') return [name, 'storage'];
    return [name, 'core'];
  }),
);
