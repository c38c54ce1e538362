import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENTS, NODES, PODS } from '../core/controllers/resource-types.js';
import { ForbiddenError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Event, KubeObject, Pod } from '../core/types.js';
import { localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { PodGarbageCollector } from './pod-gc.js';
import { Scheduler } from './scheduler.js';

const PREEMPT_NOT_HELPFUL = 'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';

async function setup() {
  const api = localApi();
  const node = await api.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } } as KubeObject);
  // What the node agent reports (status is its own subresource).
  await api.client.update(NODES, { ...node, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '10Gi' } } }, { subresource: 'status' });
  const events = new ControllerEventRecorder(api.client, api.clock, 'default-scheduler', silentLogger);
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new Scheduler(events));
  manager.add(new PodGarbageCollector(silentLogger));
  await manager.start();
  const pod = async (name: string) => (await api.client.get<Pod>(PODS, 'default', name))!;
  const create = (name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
    api.client.create<Pod>(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } } as Pod);
  const scheduled = (name: string) => async () => (await pod(name))?.spec?.nodeName === 'node1';
  const unschedulable = async (name: string): Promise<string | undefined> => {
    let message: string | undefined;
    await settle(async () => {
      const c = (await pod(name)).status?.conditions?.find((x) => x.type === 'PodScheduled');
      message = c?.status === 'False' ? c.message : undefined;
      return message !== undefined;
    });
    return message;
  };
  const reasons = async (name: string) => {
    await events.flush();
    const uid = (await pod(name)).metadata?.uid;
    return (await api.client.list<Event & KubeObject>(EVENTS, 'default')).items.filter((e) => e.involvedObject?.uid === uid).map((e) => `${e.reason}: ${e.message}`);
  };
  return { api, pod, create, scheduled, unschedulable, reasons, close: async () => { await manager.stop(); api.close(); } };
}

test('a pod that fits is bound through pods/binding: nodeName, PodScheduled=True, a Scheduled event', async () => {
  const { create, pod, scheduled, reasons, close } = await setup();
  await create('web');
  await settle(scheduled('web'));
  assert.equal((await pod('web')).status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  assert.deepEqual(await reasons('web'), ['Scheduled: Successfully assigned default/web to node1']);
  await close();
});

test('node selector, affinity, taints: Pending with the scheduler message, bound once the node changes', async () => {
  const { api, create, scheduled, unschedulable, reasons, close } = await setup();
  await create('ssd', { nodeSelector: { disk: 'ssd' } });
  assert.equal(await unschedulable('ssd'), `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. ${PREEMPT_NOT_HELPFUL}`);
  assert.ok((await reasons('ssd')).some((r) => r.startsWith("FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.")));
  await api.client.patch(NODES, undefined, 'node1', 'merge', { metadata: { labels: { disk: 'ssd' } }, spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });
  assert.match((await unschedulable('ssd'))!, /^0\/1 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}\./);
  await create('tolerant', { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
  await settle(scheduled('tolerant'));
  await api.client.patch(NODES, undefined, 'node1', 'merge', { spec: { taints: null } });
  await settle(scheduled('ssd'));
  await create('zoned', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } });
  assert.match((await unschedulable('zoned'))!, /didn't match Pod's node affinity\/selector/);
  await close();
});

test('resources: requests beyond allocatable minus what bound pods request wait, Insufficient cpu, until a pod leaves', async () => {
  const { api, create, scheduled, unschedulable, close } = await setup();
  const req = (cpu: string) => ({ containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu } } }] });
  await create('big', req('1500m'));
  await settle(scheduled('big'));
  await create('more', req('1'));
  assert.equal(await unschedulable('more'), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  await create('gpu', { containers: [{ name: 'c', image: 'busybox', resources: { requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1' } } }] });
  assert.match((await unschedulable('gpu'))!, /1 Insufficient example.com\/gpu/);
  await api.client.delete(PODS, 'default', 'big', { gracePeriodSeconds: 0 });
  await settle(scheduled('more'));
  await close();
});

test('a pod that ends (Succeeded, not deleted) frees its requests: the waiting pod is retried and bound', async () => {
  const { api, create, pod, scheduled, unschedulable, close } = await setup();
  const req = (cpu: string) => ({ containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu } } }] });
  await create('job', req('1500m'));
  await settle(scheduled('job'));
  await create('next', req('1'));
  assert.match((await unschedulable('next'))!, /1 Insufficient cpu/);
  const done = await pod('job');
  await api.client.update(PODS, { ...done, status: { ...done.status, phase: 'Succeeded' } }, { subresource: 'status' });
  await settle(scheduled('next'));
  await close();
});

test('host ports in use, pod anti-affinity and a topology spread key the node lacks keep a pod Pending', async () => {
  const { create, scheduled, unschedulable, close } = await setup();
  await create('a', { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }] }, { app: 'a' });
  await settle(scheduled('a'));
  await create('b', { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
  assert.match((await unschedulable('b'))!, /1 node\(s\) didn't have free ports for the requested pod ports/);
  await create('anti', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'a' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
  assert.match((await unschedulable('anti'))!, /1 node\(s\) didn't match pod anti-affinity rules/);
  await create('friend', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'nobody' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
  assert.match((await unschedulable('friend'))!, /1 node\(s\) didn't match pod affinity rules/);
  await create('spread', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'a' } } }] });
  assert.match((await unschedulable('spread'))!, /1 node\(s\) didn't match pod topology spread constraints \(missing required label\)/);
  await close();
});

test('scheduling gates, another scheduler, PriorityClasses', async () => {
  const { api, create, pod, scheduled, close } = await setup();
  await create('gated', { schedulingGates: [{ name: 'example.com/wait' }] });
  await settle(async () => (await pod('gated')).status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason === 'SchedulingGated');
  assert.equal((await pod('gated')).status?.conditions?.find((c) => c.type === 'PodScheduled')?.message, 'Scheduling is blocked due to non-empty scheduling gates');
  await api.client.patch(PODS, 'default', 'gated', 'merge', { spec: { schedulingGates: null } });
  await settle(scheduled('gated'));
  await create('other', { schedulerName: 'my-scheduler' });
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal((await pod('other')).spec?.nodeName, undefined);
  assert.equal((await pod('other')).status?.conditions, undefined, 'left alone');
  const critical = await create('critical', { priorityClassName: 'system-cluster-critical' });
  assert.equal(critical.spec?.priority, 2_000_000_000);
  await assert.rejects(create('nope', { priorityClassName: 'missing' }), (e: unknown) => e instanceof ForbiddenError && /no PriorityClass with name missing was found/.test(e.message));
  await close();
});

test('pod GC: a pod bound to a node that does not exist is failed and removed after the 40 s quarantine', async () => {
  const { api, create, close } = await setup();
  await create('lost', { nodeName: 'foo-node' });
  await api.client.delete(PODS, 'default', 'lost');
  assert.ok((await api.client.get<Pod>(PODS, 'default', 'lost'))?.metadata?.deletionTimestamp, 'terminating: nobody runs it');
  api.clock.advance(39_000);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.ok(await api.client.get(PODS, 'default', 'lost'), 'still quarantined');
  api.clock.advance(2_000);
  await settle(async () => (await api.client.get(PODS, 'default', 'lost')) === undefined);
  await close();
});
