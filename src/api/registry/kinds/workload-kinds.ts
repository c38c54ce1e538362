/**
 * @module The workload kinds: apps/v1 Deployment, ReplicaSet, DaemonSet and ControllerRevision,
 * core/v1 ReplicationController, with upstream's printer columns, status and scale
 * subresources, and metadata.generation for the controllers' observedGeneration.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import { formatLabelSelector } from '../../../core/label-selector.js';
import { decodeAs } from '../../../core/pod-decode.js';
import type { KubeObject } from '../../../core/types.js';
import {
  prepareDaemonSet,
  prepareDeployment,
  prepareReplicaSet,
  prepareReplicationController,
  validateDeploymentStatus,
} from '../../../core/workloads/workload-validation.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

type K<T> = T & KubeObject;

const CONTAINERS = column('Containers', 'Names of each container in the template.', { priority: 1 });
const IMAGES = column('Images', 'Images referenced by each container in the template.', { priority: 1 });
const SELECTOR = (what: string) => column('Selector', `Label selector for pods. ${what}`, { priority: 1 });

function templateCells(t: PodTemplateSpec | undefined): string[] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** labels.FormatLabels: `k=v,...` sorted, `<none>` when empty. */
function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

const replicasColumns = (what: string) => [
  NAME_COLUMN,
  column('Desired', `Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.`, { type: 'integer' }),
  column('Current', 'Most recently observed number of replicas.', { type: 'integer' }),
  column('Ready', 'The number of ready replicas for this replica set. A pod is considered ready when it has a Ready Condition with Status equal to true.', { type: 'integer' }),
  AGE_COLUMN,
  CONTAINERS,
  IMAGES,
  SELECTOR(what),
];

export const deploymentKind: KindDefinition<K<Deployment>> = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  decode: (body) => decodeAs(body, 'Deployment'),
  prepare: (d, stored) => prepareDeployment(d, stored) as K<Deployment>,
  status: { prepareStatus: (d) => validateDeploymentStatus(d) as K<Deployment> },
  generation: true,
  scale: { selector: (d) => formatLabelSelector(d.spec?.selector).replace(/^<none>$/, '') },
  table: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Number of the pod with ready state'),
      column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
      column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
      SELECTOR('Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    cells: (d, now) => [
      d.metadata?.name,
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(d, now),
      ...templateCells(d.spec?.template),
      formatLabelSelector(d.spec?.selector),
    ],
  },
};

export const replicaSetKind: KindDefinition<K<ReplicaSet>> = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  fieldSelectors: ['status.replicas'],
  decode: (body) => decodeAs(body, 'ReplicaSet'),
  prepare: (rs, stored) => prepareReplicaSet(rs, stored) as K<ReplicaSet>,
  status: true,
  generation: true,
  scale: { selector: (rs) => formatLabelSelector(rs.spec?.selector).replace(/^<none>$/, '') },
  table: {
    columns: replicasColumns('Label keys and values that must match in order to be controlled by this replica set.'),
    cells: (rs, now) => [
      rs.metadata?.name,
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs, now),
      ...templateCells(rs.spec?.template),
      formatLabelSelector(rs.spec?.selector),
    ],
  },
};

export const replicationControllerKind: KindDefinition<K<ReplicationController>> = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  fieldSelectors: ['status.replicas'],
  decode: (body) => decodeAs(body, 'ReplicationController'),
  prepare: (rc, stored) => prepareReplicationController(rc, stored) as K<ReplicationController>,
  status: true,
  generation: true,
  scale: { selector: (rc) => formatLabels(rc.spec?.selector).replace(/^<none>$/, '') },
  table: {
    columns: replicasColumns('Label keys and values that must match in order to be controlled by this replication controller.'),
    cells: (rc, now) => [
      rc.metadata?.name,
      rc.spec?.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      age(rc, now),
      ...templateCells(rc.spec?.template),
      formatLabels(rc.spec?.selector),
    ],
  },
};

export const daemonSetKind: KindDefinition<K<DaemonSet>> = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  decode: (body) => decodeAs(body, 'DaemonSet'),
  prepare: (ds, stored) => prepareDaemonSet(ds, stored) as K<DaemonSet>,
  status: true,
  generation: true,
  table: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', { type: 'integer' }),
      column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
      column('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
      column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
      column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
      column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
      AGE_COLUMN,
      CONTAINERS,
      IMAGES,
      SELECTOR('A label query over pods that are managed by the daemon set.'),
    ],
    cells: (ds, now) => [
      ds.metadata?.name,
      ds.status?.desiredNumberScheduled ?? 0,
      ds.status?.currentNumberScheduled ?? 0,
      ds.status?.numberReady ?? 0,
      ds.status?.updatedNumberScheduled ?? 0,
      ds.status?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      ...templateCells(ds.spec?.template),
      formatLabelSelector(ds.spec?.selector),
    ],
  },
};

export const controllerRevisionKind: KindDefinition<K<ControllerRevision>> = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  decode: (body) => decodeAs(body, 'ControllerRevision'),
  table: {
    columns: [
      NAME_COLUMN,
      column('Controller', 'Controller of the object'),
      column('Revision', 'Revision indicates the revision of the state represented by Data.', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells: (cr, now) => {
      const ref = cr.metadata?.ownerReferences?.find((r) => r.controller);
      const group = ref?.apiVersion.includes('/') ? `.${ref.apiVersion.split('/')[0]}` : '';
      return [cr.metadata?.name, ref ? `${ref.kind.toLowerCase()}${group}/${ref.name}` : '<none>', cr.revision, age(cr, now)];
    },
  },
};
