/**
 * @module The Go types the OpenAPI schemas are generated from: the pod table of
 * core/pod-structs.ts (one source with the decoder and strict validation), with the few fields
 * it leaves opaque spelled out (timestamps, status, affinity), plus the other kinds served in
 * core/v1 and the list kinds. Descriptions live in openapi-descriptions*.ts.
 */
import { POD_STRUCTS, type FieldType } from '../core/pod-structs.js';
import { WORKLOAD_STRUCTS } from '../core/workload-structs.js';
import { BATCH_STORAGE_STRUCTS } from '../core/batch-storage-structs.js';

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

/** core/v1 Service, Endpoints, ServiceAccount; discovery.k8s.io/v1 EndpointSlice; rbac.authorization.k8s.io/v1. */
const SERVICE_STRUCTS: Record<string, Record<string, SchemaField>> = {
  Service: { ...typeMeta, metadata: meta, spec: obj('ServiceSpec'), status: obj('ServiceStatus') },
  ServiceSpec: {
    ports: list('ServicePort'),
    selector: { map: str },
    clusterIP: str,
    clusterIPs: strs,
    type: str,
    externalIPs: strs,
    sessionAffinity: str,
    loadBalancerIP: str,
    loadBalancerSourceRanges: strs,
    externalName: str,
    externalTrafficPolicy: str,
    healthCheckNodePort: i32,
    publishNotReadyAddresses: bool,
    sessionAffinityConfig: obj('SessionAffinityConfig'),
    ipFamilies: strs,
    ipFamilyPolicy: str,
    allocateLoadBalancerNodePorts: bool,
    loadBalancerClass: str,
    internalTrafficPolicy: str,
    trafficDistribution: str,
  },
  ServicePort: { name: str, protocol: str, appProtocol: str, port: i32, targetPort: 'intOrString', nodePort: i32 },
  SessionAffinityConfig: { clientIP: obj('ClientIPConfig') },
  ClientIPConfig: { timeoutSeconds: i32 },
  ServiceStatus: { loadBalancer: obj('LoadBalancerStatus'), conditions: list('Condition') },
  LoadBalancerStatus: { ingress: list('LoadBalancerIngress') },
  LoadBalancerIngress: { ip: str, hostname: str, ipMode: str, ports: list('PortStatus') },
  PortStatus: { port: i32, protocol: str, error: str },
  Condition: { type: str, status: str, observedGeneration: i64, lastTransitionTime: time, reason: str, message: str },
  Endpoints: { ...typeMeta, metadata: meta, subsets: list('EndpointSubset') },
  EndpointSubset: { addresses: list('EndpointAddress'), notReadyAddresses: list('EndpointAddress'), ports: list('EndpointPort') },
  EndpointAddress: { ip: str, hostname: str, nodeName: str, targetRef: obj('ObjectReference') },
  EndpointPort: { name: str, port: i32, protocol: str, appProtocol: str },
  EndpointSlice: { ...typeMeta, metadata: meta, addressType: str, endpoints: list('Endpoint'), ports: list('EndpointPort') },
  Endpoint: {
    addresses: strs,
    conditions: obj('EndpointConditions'),
    hostname: str,
    targetRef: obj('ObjectReference'),
    deprecatedTopology: { map: str },
    nodeName: str,
    zone: str,
    hints: obj('EndpointHints'),
  },
  EndpointConditions: { ready: bool, serving: bool, terminating: bool },
  EndpointHints: { forZones: list('ForZone') },
  ForZone: { name: str },
  ServiceAccount: { ...typeMeta, metadata: meta, secrets: list('ObjectReference'), imagePullSecrets: list('LocalObjectReference'), automountServiceAccountToken: bool },
  Role: { ...typeMeta, metadata: meta, rules: list('PolicyRule') },
  ClusterRole: { ...typeMeta, metadata: meta, rules: list('PolicyRule'), aggregationRule: obj('AggregationRule') },
  AggregationRule: { clusterRoleSelectors: list('LabelSelector') },
  PolicyRule: { verbs: strs, apiGroups: strs, resources: strs, resourceNames: strs, nonResourceURLs: strs },
  RoleBinding: { ...typeMeta, metadata: meta, subjects: list('Subject'), roleRef: obj('RoleRef') },
  ClusterRoleBinding: { ...typeMeta, metadata: meta, subjects: list('Subject'), roleRef: obj('RoleRef') },
  Subject: { kind: str, apiGroup: str, name: str, namespace: str },
  RoleRef: { apiGroup: str, kind: str, name: str },
  ServiceList: listOf('Service'),
  EndpointsList: listOf('Endpoints'),
  ServiceAccountList: listOf('ServiceAccount'),
  EndpointSliceList: listOf('EndpointSlice'),
  RoleList: listOf('Role'),
  ClusterRoleList: listOf('ClusterRole'),
  RoleBindingList: listOf('RoleBinding'),
  ClusterRoleBindingList: listOf('ClusterRoleBinding'),
};

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
  ...SERVICE_STRUCTS,
  Image: { ...typeMeta, metadata: meta, id: str, names: strs, repoDigests: strs, size: i64, created: str },
  ImageList: listOf('Image'),
};

