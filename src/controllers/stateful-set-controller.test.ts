import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { EVENTS, NODES, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, STATEFUL_SETS, STORAGE_CLASSES } from '../core/controllers/resource-types.js';
import { silentLogger } from '../core/logger.js';
import type { LocalVolumeStorage } from '../core/ports.js';
import type { KubeObject, Pod } from '../core/types.js';
import { kubeletRound, localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { LOCAL_PATH_STORAGE_CLASS, PersistentVolumeController } from './persistent-volume-controller.js';
import { StatefulSetController } from './stateful-set-controller.js';
import { GarbageCollector } from './garbage-collector.js';
import { Scheduler } from './scheduler.js';

type PVC = PersistentVolumeClaim & KubeObject;
type PV = PersistentVolume & KubeObject;

class FakeVolumeStorage implements LocalVolumeStorage {
  readonly dirs = new Set<string>();
  async create(name: string): Promise<string> {
    this.dirs.add(`/data/storage/${name}`);
    return `/data/storage/${name}`;
  }
  async remove(path: string): Promise<void> {
    this.dirs.delete(path);
  }
}

const web = (replicas: number, image = 'busybox:1'): StatefulSet & KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image, volumeMounts: [{ name: 'www', mountPath: '/www' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});

async function setup() {
  const api = localApi();
  const storage = new FakeVolumeStorage();
  await api.client.create(STORAGE_CLASSES, LOCAL_PATH_STORAGE_CLASS);
  // The node the scheduler binds the pods to (WaitForFirstConsumer provisions there).
  const node = await api.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } } as KubeObject);
  await api.client.update(NODES, { ...node, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } }, { subresource: 'status' });
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  const rec = (c: string) => new ControllerEventRecorder(api.client, api.clock, c, silentLogger);
  manager.add(new StatefulSetController(rec('statefulset-controller')));
  manager.add(new PersistentVolumeController(rec('persistentvolume-controller'), storage, 'node1'));
  manager.add(new GarbageCollector(silentLogger));
  manager.add(new Scheduler(rec('default-scheduler')));
  await manager.start();
  const pods = async (): Promise<Pod[]> => (await api.client.list<Pod>(PODS, 'default')).items;
  return { api, storage, pods, close: async () => { await manager.stop(); api.close(); } };
}

test('OrderedReady: web-0 first, web-1 only once web-0 is Ready; each with hostname, subdomain and its own claim, provisioned on first use and Bound', async () => {
  const { api, storage, pods, close } = await setup();
  await api.client.create(STATEFUL_SETS, web(2));
  await settle(async () => (await pods()).length === 1);
  await settle(async () => true);
  const [p0] = await pods();
  assert.equal(p0.metadata?.name, 'web-0');
  assert.equal(p0.spec?.hostname, 'web-0');
  assert.equal(p0.spec?.subdomain, 'web');
  assert.deepEqual(p0.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-0' });
  // WaitForFirstConsumer: the pod is on node1, so the claim is provisioned there and bound.
  await settle(async () => (await api.client.get<PVC>(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-0'))?.status?.phase === 'Bound');
  const c0 = (await api.client.get<PVC>(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-0'))!;
  assert.equal(c0.spec?.storageClassName, 'local-path', 'the default class');
  assert.ok(c0.metadata?.finalizers?.includes('kubernetes.io/pvc-protection'));
  const pv = (await api.client.get<PV>(PERSISTENT_VOLUMES, undefined, c0.spec!.volumeName!))!;
  assert.equal(pv.spec?.hostPath?.path, `/data/storage/pvc-${c0.metadata?.uid}_default_www-web-0`);
  assert.equal(pv.status?.phase, 'Bound');
  assert.equal((await pods()).length, 1, 'web-1 waits for web-0 to be Ready');
  await kubeletRound(api);
  await settle(async () => (await pods()).length === 2);
  assert.deepEqual((await pods()).map((p) => p.metadata?.name).sort(), ['web-0', 'web-1']);
  await settle(async () => (await api.client.get<PVC>(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-1'))?.status?.phase === 'Bound');
  assert.equal(storage.dirs.size, 2);
  await close();
});

test('a rolling update replaces pods from the highest ordinal down; scale-down removes the highest; the claims stay (Retain)', async () => {
  const { api, pods, close } = await setup();
  await api.client.create(STATEFUL_SETS, web(3));
  await settle(async () => (await kubeletRound(api)) >= 0 && (await pods()).filter((p) => p.status?.phase === 'Running').length === 3);
  await api.client.patch(STATEFUL_SETS, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  await settle(async () => {
    await kubeletRound(api);
    const ps = await pods();
    return ps.length === 3 && ps.every((p) => p.spec?.containers[0].image === 'busybox:2' && p.status?.phase === 'Running');
  }, 400);
  const order = (await api.client.list<KubeObject & { reason?: string; message?: string }>(EVENTS, 'default')).items.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message?.split(' ')[2]);
  assert.deepEqual(order, ['web-2', 'web-1', 'web-0']);
  const s = (await api.client.get<StatefulSet & KubeObject>(STATEFUL_SETS, 'default', 'web'))!.status!;
  await settle(async () => (await api.client.get<StatefulSet & KubeObject>(STATEFUL_SETS, 'default', 'web'))!.status?.currentRevision === s.updateRevision);
  await api.client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { replicas: 1 } });
  await settle(async () => (await kubeletRound(api)) >= 0 && (await pods()).length === 1);
  assert.equal((await pods())[0].metadata?.name, 'web-0');
  assert.equal((await api.client.list(PERSISTENT_VOLUME_CLAIMS, 'default')).items.length, 3, 'claims outlive the pods');
  await close();
});
