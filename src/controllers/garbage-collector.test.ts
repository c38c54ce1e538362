import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../core/logger.js';
import type { ResourceType } from '../core/ports.js';
import type { KubeObject } from '../core/types.js';
import { localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { GarbageCollector } from './garbage-collector.js';

const CM: ResourceType = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true };

async function setup() {
  const api = localApi();
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new GarbageCollector(silentLogger));
  await manager.start();
  const create = (name: string, owners: KubeObject[] = [], extra: { blockOwnerDeletion?: boolean; finalizers?: string[] } = {}) =>
    api.client.create<KubeObject>(CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: 'default',
        finalizers: extra.finalizers,
        ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata!.name!, uid: o.metadata!.uid!, blockOwnerDeletion: extra.blockOwnerDeletion })),
      },
    });
  const exists = async (name: string) => (await api.client.get(CM, 'default', name)) !== undefined;
  return { api, manager, create, exists, close: async () => { await manager.stop(); api.close(); } };
}

test('background: dependents whose owner is gone are deleted, recursively; an object with one owner left stays', async () => {
  const { api, create, exists, close } = await setup();
  const owner = await create('owner');
  const other = await create('other');
  const child = await create('child', [owner]);
  await create('grandchild', [child]);
  await create('shared', [owner, other]);
  await api.client.delete(CM, 'default', 'owner', { propagationPolicy: 'Background' });
  await settle(async () => !(await exists('child')) && !(await exists('grandchild')));
  const shared = await api.client.get<KubeObject>(CM, 'default', 'shared');
  assert.deepEqual(shared?.metadata?.ownerReferences?.map((r) => r.name), ['other'], 'the reference to the gone owner is dropped');
  await close();
});

test('an object created with an owner that never existed is collected; one whose owner exists is not', async () => {
  const { create, exists, close } = await setup();
  const real = await create('real');
  await create('kept', [real]);
  await create('orphaned', [{ metadata: { name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' } }]);
  await settle(async () => !(await exists('orphaned')));
  assert.equal(await exists('kept'), true);
  await close();
});

test('orphan: dependents lose the owner reference and stay; the owner goes once they are released', async () => {
  const { api, create, exists, close } = await setup();
  const owner = await create('owner');
  await create('a', [owner]);
  await create('b', [owner]);
  await api.client.delete(CM, 'default', 'owner', { propagationPolicy: 'Orphan' });
  await settle(async () => !(await exists('owner')));
  for (const name of ['a', 'b']) {
    const dep = await api.client.get<KubeObject>(CM, 'default', name);
    assert.ok(dep, `${name} stays`);
    assert.equal(dep.metadata?.ownerReferences, undefined);
  }
  await close();
});

test('foreground: the owner stays with its finalizer until its blocking dependents (and theirs) are gone', async () => {
  const { api, create, exists, close } = await setup();
  const owner = await create('owner');
  const mid = await create('mid', [owner], { blockOwnerDeletion: true });
  // A dependent held by someone else's finalizer keeps the chain waiting.
  await create('leaf', [mid], { blockOwnerDeletion: true, finalizers: ['example.com/hold'] });
  const deleting = await api.client.delete(CM, 'default', 'owner', { propagationPolicy: 'Foreground' });
  assert.deepEqual(deleting.metadata?.finalizers, ['foregroundDeletion']);
  await settle(async () => (await api.client.get<KubeObject>(CM, 'default', 'leaf'))?.metadata?.deletionTimestamp !== undefined);
  assert.equal(await exists('owner'), true);
  assert.equal(await exists('mid'), true);
  await api.client.patch(CM, 'default', 'leaf', 'merge', { metadata: { finalizers: null } });
  await settle(async () => !(await exists('owner')));
  assert.equal(await exists('mid'), false);
  await close();
});
