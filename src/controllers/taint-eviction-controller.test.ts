import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENTS, NODES, PODS } from '../core/controllers/resource-types.js';
import { minTolerationMs, planTaintEviction } from '../core/controllers/taint-eviction.js';
import { silentLogger } from '../core/logger.js';
import type { Event, KubeObject, Pod } from '../core/types.js';
import { localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { TaintEvictionController } from './taint-eviction-controller.js';

const NO_EXECUTE = { key: 'dedicated', value: 'x', effect: 'NoExecute' };

test('the rule: an untolerated NoExecute taint evicts now; the shortest tolerationSeconds of the used tolerations counts from when it was first seen; none means forever', () => {
  assert.deepEqual(planTaintEviction([{ key: 'a', effect: 'NoSchedule' }], [], undefined, 0), { kind: 'keep' }, 'NoSchedule evicts nothing');
  assert.deepEqual(planTaintEviction([NO_EXECUTE], [{ key: 'other', operator: 'Exists' }], undefined, 0), { kind: 'evict' });
  assert.deepEqual(planTaintEviction([NO_EXECUTE], [{ key: 'dedicated', operator: 'Exists' }], undefined, 0), { kind: 'keep' });
  const twoTaints = [NO_EXECUTE, { key: 'b', effect: 'NoExecute' }];
  const tolerations = [
    { key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    { key: 'b', operator: 'Exists', tolerationSeconds: 10 },
    { operator: 'Exists', tolerationSeconds: 1 },
  ];
  // The catch-all is never used: each taint takes its first matching toleration.
  assert.deepEqual(planTaintEviction(twoTaints, tolerations, undefined, 5_000), { kind: 'evictAt', dueMs: 15_000 });
  assert.deepEqual(planTaintEviction(twoTaints, tolerations, 5_000, 14_999), { kind: 'evictAt', dueMs: 15_000 });
  assert.deepEqual(planTaintEviction(twoTaints, tolerations, 5_000, 15_000), { kind: 'evict' });
  assert.equal(minTolerationMs([{ tolerationSeconds: 0 }, { tolerationSeconds: 5 }]), 0);
  assert.equal(minTolerationMs([{ tolerationSeconds: -3 }]), 0);
  assert.equal(minTolerationMs([{ key: 'a' }, { tolerationSeconds: 7 }]), 7_000);
  assert.equal(minTolerationMs([{ key: 'a' }]), -1);
});

async function setup() {
  const api = localApi();
  await api.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } } as KubeObject);
  const events = new ControllerEventRecorder(api.client, api.clock, 'taint-eviction-controller', silentLogger);
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new TaintEvictionController(events));
  await manager.start();
  const create = (name: string, tolerations: unknown[] = []) =>
    api.client.create<Pod>(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node1', tolerations, containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
  const pod = async (name: string) => (await api.client.get<Pod>(PODS, 'default', name))!;
  const evicted = (name: string) => async () => (await pod(name)).metadata?.deletionTimestamp !== undefined;
  const taint = (taints: unknown[]) => api.client.patch(NODES, undefined, 'node1', 'merge', { spec: { taints } });
  const ticks = async () => {
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  };
  const messages = async () => {
    await events.flush();
    return (await api.client.list<Event & KubeObject>(EVENTS, 'default')).items.map((e) => `${e.reason}: ${e.message}`).sort();
  };
  return { api, create, pod, evicted, taint, ticks, messages, close: async () => { await manager.stop(); api.close(); } };
}

test('a NoExecute taint: the intolerant pod is deleted at once with DisruptionTarget, the one tolerating it for 5 s after 5 s, the one tolerating it forever stays', async () => {
  const { api, create, pod, evicted, taint, ticks, messages, close } = await setup();
  await create('plain');
  await create('brief', [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoExecute', tolerationSeconds: 5 }]);
  await create('forever', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]);
  await ticks();
  assert.equal((await pod('plain')).metadata?.deletionTimestamp, undefined, 'no taint, no eviction');
  await taint([{ key: 'other', effect: 'NoSchedule' }]);
  await ticks();
  assert.equal((await pod('plain')).metadata?.deletionTimestamp, undefined, 'NoSchedule keeps running pods');

  await taint([NO_EXECUTE]);
  await settle(evicted('plain'));
  const cond = (await pod('plain')).status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.equal(cond?.reason, 'DeletionByTaintManager');
  assert.equal(cond?.message, 'Taint manager: deleting due to NoExecute taint');
  api.clock.advance(4_900);
  await ticks();
  assert.equal((await pod('brief')).metadata?.deletionTimestamp, undefined, 'tolerated for its 5 s');
  api.clock.advance(200);
  await settle(evicted('brief'));
  api.clock.advance(600_000);
  await ticks();
  assert.equal((await pod('forever')).metadata?.deletionTimestamp, undefined, 'tolerated forever');
  assert.deepEqual(await messages(), ['TaintManagerEviction: Marking for deletion Pod default/brief', 'TaintManagerEviction: Marking for deletion Pod default/plain']);
  await close();
});

test('a taint removed before the tolerationSeconds end cancels the eviction; a pod arriving on a tainted node is judged too', async () => {
  const { api, create, pod, evicted, taint, ticks, messages, close } = await setup();
  await create('brief', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]);
  await taint([NO_EXECUTE]);
  await ticks();
  api.clock.advance(5_000);
  await taint([]);
  await ticks();
  api.clock.advance(60_000);
  await ticks();
  assert.equal((await pod('brief')).metadata?.deletionTimestamp, undefined, 'cancelled');
  assert.deepEqual(await messages(), ['TaintManagerEviction: Cancelling deletion of Pod default/brief']);

  await taint([NO_EXECUTE]);
  await create('late');
  await settle(evicted('late'));
  await close();
});
