/**
 * @module The Go types of the workload kinds (k8s.io/api apps/v1 Deployment, ReplicaSet,
 * DaemonSet, ControllerRevision; core/v1 ReplicationController; scheduling/v1 PriorityClass),
 * in the FieldType form of pod-structs.ts, whose PodSpec their templates embed. One table feeds
 * the JSON type check (decodeAs), strict field validation and the OpenAPI schemas.
 */
import { type FieldType, str, i32, i64, bool, any, intOrString, strs, obj, list } from './pod-structs.js';

const typeMeta = { apiVersion: str, kind: str, metadata: obj('ObjectMeta') };
const condition = { type: str, status: str, lastTransitionTime: any, reason: str, message: str };

export const WORKLOAD_STRUCTS: Record<string, Record<string, FieldType>> = {
  LabelSelector: { matchLabels: { map: str }, matchExpressions: list('LabelSelectorRequirement') },
  LabelSelectorRequirement: { key: str, operator: str, values: strs },
  PodTemplateSpec: { metadata: obj('ObjectMeta'), spec: obj('PodSpec') },

  Deployment: { ...typeMeta, spec: obj('DeploymentSpec'), status: obj('DeploymentStatus') },
  DeploymentSpec: {
    replicas: i32,
    selector: obj('LabelSelector'),
    template: obj('PodTemplateSpec'),
    strategy: obj('DeploymentStrategy'),
    minReadySeconds: i32,
    revisionHistoryLimit: i32,
    paused: bool,
    progressDeadlineSeconds: i32,
  },
  DeploymentStrategy: { type: str, rollingUpdate: obj('RollingUpdateDeployment') },
  RollingUpdateDeployment: { maxUnavailable: intOrString, maxSurge: intOrString },
  DeploymentStatus: {
    observedGeneration: i64,
    replicas: i32,
    updatedReplicas: i32,
    readyReplicas: i32,
    availableReplicas: i32,
    unavailableReplicas: i32,
    terminatingReplicas: i32,
    conditions: list('DeploymentCondition'),
    collisionCount: i32,
  },
  DeploymentCondition: { ...condition, lastUpdateTime: any },

  ReplicaSet: { ...typeMeta, spec: obj('ReplicaSetSpec'), status: obj('ReplicaSetStatus') },
  ReplicaSetSpec: { replicas: i32, minReadySeconds: i32, selector: obj('LabelSelector'), template: obj('PodTemplateSpec') },
  ReplicaSetStatus: {
    replicas: i32,
    fullyLabeledReplicas: i32,
    readyReplicas: i32,
    availableReplicas: i32,
    terminatingReplicas: i32,
    observedGeneration: i64,
    conditions: list('ReplicaSetCondition'),
  },
  ReplicaSetCondition: condition,

  ReplicationController: { ...typeMeta, spec: obj('ReplicationControllerSpec'), status: obj('ReplicationControllerStatus') },
  ReplicationControllerSpec: { replicas: i32, minReadySeconds: i32, selector: { map: str }, template: obj('PodTemplateSpec') },
  ReplicationControllerStatus: {
    replicas: i32,
    fullyLabeledReplicas: i32,
    readyReplicas: i32,
    availableReplicas: i32,
    observedGeneration: i64,
    conditions: list('ReplicationControllerCondition'),
  },
  ReplicationControllerCondition: condition,

  DaemonSet: { ...typeMeta, spec: obj('DaemonSetSpec'), status: obj('DaemonSetStatus') },
  DaemonSetSpec: {
    selector: obj('LabelSelector'),
    template: obj('PodTemplateSpec'),
    updateStrategy: obj('DaemonSetUpdateStrategy'),
    minReadySeconds: i32,
    revisionHistoryLimit: i32,
  },
  DaemonSetUpdateStrategy: { type: str, rollingUpdate: obj('RollingUpdateDaemonSet') },
  RollingUpdateDaemonSet: { maxUnavailable: intOrString, maxSurge: intOrString },
  DaemonSetStatus: {
    currentNumberScheduled: i32,
    numberMisscheduled: i32,
    desiredNumberScheduled: i32,
    numberReady: i32,
    observedGeneration: i64,
    updatedNumberScheduled: i32,
    numberAvailable: i32,
    numberUnavailable: i32,
    collisionCount: i32,
    conditions: list('DaemonSetCondition'),
  },
  DaemonSetCondition: condition,

  ControllerRevision: { ...typeMeta, data: any, revision: i64 },

  PriorityClass: { ...typeMeta, value: i32, globalDefault: bool, description: str, preemptionPolicy: str },
};

/** The k8s.io/api package of each struct here (for schema names); LabelSelector and friends are meta/v1. */
export const WORKLOAD_PACKAGES: Record<string, string> = Object.fromEntries(
  Object.keys(WORKLOAD_STRUCTS).map((name) => {
    if (name.startsWith('LabelSelector')) return [name, 'meta'];
    if (name === 'PodTemplateSpec' || name.startsWith('ReplicationController')) return [name, 'core'];
    if (name === 'PriorityClass') return [name, 'scheduling'];
    return [name, 'apps'];
  }),
);
