/**
 * @module Descriptions of the workload kinds' structs (Deployment, ReplicaSet, DaemonSet,
 * ReplicationController, ControllerRevision, PriorityClass) for `kubectl explain`, after
 * k8s.io/api's field comments, shortened.
 */
import type { Docs } from './openapi-descriptions-pod.js';

const META = 'Standard object metadata.';
const kindDocs = (what: string, spec: string, status: string): Record<string, string> => ({
  '': what,
  apiVersion: 'Versioned schema of this object, e.g. "apps/v1".',
  kind: 'Type of this object, in CamelCase.',
  metadata: META,
  spec,
  status,
});
const condition = (what: string): Record<string, string> => ({
  '': `Describes the state of a ${what} at a certain point.`,
  type: 'Type of condition.',
  status: 'Status of the condition, one of True, False, Unknown.',
  lastTransitionTime: 'The last time the condition transitioned from one status to another.',
  reason: 'The reason for the condition\'s last transition.',
  message: 'A human readable message indicating details about the transition.',
});
const list = (what: string): Record<string, string> => ({
  '': `A list of ${what}.`,
  apiVersion: 'Versioned schema of this object.',
  kind: 'Type of this object, in CamelCase.',
  metadata: 'List metadata: the resourceVersion to watch from and the continue token for paging.',
  items: `The ${what}.`,
});
const TERMINATING = 'The number of terminating pods (with a deletionTimestamp, not yet gone).';
const OBSERVED = 'The generation observed by the controller.';
const REPLICAS = 'Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.';
const MIN_READY = 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready).';
const TEMPLATE = 'Template describes the pods that will be created.';
const SELECTOR = 'Label selector for pods. It must match the pod template\'s labels. Immutable.';

