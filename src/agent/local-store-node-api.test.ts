import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../core/errors.js';
import type { WatchEvent } from '../core/ports.js';
import type { Event, KubeObject, Pod } from '../core/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { LocalStoreNodeApi } from './local-store-node-api.js';

function open(t: { after: (fn: () => void) => void }): { store: SqliteStore; api: LocalStoreNodeApi } {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  return { store, api: new LocalStoreNodeApi(store) };
}

function pod(name: string, namespace = 'default'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } };
}

function event(name: string): Event {
  return { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Pulled', count: 1 };
}

test('PodSource: list gives the pods and a resourceVersion; a watch from it sees only later changes', (t) => {
  const { store, api } = open(t);
  store.create('pods', pod('a'));
  store.create('pods', pod('b', 'other'));
  const list = api.listPods();
  assert.deepEqual(list.items.map((p) => p.metadata!.name), ['a', 'b']);
  assert.deepEqual(api.listPods('other').items.map((p) => p.metadata!.name), ['b']);
  const seen: Array<[string, string]> = [];
  const stop = api.watchPods(list.metadata.resourceVersion, (e) => seen.push([e.type, e.object.metadata!.name!]));
  assert.deepEqual(seen, [], 'nothing the list already had is replayed');
  const a = store.get<Pod>('pods', 'default', 'a');
  store.update('pods', { ...a, status: { phase: 'Running' } });
  store.delete('pods', 'other', 'b');
  assert.deepEqual(seen, [['MODIFIED', 'a'], ['DELETED', 'b']]);
  stop();
  store.create('pods', pod('c'));
  assert.equal(seen.length, 2, 'a stopped watch delivers nothing');
  // Replays history from an older version, as the store's watch does (the agent restarts its watch from a list).
  const replayed: string[] = [];
  api.watchPods(list.metadata.resourceVersion, (e) => replayed.push(`${e.type} ${e.object.metadata!.name}`))();
  assert.deepEqual(replayed, ['MODIFIED a', 'DELETED b', 'ADDED c']);
  assert.equal(api.getPod('default', 'a')?.status?.phase, 'Running');
  assert.equal(api.getPod('default', 'zz'), undefined);
});

test('PodStatusWriter: a status write is conditional on the resourceVersion the pod was read with', (t) => {
  const { store, api } = open(t);
  store.create('pods', pod('a'));
  const read = api.getPod('default', 'a')!;
  const written = api.updatePodStatus({ ...read, status: { phase: 'Pending', hostIP: '10.0.0.1' } });
  assert.equal(written.status?.hostIP, '10.0.0.1');
  assert.notEqual(written.metadata!.resourceVersion, read.metadata!.resourceVersion);
  assert.deepEqual(store.get('pods', 'default', 'a'), written);
  // The pod changed since `read`: the worker must re-read and retry.
  assert.throws(() => api.updatePodStatus({ ...read, status: { phase: 'Running' } }), ConflictError);
  assert.equal(api.getPod('default', 'a')?.status?.phase, 'Pending');
  // Nothing changed: nothing written, the stored object comes back.
  const again = api.updatePodStatus({ ...written });
  assert.equal(again.metadata!.resourceVersion, written.metadata!.resourceVersion);
});

test('PodStatusWriter: deletePod removes the pod only while it still has that uid', (t) => {
  const { store, api } = open(t);
  const first = store.create('pods', pod('a'));
  store.delete('pods', 'default', 'a');
  const second = store.create('pods', pod('a'));
  assert.equal(api.deletePod('default', 'a', first.metadata!.uid!), false, 'a re-created pod of the same name stays');
  assert.ok(store.tryGet('pods', 'default', 'a'));
  assert.equal(api.deletePod('default', 'a', second.metadata!.uid!), true);
  assert.equal(store.tryGet('pods', 'default', 'a'), undefined);
  assert.equal(api.deletePod('default', 'a', second.metadata!.uid!), false, 'already gone is not an error');
});

test('EventSink and EventCollection: create, unconditional update, list, delete', (t) => {
  const { store, api } = open(t);
  const created = api.createEvent(event('p.1'));
  assert.throws(() => api.createEvent(event('p.1')), AlreadyExistsError);
  store.update('events', { ...created, message: 'someone else wrote' });
  // A repeat written from an older copy still lands: only count and time matter.
  const updated = api.updateEvent({ ...created, count: 2 });
  assert.equal(updated.count, 2);
  assert.equal(api.getEvent('default', 'p.1')?.count, 2);
  assert.equal(api.getEvent('default', 'zz'), undefined);
  api.createEvent(event('p.2'));
  assert.deepEqual(api.listEvents().map((e) => e.metadata!.name), ['p.1', 'p.2']);
  api.deleteEvent('default', 'p.1');
  assert.deepEqual(api.listEvents().map((e) => e.metadata!.name), ['p.2']);
  assert.throws(() => api.deleteEvent('default', 'p.1'), NotFoundError);
});

test('NodeStatusWriter: registers the Node, then replaces it whatever its resourceVersion', (t) => {
  const { api } = open(t);
  assert.equal(api.getNode('n1'), undefined);
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { phase: 'Running' } };
  const created = api.createNode(node);
  assert.throws(() => api.createNode(node), AlreadyExistsError);
  const first = api.updateNode({ ...created, status: { phase: 'A' } });
  api.updateNode({ ...created, status: { phase: 'B' } });
  assert.notEqual(first.metadata!.resourceVersion, created.metadata!.resourceVersion);
  assert.deepEqual(api.getNode('n1')?.status, { phase: 'B' });
});

test('ConfigObjectSource: gets ConfigMaps and Secrets, and watches both from now on', (t) => {
  const { store, api } = open(t);
  store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: 'default' } });
  const seen: Array<[string, string, string]> = [];
  const stop = api.watchConfigObjects((kind, e: WatchEvent) => seen.push([kind, e.type, e.object.metadata!.name!]));
  assert.deepEqual(seen, [], 'objects from before the watch are not delivered');
  const cm = store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { a: '1' } } as KubeObject);
  store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { b: 'Mg==' } } as KubeObject);
  store.create('pods', pod('unrelated'));
  store.delete('configmaps', 'default', 'cm');
  assert.deepEqual(seen, [
    ['ConfigMap', 'ADDED', 'cm'],
    ['Secret', 'ADDED', 's'],
    ['ConfigMap', 'DELETED', 'cm'],
  ]);
  assert.equal(api.getSecret('default', 's')?.data?.b, 'Mg==');
  assert.equal(api.getConfigMap('default', 'old')?.metadata?.name, 'old');
  assert.equal(api.getConfigMap('default', cm.metadata!.name!), undefined);
  stop();
  store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', namespace: 'default' } });
  assert.equal(seen.length, 3, 'both watches stop');
});
