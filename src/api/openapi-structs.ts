/**
 * @module The Go types the OpenAPI schemas are generated from: the pod table of
 * core/pod-structs.ts (one source with the decoder and strict validation), with the few fields
 * it leaves opaque spelled out (timestamps, status, affinity), plus the other kinds served in
 * core/v1 and the list kinds. Descriptions live in openapi-descriptions*.ts.
 */
import { POD_STRUCTS, type FieldType } from '../core/pod-structs.js';

/** FieldType plus what only the schemas distinguish: metav1.Time and base64 []byte. */
export type SchemaField =
  | Exclude<FieldType, { arr: FieldType } | { map: FieldType } | { obj: string }>
  | 'time'
  | 'bytes'
  | { arr: SchemaField }
  | { map: SchemaField }
  | { obj: string };

const str = 'string' as const;
const i32 = 'int32' as const;
const i64 = 'int64' as const;
const bool = 'bool' as const;
const time = 'time' as const;
const strs = { arr: str };
const obj = (name: string): SchemaField => ({ obj: name });
const list = (name: string): SchemaField => ({ arr: { obj: name } });
const typeMeta = { apiVersion: str, kind: str };
const meta = obj('ObjectMeta');

/** Fields the pod table checks only as "some JSON value" but the schemas describe. */
const OVERRIDES: Record<string, Record<string, SchemaField>> = {
  Pod: { status: obj('PodStatus') },
  ObjectMeta: { creationTimestamp: time, deletionTimestamp: time, managedFields: list('ManagedFieldsEntry') },
  PodSpec: {
    affinity: obj('Affinity'),
    ephemeralContainers: list('EphemeralContainer'),
    topologySpreadConstraints: list('TopologySpreadConstraint'),
  },
  Volume: { ephemeral: obj('EphemeralVolumeSource'), csi: obj('CSIVolumeSource'), image: obj('ImageVolumeSource'), nfs: obj('NFSVolumeSource') },
};

const listOf = (item: string): Record<string, SchemaField> => ({ ...typeMeta, metadata: obj('ListMeta'), items: list(item) });