/** The workload kinds' timestamps and opaque fields, as the schemas describe them. */
const WORKLOAD_OVERRIDES: Record<string, Record<string, SchemaField>> = {
  DeploymentCondition: { lastUpdateTime: 'time', lastTransitionTime: 'time' },
  ReplicaSetCondition: { lastTransitionTime: 'time' },
  ReplicationControllerCondition: { lastTransitionTime: 'time' },
  DaemonSetCondition: { lastTransitionTime: 'time' },
  ControllerRevision: { data: 'object' },
};

/** The batch, StatefulSet, storage and quota kinds' timestamps, as the schemas describe them. */
const BATCH_STORAGE_OVERRIDES: Record<string, Record<string, SchemaField>> = {
  JobStatus: { startTime: 'time', completionTime: 'time' },
  JobCondition: { lastProbeTime: 'time', lastTransitionTime: 'time' },
  CronJobStatus: { lastScheduleTime: 'time', lastSuccessfulTime: 'time' },
  StatefulSetCondition: { lastProbeTime: 'time', lastTransitionTime: 'time' },
  PersistentVolumeClaimCondition: { lastProbeTime: 'time', lastTransitionTime: 'time' },
  PersistentVolumeStatus: { lastPhaseTransitionTime: 'time' },
};

const BATCH_STORAGE_LISTS = ['Job', 'CronJob', 'StatefulSet', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass'];

const WORKLOAD_LISTS = ['Deployment', 'ReplicaSet', 'DaemonSet', 'ControllerRevision', 'ReplicationController', 'PriorityClass'];

/** Every struct that gets a schema: core/v1 (and the meta/v1 ones it uses) and the workload kinds. */
export const SCHEMA_STRUCTS: Record<string, Record<string, SchemaField>> = (() => {
  const out: Record<string, Record<string, SchemaField>> = {};
  for (const [name, fields] of Object.entries(POD_STRUCTS)) out[name] = { ...fields, ...OVERRIDES[name] };
  const workloads: Record<string, Record<string, SchemaField>> = {};
  for (const [name, fields] of Object.entries(WORKLOAD_STRUCTS)) workloads[name] = { ...(fields as Record<string, SchemaField>), ...WORKLOAD_OVERRIDES[name] };
  for (const k of WORKLOAD_LISTS) workloads[`${k}List`] = listOf(k);
  for (const [name, fields] of Object.entries(BATCH_STORAGE_STRUCTS)) workloads[name] = { ...(fields as Record<string, SchemaField>), ...BATCH_STORAGE_OVERRIDES[name] };
  for (const k of BATCH_STORAGE_LISTS) workloads[`${k}List`] = listOf(k);
  return { ...out, ...EXTRA, ...workloads };
})();

/** The kinds with a schema (x-kubernetes-group-version-kind on them), by group version. */
export const KINDS: Record<string, string[]> = {
  v1: ['Pod', 'ConfigMap', 'Secret', 'Namespace', 'Event', 'Node', 'Service', 'Endpoints', 'ServiceAccount'].flatMap((k) => [k, `${k}List`]),
  'discovery.k8s.io/v1': ['EndpointSlice', 'EndpointSliceList'],
  'rbac.authorization.k8s.io/v1': ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].flatMap((k) => [k, `${k}List`]),
  'peapod.io/v1alpha1': ['Image', 'ImageList'],
  'apps/v1': ['Deployment', 'ReplicaSet', 'DaemonSet', 'ControllerRevision'].flatMap((k) => [k, `${k}List`]),
  'scheduling.k8s.io/v1': ['PriorityClass', 'PriorityClassList'],
};
KINDS.v1.push('ReplicationController', 'ReplicationControllerList');
// PersistentVolume and PersistentVolumeClaim get core/v1 schemas once their fields are described (kubectl uses its built-in types meanwhile).
KINDS['apps/v1'].push('StatefulSet', 'StatefulSetList');
KINDS['batch/v1'] = ['Job', 'JobList', 'CronJob', 'CronJobList'];
KINDS['storage.k8s.io/v1'] = ['StorageClass', 'StorageClassList'];

/** Structs that live in apimachinery's meta/v1 rather than core/v1. */
export const META_STRUCTS = new Set(['ObjectMeta', 'OwnerReference', 'ManagedFieldsEntry', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'Condition']);

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
  ServicePort: ['port'],
  EndpointAddress: ['ip'],
  EndpointPort: ['port'],
  EndpointSlice: ['addressType', 'endpoints'],
  Endpoint: ['addresses'],
  PolicyRule: ['verbs'],
  RoleBinding: ['roleRef'],
  ClusterRoleBinding: ['roleRef'],
  Subject: ['kind', 'name'],
  RoleRef: ['apiGroup', 'kind', 'name'],
  Condition: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  ServiceList: ['items'],
  EndpointsList: ['items'],
  ServiceAccountList: ['items'],
  EndpointSliceList: ['items'],
  RoleList: ['items'],
  ClusterRoleList: ['items'],
  RoleBindingList: ['items'],
  ClusterRoleBindingList: ['items'],
};
