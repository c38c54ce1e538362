import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { PODS, REPLICA_SETS, REPLICATION_CONTROLLERS } from '../core/controllers/resource-types.js';
import { silentLogger } from '../core/logger.js';
import type { KubeObject, Pod } from '../core/types.js';
import { localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { GarbageCollector } from './garbage-collector.js';
import { REPLICA_SET_KIND, REPLICATION_CONTROLLER_KIND, ReplicaSetController } from './replica-set-controller.js';

const rsManifest = (replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

async function setup() {
  const api = localApi();
  const events = new ControllerEventRecorder(api.client, api.clock, 'replicaset-controller', silentLogger);
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new ReplicaSetController(REPLICA_SET_KIND, events));
  manager.add(new GarbageCollector(silentLogger));
  await manager.start();
  const pods = async () => (await api.client.list<Pod>(PODS, 'default')).items;
  const active = async () => (await pods()).filter((p) => !p.metadata?.deletionTimestamp);
  const rs = async () => (await api.client.get<ReplicaSet & KubeObject>(REPLICA_SETS, 'default', 'web'))!;
  /** What the kubelet would report: Running and Ready. */
  const markReady = async () => {
    for (const p of await active()) {
      if (p.status?.phase === 'Running') continue;
      await api.client.update(PODS, { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(api.clock.now()).toISOString() }] } }, { subresource: 'status' });
    }
  };
  return { api, events, manager, pods, active, rs, markReady, close: async () => { await manager.stop(); api.close(); } };
}

test('creates the missing pods with a controller reference, reports ready replicas, replaces a deleted pod', async () => {
  const { api, events, active, rs, markReady, close } = await setup();
  await api.client.create(REPLICA_SETS, rsManifest(3));
  await settle(async () => (await active()).length === 3);
  const owned = await active();
  assert.ok(owned.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.metadata.ownerReferences[0].controller === true));
  assert.ok(owned.every((p) => p.metadata?.name?.startsWith('web-') && p.metadata.labels?.app === 'web'));
  await markReady();
  await settle(async () => (await rs()).status?.readyReplicas === 3);
  assert.equal((await rs()).status?.observedGeneration, 1);
  await api.client.delete(PODS, 'default', owned[0].metadata!.name!, { gracePeriodSeconds: 0 });
  await settle(async () => (await active()).length === 3 && !(await active()).some((p) => p.metadata?.uid === owned[0].metadata?.uid));
  await events.flush();
  const reasons = (await api.client.list<KubeObject & { reason?: string }>({ group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true }, 'default')).items.map((e) => e.reason);
  assert.ok(reasons.includes('SuccessfulCreate'));
  await close();
});

test('scales down deleting not-ready pods first; adopts a matching orphan; releases a pod relabelled away', async () => {
  const { api, active, rs, markReady, close } = await setup();
  await api.client.create(REPLICA_SETS, rsManifest(2));
  await settle(async () => (await active()).length === 2);
  await markReady();
  await api.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  // Three matching pods for two replicas: the orphan is adopted and, not being ready, goes first.
  await settle(async () => (await active()).length === 2 && !(await active()).some((p) => p.metadata?.name === 'stray'));
  const before = await active();
  await api.client.patch(PODS, 'default', before[0].metadata!.name!, 'merge', { metadata: { labels: { app: 'other' } } });
  await settle(async () => (await active()).filter((p) => p.metadata?.labels?.app === 'web').length === 2);
  const released = (await active()).find((p) => p.metadata?.name === before[0].metadata?.name)!;
  assert.equal(released.metadata?.ownerReferences, undefined, 'released: no owner any more');
  await api.client.patch(REPLICA_SETS, 'default', 'web', 'merge', { spec: { replicas: 0 } });
  await settle(async () => (await rs()).status?.replicas === 0);
  await close();
});

test('ReplicationController: the selector is a plain map (defaulted from the template labels); keeps its replicas, owned as ReplicationController', async () => {
  const api = localApi();
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new ReplicaSetController(REPLICATION_CONTROLLER_KIND, new ControllerEventRecorder(api.client, api.clock, 'replication-controller', silentLogger)));
  await manager.start();
  const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'nginx', namespace: 'default' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } } as KubeObject;
  await api.client.create(REPLICATION_CONTROLLERS, rc);
  const active = async () => (await api.client.list<Pod>(PODS, 'default', { labelSelector: 'app=nginx' })).items.filter((p) => !p.metadata?.deletionTimestamp);
  await settle(async () => (await active()).length === 2);
  assert.ok((await active()).every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicationController' && p.metadata.ownerReferences[0].controller === true));
  const stored = (await api.client.get<ReplicationController & KubeObject>(REPLICATION_CONTROLLERS, 'default', 'nginx'))!;
  assert.deepEqual(stored.spec?.selector, { app: 'nginx' });
  await api.client.patch(REPLICATION_CONTROLLERS, 'default', 'nginx', 'merge', { spec: { replicas: 1 } });
  await settle(async () => (await active()).length === 1 && (await api.client.get<ReplicationController & KubeObject>(REPLICATION_CONTROLLERS, 'default', 'nginx'))?.status?.replicas === 1);
  await manager.stop();
  api.close();
});

test('minReadySeconds: ready pods count as available only once ready that long; the controller wakes itself then', async () => {
  const { api, active, rs, markReady, close } = await setup();
  await api.client.create(REPLICA_SETS, { ...rsManifest(2), spec: { ...rsManifest(2).spec!, minReadySeconds: 10 } });
  await settle(async () => (await active()).length === 2);
  await markReady();
  await settle(async () => (await rs()).status?.readyReplicas === 2);
  assert.equal((await rs()).status?.availableReplicas ?? 0, 0, 'ready, not yet available');
  api.clock.advance(9_000);
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  assert.equal((await rs()).status?.availableReplicas ?? 0, 0, 'not before 10 s');
  api.clock.advance(1_500);
  await settle(async () => (await rs()).status?.availableReplicas === 2);
  await close();
});
