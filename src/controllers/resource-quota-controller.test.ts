import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { PODS, RESOURCE_QUOTAS } from '../core/controllers/resource-types.js';
import { ForbiddenError, InvalidError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { KubeObject, Pod } from '../core/types.js';
import { localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

type Q = ResourceQuota & KubeObject;
const LIMIT_RANGES = { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true };

async function setup() {
  const api = localApi();
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new ResourceQuotaController());
  await manager.start();
  const quota = async (name: string): Promise<Q> => (await api.client.get<Q>(RESOURCE_QUOTAS, 'default', name))!;
  return { api, quota, close: async () => { await manager.stop(); api.close(); } };
}

const pod = (name: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'busybox', resources }] },
});

test('the controller fills status; admission charges at once, refuses the pod over the quota with nothing stored, and the recount gives back a deleted pod', async () => {
  const { api, quota, close } = await setup();
  try {
    await api.client.create(PODS, pod('before', { requests: { cpu: '100m' } }));
    await api.client.create<Q>(RESOURCE_QUOTAS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pod-demo', namespace: 'default' }, spec: { hard: { pods: '2', 'requests.cpu': '1' } } });
    await settle(async () => (await quota('pod-demo')).status?.used?.pods === '1');
    assert.deepEqual((await quota('pod-demo')).status, { hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '1', 'requests.cpu': '100m' } });

    await api.client.create(PODS, pod('second', { requests: { cpu: '200m' } }));
    assert.deepEqual((await quota('pod-demo')).status?.used, { pods: '2', 'requests.cpu': '300m' }, 'charged in the same step as the create');
    await assert.rejects(api.client.create(PODS, pod('bare')), /failed quota: pod-demo: must specify requests.cpu for: app/);
    await assert.rejects(api.client.create(PODS, pod('third', { requests: { cpu: '1m' } })), (e: unknown) => {
      assert.ok(e instanceof ForbiddenError);
      assert.equal(e.message, 'pods "third" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2');
      return true;
    });
    assert.equal(await api.client.get(PODS, 'default', 'third'), undefined, 'nothing stored on a refusal');
    assert.equal((await quota('pod-demo')).status?.used?.pods, '2', 'and nothing charged');

    await api.client.delete(PODS, 'default', 'second', { gracePeriodSeconds: 0 });
    await settle(async () => (await quota('pod-demo')).status?.used?.pods === '1');
    assert.equal((await quota('pod-demo')).status?.used?.['requests.cpu'], '100m');
    await api.client.create(PODS, pod('third', { requests: { cpu: '1m' } }));
    assert.equal((await quota('pod-demo')).status?.used?.pods, '2');

    // A finished pod keeps only count/pods: the recount gives its compute back.
    const third = (await api.client.get<Pod>(PODS, 'default', 'before'))!;
    await api.client.update(PODS, { ...third, status: { ...third.status, phase: 'Succeeded' } }, { subresource: 'status' });
    await settle(async () => (await quota('pod-demo')).status?.used?.pods === '1');
    assert.equal((await quota('pod-demo')).status?.used?.['requests.cpu'], '1m');
  } finally {
    await close();
  }
});

test('LimitRange admission: defaults land in the created pod with the annotation, the QoS follows them, and a pod the defaults make invalid or too big is refused', async () => {
  const { api, close } = await setup();
  try {
    const lr: LimitRange & KubeObject = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'cpu-resource-constraint', namespace: 'default' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '500m' }, max: { cpu: '1' }, min: { cpu: '100m' } }] },
    };
    const stored = await api.client.create<LimitRange & KubeObject>(LIMIT_RANGES, lr);
    assert.deepEqual(stored.spec?.limits[0].default, { cpu: '500m' });
    const p = await api.client.create<Pod>(PODS, pod('defaulted'));
    assert.deepEqual(p.spec?.containers[0].resources, { requests: { cpu: '500m' }, limits: { cpu: '500m' } });
    assert.equal(p.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
    assert.equal(p.status?.qosClass, 'Burstable', 'the QoS class is the defaulted pod\'s');
    // The docs' example-conflict-with-limitrange-cpu: a request of 700m meets the default limit of 500m.
    await assert.rejects(api.client.create(PODS, pod('conflict', { requests: { cpu: '700m' } })), (e: unknown) => e instanceof InvalidError && /spec\.containers\[0\]\.resources\.requests/.test(JSON.stringify(e.details)));
    await assert.rejects(api.client.create(PODS, pod('big', { requests: { cpu: '700m' }, limits: { cpu: '2' } })), (e: unknown) => {
      assert.ok(e instanceof ForbiddenError);
      assert.equal(e.message, 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
      return true;
    });
    assert.equal(await api.client.get(PODS, 'default', 'big'), undefined);
    await assert.rejects(api.client.create(LIMIT_RANGES, { ...lr, metadata: { name: 'bad', namespace: 'default' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } }), InvalidError);
  } finally {
    await close();
  }
});
