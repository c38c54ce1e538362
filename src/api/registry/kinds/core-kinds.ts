/**
 * @module core/v1 kinds besides Pod and Namespace: ConfigMap, Secret, Event and Node, each with
 * upstream's printer columns and field selectors.
 */
import type { ConfigMap, Event, Node, Secret } from 'kubernetes-types/core/v1.js';
import { decodeConfigMap, decodeSecret, validateConfigMap, validateSecret } from '../../../core/config-objects.js';
import { ageSince } from '../../../core/pod-printer.js';
import { validateNode } from '../../../core/node-validation.js';
import type { KubeObject } from '../../../core/types.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, countKeys, NAME_COLUMN } from './columns.js';

export const configMapKind: KindDefinition<ConfigMap & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  prepare(raw, stored) {
    const cm = decodeConfigMap(raw);
    validateConfigMap(cm, stored);
    return cm as ConfigMap & KubeObject;
  },
  table: {
    columns: [NAME_COLUMN, column('Data', 'Data contains the configuration data.'), AGE_COLUMN],
    cells: (o, now) => [o.metadata?.name, countKeys(o.data, o.binaryData), age(o, now)],
  },
};

export const secretKind: KindDefinition<Secret & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  singular: 'secret',
  namespaced: true,
  fieldSelectors: ['type'],
  prepare(raw, stored) {
    const secret = decodeSecret(raw);
    validateSecret(secret, stored);
    return secret as Secret & KubeObject;
  },
  table: {
    columns: [NAME_COLUMN, column('Type', 'The type of the secret'), column('Data', 'Data contains the secret data.'), AGE_COLUMN],
    cells: (o, now) => [o.metadata?.name, o.type ?? 'Opaque', countKeys(o.data), age(o, now)],
  },
};

function eventLastSeen(e: Event, now: number): string {
  return ageSince(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp, now);
}

export const eventKind: KindDefinition<Event & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  fieldSelectors: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  table: {
    columns: [
      column('Last Seen', 'Time when this Event was last seen'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      column('Reason', 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
      column('Object', 'The object this Event is about.'),
      column('Message', 'A human-readable description of the status of this operation.'),
      column('Source', 'The component reporting this event.', { priority: 1 }),
      column('Count', 'The number of times this event has occurred.', { priority: 1 }),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells: (e, now) => [
      eventLastSeen(e, now),
      e.type ?? '',
      e.reason ?? '',
      `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
      e.message ?? '',
      e.source?.component ?? e.reportingComponent ?? '',
      e.count ?? 1,
      e.metadata?.name,
    ],
  },
};

/** node-role.kubernetes.io/<role> labels, as kubectl's ROLES column finds them. */
function nodeRoles(node: Node): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const status = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

export const nodeKind: KindDefinition<Node & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  fieldSelectors: ['spec.unschedulable'],
  status: true,
  prepare(node) {
    validateNode(node);
    return node;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Status', 'The status of the node'),
      column('Roles', 'The roles of the node'),
      AGE_COLUMN,
      column('Version', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'List of internal IPs in the node.', { priority: 1 }),
      column('External-IP', 'List of external IPs in the node.', { priority: 1 }),
      column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
      column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
      column('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
    ],
    cells: (n, now) => {
      const address = (type: string): string => n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
      const info = n.status?.nodeInfo;
      return [
        n.metadata?.name,
        nodeStatus(n),
        nodeRoles(n),
        age(n, now),
        info?.kubeletVersion ?? '',
        address('InternalIP'),
        address('ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};