const EXTRA: Record<string, Record<string, SchemaField>> = {
  ListMeta: { resourceVersion: str, continue: str, remainingItemCount: i64 },
  ManagedFieldsEntry: { manager: str, operation: str, apiVersion: str, time, fieldsType: str, fieldsV1: 'object', subresource: str },
  EphemeralContainer: { ...(POD_STRUCTS.Container as Record<string, SchemaField>), targetContainerName: str },
  Affinity: { nodeAffinity: obj('NodeAffinity'), podAffinity: obj('PodAffinity'), podAntiAffinity: obj('PodAntiAffinity') },
  NodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: obj('NodeSelector'),
    preferredDuringSchedulingIgnoredDuringExecution: list('PreferredSchedulingTerm'),
  },
  NodeSelector: { nodeSelectorTerms: list('NodeSelectorTerm') },
  NodeSelectorTerm: { matchExpressions: list('NodeSelectorRequirement'), matchFields: list('NodeSelectorRequirement') },
  NodeSelectorRequirement: { key: str, operator: str, values: strs },
  PreferredSchedulingTerm: { weight: i32, preference: obj('NodeSelectorTerm') },
  PodAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: list('PodAffinityTerm'),
    preferredDuringSchedulingIgnoredDuringExecution: list('WeightedPodAffinityTerm'),
  },
  PodAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: list('PodAffinityTerm'),
    preferredDuringSchedulingIgnoredDuringExecution: list('WeightedPodAffinityTerm'),
  },
  PodAffinityTerm: {
    labelSelector: obj('LabelSelector'),
    namespaces: strs,
    topologyKey: str,
    namespaceSelector: obj('LabelSelector'),
    matchLabelKeys: strs,
    mismatchLabelKeys: strs,
  },
  WeightedPodAffinityTerm: { weight: i32, podAffinityTerm: obj('PodAffinityTerm') },
  LabelSelector: { matchLabels: { map: str }, matchExpressions: list('LabelSelectorRequirement') },
  LabelSelectorRequirement: { key: str, operator: str, values: strs },
  TopologySpreadConstraint: {
    maxSkew: i32,
    topologyKey: str,
    whenUnsatisfiable: str,
    labelSelector: obj('LabelSelector'),
    minDomains: i32,
    nodeAffinityPolicy: str,
    nodeTaintsPolicy: str,
    matchLabelKeys: strs,
  },
  EphemeralVolumeSource: { volumeClaimTemplate: 'object' },
  CSIVolumeSource: { driver: str, readOnly: bool, fsType: str, volumeAttributes: { map: str }, nodePublishSecretRef: obj('LocalObjectReference') },
  ImageVolumeSource: { reference: str, pullPolicy: str },
  NFSVolumeSource: { server: str, path: str, readOnly: bool },
  PodStatus: {
    phase: str,
    conditions: list('PodCondition'),
    message: str,
    reason: str,
    nominatedNodeName: str,
    hostIP: str,
    hostIPs: list('HostIP'),
    podIP: str,
    podIPs: list('PodIP'),
    startTime: time,
    initContainerStatuses: list('ContainerStatus'),
    containerStatuses: list('ContainerStatus'),
    qosClass: str,
    ephemeralContainerStatuses: list('ContainerStatus'),
    resize: str,
  },
  PodCondition: { type: str, status: str, lastProbeTime: time, lastTransitionTime: time, reason: str, message: str },
  HostIP: { ip: str },
  PodIP: { ip: str },
  ContainerStatus: {
    name: str,
    state: obj('ContainerState'),
    lastState: obj('ContainerState'),
    ready: bool,
    restartCount: i32,
    image: str,
    imageID: str,
    containerID: str,
    started: bool,
    allocatedResources: { map: 'quantity' },
    resources: obj('ResourceRequirements'),
    user: 'object',
    volumeMounts: list('VolumeMountStatus'),
  },
  VolumeMountStatus: { name: str, mountPath: str, readOnly: bool, recursiveReadOnly: str },
  ContainerState: { waiting: obj('ContainerStateWaiting'), running: obj('ContainerStateRunning'), terminated: obj('ContainerStateTerminated') },
  ContainerStateWaiting: { reason: str, message: str },
  ContainerStateRunning: { startedAt: time },
  ContainerStateTerminated: { exitCode: i32, signal: i32, reason: str, message: str, startedAt: time, finishedAt: time, containerID: str },
  ConfigMap: { ...typeMeta, metadata: meta, immutable: bool, data: { map: str }, binaryData: { map: 'bytes' } },
  Secret: { ...typeMeta, metadata: meta, immutable: bool, data: { map: 'bytes' }, stringData: { map: str }, type: str },
  Namespace: { ...typeMeta, metadata: meta, spec: obj('NamespaceSpec'), status: obj('NamespaceStatus') },
  NamespaceSpec: { finalizers: strs },
  NamespaceStatus: { phase: str, conditions: list('NamespaceCondition') },
  NamespaceCondition: { type: str, status: str, lastTransitionTime: time, reason: str, message: str },
  Event: {
    ...typeMeta,
    metadata: meta,
    involvedObject: obj('ObjectReference'),
    reason: str,
    message: str,
    source: obj('EventSource'),
    firstTimestamp: time,
    lastTimestamp: time,
    count: i32,
    type: str,
    eventTime: time,
    series: obj('EventSeries'),
    action: str,
    related: obj('ObjectReference'),
    reportingComponent: str,
    reportingInstance: str,
  },
  ObjectReference: { kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str },
  EventSource: { component: str, host: str },
  EventSeries: { count: i32, lastObservedTime: time },
  Node: { ...typeMeta, metadata: meta, spec: obj('NodeSpec'), status: obj('NodeStatus') },
  NodeSpec: { podCIDR: str, podCIDRs: strs, providerID: str, unschedulable: bool, taints: list('Taint') },
  Taint: { key: str, value: str, effect: str, timeAdded: time },
  NodeStatus: {
    capacity: { map: 'quantity' },
    allocatable: { map: 'quantity' },
    phase: str,
    conditions: list('NodeCondition'),
    addresses: list('NodeAddress'),
    daemonEndpoints: obj('NodeDaemonEndpoints'),
    nodeInfo: obj('NodeSystemInfo'),
    images: list('ContainerImage'),
  },
  NodeCondition: { type: str, status: str, lastHeartbeatTime: time, lastTransitionTime: time, reason: str, message: str },
  NodeAddress: { type: str, address: str },
  NodeDaemonEndpoints: { kubeletEndpoint: obj('DaemonEndpoint') },
  DaemonEndpoint: { Port: i32 },
  NodeSystemInfo: {
    machineID: str,
    systemUUID: str,
    bootID: str,
    kernelVersion: str,
    osImage: str,
    containerRuntimeVersion: str,
    kubeletVersion: str,
    kubeProxyVersion: str,
    operatingSystem: str,
    architecture: str,
  },
  ContainerImage: { names: strs, sizeBytes: i64 },
  PodList: listOf('Pod'),
  ConfigMapList: listOf('ConfigMap'),
  SecretList: listOf('Secret'),
  NamespaceList: listOf('Namespace'),
  EventList: listOf('Event'),
  NodeList: listOf('Node'),
  Image: { ...typeMeta, metadata: meta, id: str, names: strs, repoDigests: strs, size: i64, created: str },
  ImageList: listOf('Image'),
};

