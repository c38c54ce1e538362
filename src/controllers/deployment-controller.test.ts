import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../core/controllers/resource-types.js';
import { silentLogger } from '../core/logger.js';
import type { KubeObject, Pod } from '../core/types.js';
import { isPodReady } from '../core/controllers/pod-readiness.js';
import { kubeletRound, localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { DeploymentController } from './deployment-controller.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { GarbageCollector } from './garbage-collector.js';
import { REPLICA_SET_KIND, ReplicaSetController } from './replica-set-controller.js';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;

const deployment = (replicas: number, image = 'busybox:1', strategy?: Deployment['spec'] extends infer S ? (S extends { strategy?: infer T } ? T : never) : never): D => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    ...(strategy ? { strategy } : {}),
  },
});

async function setup() {
  const api = localApi();
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new DeploymentController(new ControllerEventRecorder(api.client, api.clock, 'deployment-controller', silentLogger)));
  manager.add(new ReplicaSetController(REPLICA_SET_KIND, new ControllerEventRecorder(api.client, api.clock, 'replicaset-controller', silentLogger)));
  manager.add(new GarbageCollector(silentLogger));
  await manager.start();
  const d = async () => (await api.client.get<D>(DEPLOYMENTS, 'default', 'web'))!;
  const rss = async () => (await api.client.list<RS>(REPLICA_SETS, 'default')).items;
  const pods = async () => (await api.client.list<Pod>(PODS, 'default')).items;
  const rolledOut = async (replicas: number) => {
    const s = (await d()).status;
    return s?.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas && (s.observedGeneration ?? 0) >= ((await d()).metadata?.generation ?? 1);
  };
  return { api, d, rss, pods, rolledOut, close: async () => { await manager.stop(); api.close(); } };
}

test('a Deployment makes a ReplicaSet named by its template hash, which makes the pods; the status and conditions follow', async () => {
  const { api, d, rss, pods, rolledOut, close } = await setup();
  await api.client.create(DEPLOYMENTS, deployment(3));
  await settle(async () => (await pods()).length === 3);
  const [rs] = await rss();
  assert.match(rs.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  const hash = rs.metadata!.labels!['pod-template-hash'];
  assert.equal(rs.metadata?.name, `web-${hash}`);
  assert.deepEqual(rs.spec?.selector?.matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.ok((await pods()).every((p) => p.metadata?.labels?.['pod-template-hash'] === hash));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rolledOut(3)));
  const status = (await d()).status!;
  assert.equal((await d()).metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]).sort(), [
    ['Available', 'True', 'MinimumReplicasAvailable'],
    ['Progressing', 'True', 'NewReplicaSetAvailable'],
  ]);
  await close();
});

test('a rolling update keeps replicas − maxUnavailable pods ready, ends with the new ReplicaSet at 3 and the old at 0; undo brings revision 1 back as 3', async () => {
  const { api, d, rss, pods, rolledOut, close } = await setup();
  await api.client.create(DEPLOYMENTS, deployment(3, 'busybox:1', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rolledOut(3)));
  const first = (await rss())[0];
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  let minReady = Infinity;
  let maxPods = 0;
  // One pod becomes ready per round, as a slow kubelet would: the rollout must wait for them.
  await settle(async () => {
    await kubeletRound(api, { readyLimit: 1 });
    const ps = (await pods()).filter((p) => !p.metadata?.deletionTimestamp);
    minReady = Math.min(minReady, ps.filter(isPodReady).length);
    maxPods = Math.max(maxPods, ps.length);
    return (await rss()).length === 2 && (await rolledOut(3));
  }, 500);
  assert.ok(minReady >= 2, `never fewer than replicas − maxUnavailable ready pods (saw ${minReady})`);
  assert.ok(maxPods <= 4, `never more than replicas + maxSurge pods (saw ${maxPods})`);
  const after = await rss();
  const old = after.find((rs) => rs.metadata?.uid === first.metadata?.uid)!;
  const next = after.find((rs) => rs.metadata?.uid !== first.metadata?.uid)!;
  assert.equal(old.spec?.replicas, 0);
  assert.equal(next.spec?.replicas, 3);
  assert.equal(next.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.equal((await d()).metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  // kubectl rollout undo: the deployment gets revision 1's template back.
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } } });
  await settle(async () => {
    await kubeletRound(api);
    return (await rolledOut(3)) && (await rss()).find((rs) => rs.metadata?.uid === first.metadata?.uid)?.spec?.replicas === 3;
  }, 500);
  assert.equal((await rss()).find((rs) => rs.metadata?.uid === first.metadata?.uid)?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal((await rss()).length, 2, 'no third ReplicaSet: the old one is reused');
  await close();
});

test('Recreate scales the old ReplicaSet to 0 and waits for its pods before the new one starts', async () => {
  const { api, rss, pods, rolledOut, close } = await setup();
  await api.client.create(DEPLOYMENTS, deployment(2, 'busybox:1', { type: 'Recreate' }));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rolledOut(2)));
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  let mixed = false;
  await settle(async () => {
    const images = new Set((await pods()).map((p) => p.spec?.containers[0].image));
    if (images.size > 1) mixed = true;
    await kubeletRound(api);
    return (await rss()).length === 2 && (await rolledOut(2));
  }, 500);
  assert.equal(mixed, false, 'old and new pods never exist together');
  await close();
});

test('scaling and pausing: replicas follow spec.replicas; a paused deployment makes no new ReplicaSet until resumed; bad input is refused', async () => {
  const { api, d, rss, rolledOut, close } = await setup();
  await api.client.create(DEPLOYMENTS, deployment(2));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rolledOut(2)));
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 5 } });
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rolledOut(5)));
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { paused: true } });
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  await settle(async () => (await d()).status?.conditions?.some((c) => c.reason === 'DeploymentPaused') === true);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal((await rss()).length, 1, 'paused: no rollout');
  await api.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { paused: false } });
  await settle(async () => (await kubeletRound(api)) >= 0 && (await rss()).length === 2 && (await rolledOut(5)), 500);
  await assert.rejects(api.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { selector: { matchLabels: { app: 'other' } } } }), /spec.selector: Invalid value: .*field is immutable/);
  await assert.rejects(
    api.client.create(DEPLOYMENTS, { ...deployment(1), metadata: { name: 'bad', namespace: 'default' }, spec: { ...deployment(1).spec!, selector: { matchLabels: { app: 'nope' } } } }),
    /Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"web"\}: `selector` does not match template `labels`/,
  );
  await close();
});
