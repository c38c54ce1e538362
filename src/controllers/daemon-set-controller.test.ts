import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../core/controllers/resource-types.js';
import { silentLogger } from '../core/logger.js';
import type { KubeObject, Pod } from '../core/types.js';
import { kubeletRound, localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { DaemonSetController } from './daemon-set-controller.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { GarbageCollector } from './garbage-collector.js';

type DS = DaemonSet & KubeObject;

const ds = (image: string, nodeSelector?: Record<string, string>): DS => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }], ...(nodeSelector ? { nodeSelector } : {}) } },
  },
});

async function setup() {
  const api = localApi();
  await api.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } });
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new DaemonSetController(new ControllerEventRecorder(api.client, api.clock, 'daemonset-controller', silentLogger)));
  manager.add(new GarbageCollector(silentLogger));
  await manager.start();
  const pods = async () => (await api.client.list<Pod>(PODS, 'default')).items.filter((p) => !p.metadata?.deletionTimestamp);
  const status = async () => (await api.client.get<DS>(DAEMON_SETS, 'default', 'agent'))!.status;
  return { api, pods, status, close: async () => { await manager.stop(); api.close(); } };
}

test('one pod on the node, pinned to it by affinity, with the daemon tolerations; a revision records the template', async () => {
  const { api, pods, status, close } = await setup();
  await api.client.create(DAEMON_SETS, ds('busybox:1'));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await status())?.numberAvailable === 1);
  const [pod] = await pods();
  assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] }]);
  assert.ok(pod.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/unschedulable'));
  assert.deepEqual({ ...(await status()), observedGeneration: undefined }, {
    desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 0, observedGeneration: undefined,
  });
  const revs = (await api.client.list<ControllerRevision & KubeObject>(CONTROLLER_REVISIONS, 'default')).items;
  assert.equal(revs.length, 1);
  assert.equal(revs[0].revision, 1);
  assert.equal(pod.metadata?.labels?.['controller-revision-hash'], revs[0].metadata?.labels?.['controller-revision-hash']);
  await close();
});

test('a template change replaces the pod (RollingUpdate) and adds revision 2; a NoExecute taint removes it; a selector the node lacks keeps none', async () => {
  const { api, pods, status, close } = await setup();
  await api.client.create(DAEMON_SETS, ds('busybox:1'));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await status())?.numberAvailable === 1);
  await api.client.patch(DAEMON_SETS, 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  await settle(async () => {
    await kubeletRound(api);
    const ps = await pods();
    return ps.length === 1 && ps[0].spec?.containers[0].image === 'busybox:2' && (await status())?.updatedNumberScheduled === 1 && (await status())?.numberAvailable === 1;
  });
  assert.equal((await api.client.list(CONTROLLER_REVISIONS, 'default')).items.length, 2);
  await api.client.patch(NODES, undefined, 'node1', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] } });
  await settle(async () => (await pods()).length === 0 && (await status())?.desiredNumberScheduled === 0);
  await api.client.patch(NODES, undefined, 'node1', 'merge', { spec: { taints: null } });
  await settle(async () => (await pods()).length === 1);
  await api.client.patch(DAEMON_SETS, 'default', 'agent', 'merge', { spec: { template: { spec: { nodeSelector: { disk: 'ssd' } } } } });
  await settle(async () => (await kubeletRound(api)) >= 0 && (await pods()).length === 0 && (await status())?.desiredNumberScheduled === 0);
  await close();
});

test('OnDelete: a template change leaves the running pod alone (not updated) until it is deleted; its replacement has the new template', async () => {
  const { api, pods, status, close } = await setup();
  await api.client.create(DAEMON_SETS, { ...ds('busybox:1'), spec: { ...ds('busybox:1').spec!, updateStrategy: { type: 'OnDelete' } } });
  await settle(async () => (await kubeletRound(api)) >= 0 && (await status())?.numberAvailable === 1);
  const [first] = await pods();
  await api.client.patch(DAEMON_SETS, 'default', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  await settle(async () => (await api.client.list(CONTROLLER_REVISIONS, 'default')).items.length === 2 && (await status())?.updatedNumberScheduled === 0);
  for (let i = 0; i < 50; i++) await kubeletRound(api);
  const still = await pods();
  assert.deepEqual(still.map((p) => [p.metadata?.uid, p.spec?.containers[0].image]), [[first.metadata?.uid, 'busybox:1']], 'OnDelete: the old pod keeps running');
  assert.equal((await status())?.updatedNumberScheduled, 0);
  await api.client.delete(PODS, 'default', first.metadata!.name!);
  await settle(async () => {
    await kubeletRound(api);
    const ps = await pods();
    return ps.length === 1 && ps[0].metadata?.uid !== first.metadata?.uid && ps[0].spec?.containers[0].image === 'busybox:2' && (await status())?.updatedNumberScheduled === 1;
  });
  await close();
});