export const WORKLOAD_DOCS: Docs = {
  DeploymentList: list('deployments'),
  ReplicaSetList: list('replica sets'),
  DaemonSetList: list('daemon sets'),
  ControllerRevisionList: list('controller revisions'),
  ReplicationControllerList: list('replication controllers'),
  PriorityClassList: list('priority classes'),
  PodTemplateSpec: {
    '': 'PodTemplateSpec describes the data a pod should have when created from a template.',
    metadata: META,
    spec: 'Specification of the desired behavior of the pod.',
  },
  Deployment: kindDocs('Deployment enables declarative updates for Pods and ReplicaSets.', 'Specification of the desired behavior of the Deployment.', 'Most recently observed status of the Deployment.'),
  DeploymentSpec: {
    '': 'DeploymentSpec is the specification of the desired behavior of the Deployment.',
    replicas: REPLICAS,
    selector: SELECTOR,
    template: 'Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".',
    strategy: 'The deployment strategy to use to replace existing pods with new ones.',
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: 'The number of old ReplicaSets to retain to allow rollback. Defaults to 10.',
    paused: 'Indicates that the deployment is paused.',
    progressDeadlineSeconds: 'The maximum time in seconds for a deployment to make progress before it is considered to be failed. The deployment controller will continue to process failed deployments and a condition with a ProgressDeadlineExceeded reason will be surfaced in the deployment status. Defaults to 600s.',
  },
  DeploymentStrategy: {
    '': 'DeploymentStrategy describes how to replace existing pods with new ones.',
    type: 'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.',
    rollingUpdate: 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.',
  },
  RollingUpdateDeployment: {
    '': 'Spec to control the desired behavior of rolling update.',
    maxUnavailable: 'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding down. Defaults to 25%.',
    maxSurge: 'The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding up. Defaults to 25%.',
  },
  DeploymentStatus: {
    '': 'DeploymentStatus is the most recently observed status of the Deployment.',
    observedGeneration: 'The generation observed by the deployment controller.',
    replicas: 'Total number of non-terminated pods targeted by this deployment (their labels match the selector).',
    updatedReplicas: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    readyReplicas: 'Total number of non-terminated pods targeted by this Deployment with a Ready Condition.',
    availableReplicas: 'Total number of available non-terminated pods (ready for at least minReadySeconds) targeted by this deployment.',
    unavailableReplicas: 'Total number of unavailable pods targeted by this deployment.',
    conditions: 'Represents the latest available observations of a deployment\'s current state.',
    collisionCount: 'Count of hash collisions for the Deployment, used to name the newest ReplicaSet.',
    terminatingReplicas: TERMINATING,
  },
  DeploymentCondition: { ...condition('deployment'), lastUpdateTime: 'The last time this condition was updated.' },
  ReplicaSet: kindDocs('ReplicaSet ensures that a specified number of pod replicas are running at any given time.', 'Spec defines the specification of the desired behavior of the ReplicaSet.', 'Status is the most recently observed status of the ReplicaSet.'),
  ReplicaSetSpec: { '': 'ReplicaSetSpec is the specification of a ReplicaSet.', replicas: REPLICAS, minReadySeconds: MIN_READY, selector: SELECTOR, template: TEMPLATE },
  ReplicaSetStatus: {
    '': 'ReplicaSetStatus represents the current status of a ReplicaSet.',
    replicas: 'The most recently observed number of non-terminating pods.',
    fullyLabeledReplicas: 'The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.',
    readyReplicas: 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.',
    availableReplicas: 'The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.',
    observedGeneration: 'ObservedGeneration reflects the generation of the most recently observed ReplicaSet.',
    conditions: 'Represents the latest available observations of a replica set\'s current state.',
    terminatingReplicas: TERMINATING,
  },
  ReplicaSetCondition: condition('replica set'),
  ReplicationController: kindDocs('ReplicationController represents the configuration of a replication controller.', 'Spec defines the specification of the desired behavior of the replication controller.', 'Status is the most recently observed status of the replication controller.'),
  ReplicationControllerSpec: {
    '': 'ReplicationControllerSpec is the specification of a replication controller.',
    replicas: REPLICAS,
    minReadySeconds: MIN_READY,
    selector: 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template.',
    template: TEMPLATE,
  },
  ReplicationControllerStatus: {
    '': 'ReplicationControllerStatus represents the current status of a replication controller.',
    replicas: 'The most recently observed number of replicas.',
    fullyLabeledReplicas: 'The number of pods that have labels matching the labels of the pod template of the replication controller.',
    readyReplicas: 'The number of ready replicas for this replication controller.',
    availableReplicas: 'The number of available replicas (ready for at least minReadySeconds) for this replication controller.',
    observedGeneration: OBSERVED,
    conditions: 'Represents the latest available observations of a replication controller\'s current state.',
  },
  ReplicationControllerCondition: condition('replication controller'),
  DaemonSet: kindDocs('DaemonSet represents the configuration of a daemon set.', 'The desired behavior of this daemon set.', 'The current status of this daemon set.'),
  DaemonSetSpec: {
    '': 'DaemonSetSpec is the specification of a daemon set.',
    selector: SELECTOR,
    template: 'An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template\'s node selector (or on every node if no node selector is specified).',
    updateStrategy: 'An update strategy to replace existing DaemonSet pods with new pods.',
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: 'The number of old history to retain to allow rollback. Defaults to 10.',
  },
  DaemonSetUpdateStrategy: {
    '': 'DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.',
    type: 'Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.',
    rollingUpdate: 'Rolling update config params. Present only if type = "RollingUpdate".',
  },
  RollingUpdateDaemonSet: {
    '': 'Spec to control the desired behavior of daemon set rolling update.',
    maxUnavailable: 'The maximum number of DaemonSet pods that can be unavailable during the update. Defaults to 1.',
    maxSurge: 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during an update. Defaults to 0.',
  },
  DaemonSetStatus: {
    '': 'DaemonSetStatus represents the current status of a daemon set.',
    desiredNumberScheduled: 'The total number of nodes that should be running the daemon pod.',
    currentNumberScheduled: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
    numberReady: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    updatedNumberScheduled: 'The total number of nodes that are running updated daemon pod.',
    numberAvailable: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
    numberMisscheduled: 'The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.',
    numberUnavailable: 'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available.',
    observedGeneration: OBSERVED,
    collisionCount: 'Count of hash collisions for the DaemonSet, used to name the newest ControllerRevision.',
    conditions: 'Represents the latest available observations of a DaemonSet\'s current state.',
  },
  DaemonSetCondition: condition('DaemonSet'),
  ControllerRevision: {
    '': 'ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state.',
    apiVersion: 'Versioned schema of this object, e.g. "apps/v1".',
    kind: 'Type of this object, in CamelCase.',
    metadata: META,
    data: 'Data is the serialized representation of the state.',
    revision: 'Revision indicates the revision of the state represented by Data.',
  },
  PriorityClass: {
    '': 'PriorityClass defines mapping from a priority class name to the priority integer value.',
    apiVersion: 'Versioned schema of this object, e.g. "scheduling.k8s.io/v1".',
    kind: 'Type of this object, in CamelCase.',
    metadata: META,
    value: 'The integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
    globalDefault: 'Whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.',
    description: 'An arbitrary string that usually provides guidelines on when this priority class should be used.',
    preemptionPolicy: 'The Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority.',
  },
};