/** Every struct of core/v1 (and the meta/v1 ones it uses) that gets a schema. */
export const SCHEMA_STRUCTS: Record<string, Record<string, SchemaField>> = (() => {
  const out: Record<string, Record<string, SchemaField>> = {};
  for (const [name, fields] of Object.entries(POD_STRUCTS)) out[name] = { ...fields, ...OVERRIDES[name] };
  return { ...out, ...EXTRA };
})();

/** The kinds with a schema (x-kubernetes-group-version-kind on them), by group version. */
export const KINDS: Record<string, string[]> = {
  v1: ['Pod', 'ConfigMap', 'Secret', 'Namespace', 'Event', 'Node'].flatMap((k) => [k, `${k}List`]),
  'peapod.io/v1alpha1': ['Image', 'ImageList'],
};

/** Structs that live in apimachinery's meta/v1 rather than core/v1. */
export const META_STRUCTS = new Set(['ObjectMeta', 'OwnerReference', 'ManagedFieldsEntry', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement']);

/** Fields without omitempty that the API requires (explain prints them as -required-). */
export const REQUIRED: Record<string, string[]> = {
  PodSpec: ['containers'],
  Container: ['name'],
  EphemeralContainer: ['name'],
  ContainerPort: ['containerPort'],
  EnvVar: ['name'],
  VolumeMount: ['name', 'mountPath'],
  VolumeDevice: ['name', 'devicePath'],
  Volume: ['name'],
  KeyToPath: ['key', 'path'],
  HTTPGetAction: ['port'],
  TCPSocketAction: ['port'],
  GRPCAction: ['port'],
  HTTPHeader: ['name', 'value'],
  SleepAction: ['seconds'],
  ConfigMapKeySelector: ['key'],
  SecretKeySelector: ['key'],
  ObjectFieldSelector: ['fieldPath'],
  ResourceFieldSelector: ['resource'],
  HostPathVolumeSource: ['path'],
  PersistentVolumeClaimVolumeSource: ['claimName'],
  ServiceAccountTokenProjection: ['path'],
  DownwardAPIVolumeFile: ['path'],
  Sysctl: ['name', 'value'],
  SeccompProfile: ['type'],
  AppArmorProfile: ['type'],
  OwnerReference: ['apiVersion', 'kind', 'name', 'uid'],
  PodReadinessGate: ['conditionType'],
  PodSchedulingGate: ['name'],
  PodResourceClaim: ['name'],
  ResourceClaim: ['name'],
  ContainerResizePolicy: ['resourceName', 'restartPolicy'],
  PodOS: ['name'],
  Event: ['metadata', 'involvedObject'],
  PodList: ['items'],
  ConfigMapList: ['items'],
  SecretList: ['items'],
  NamespaceList: ['items'],
  EventList: ['items'],
  NodeList: ['items'],
};
