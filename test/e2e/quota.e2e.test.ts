/**
 * ResourceQuota and LimitRange with the real kubectl against a real daemon, on the fixtures under
 * fixtures/quota/ (the Kubernetes docs' examples), each applied unchanged in its own namespace: a
 * quota refuses a pod over it with the API server's message and nothing is stored; `kubectl get`
 * and `kubectl describe quota` show the usage; a 3-replica Deployment under `pods: 2` gets two
 * pods; a LimitRange's defaults show up in a created pod's spec; min/max refuse pods and claims.
 * One daemon for the file.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { Pod } from '../../src/core/types.js';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const opts = kubectlTestOptions('quota');
const FIXTURES = new URL('./fixtures/quota/', import.meta.url).pathname;

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);

before(async () => {
  if (!haveKubectl) return;
  d = await startKubectlDaemon();
});
after(async () => {
  await d?.cleanup();
});

const apply = (file: string, ns: string): Promise<string> => ok(['apply', '-f', `${FIXTURES}${file}`, '-n', ns]);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms\n${d.log()}`);
}

/** The quota's status.used once the controller has synced it. */
async function used(name: string, ns: string): Promise<Record<string, string> | undefined> {
  const q = JSON.parse(await ok(['get', 'resourcequota', name, '-n', ns, '-o', 'json'])) as { status?: { used?: Record<string, string> } };
  return q.status?.used;
}

test('a memory and CPU quota: the first pod fits, the second is refused with the upstream message and not stored; get and describe quota show the usage', opts, async () => {
  const ns = 'quota-mem-cpu-example';
  await ok(['create', 'namespace', ns]);
  await apply('quota-mem-cpu.yaml', ns);
  await waitFor('the quota synced', async () => (await used('mem-cpu-demo', ns)) !== undefined);
  const noLimits = await kubectl(['run', 'bare', '-n', ns, '--image=localhost/busybox:latest', '--', 'sleep', '1']);
  assert.notEqual(noLimits.code, 0);
  assert.match(noLimits.stderr, /pods "bare" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: bare; limits.memory for: bare; requests.cpu for: bare; requests.memory for: bare/);

  assert.match(await apply('quota-mem-cpu-pod.yaml', ns), /pod\/quota-mem-cpu-demo created/);
  const second = await kubectl(['apply', '-f', `${FIXTURES}quota-mem-cpu-pod-2.yaml`, '-n', ns]);
  assert.notEqual(second.code, 0);
  assert.match(
    second.stderr,
    /Error from server \(Forbidden\): error when creating ".*quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi/,
  );
  assert.equal((await kubectl(['get', 'pod', 'quota-mem-cpu-demo-2', '-n', ns])).code, 1, 'nothing stored');

  assert.deepEqual(await used('mem-cpu-demo', ns), { 'limits.cpu': '800m', 'limits.memory': '800Mi', 'requests.cpu': '400m', 'requests.memory': '600Mi' });
  const table = await ok(['get', 'quota', '-n', ns]);
  assert.match(table, /^NAME\s+AGE\s+REQUEST\s+LIMIT\s*$/m);
  assert.match(table, /mem-cpu-demo\s+\S+\s+requests.cpu: 400m\/1, requests.memory: 600Mi\/1Gi\s+limits.cpu: 800m\/2, limits.memory: 800Mi\/2Gi/);
  const describe = await ok(['describe', 'quota', 'mem-cpu-demo', '-n', ns]);
  assert.match(describe, /Name:\s+mem-cpu-demo/);
  assert.match(describe, /Resource\s+Used\s+Hard/);
  assert.match(describe, /limits.memory\s+800Mi\s+2Gi/);
  assert.match(describe, /requests.cpu\s+400m\s+1/);

  // Deleting the pod gives its share back (the controller's recount).
  await ok(['delete', 'pod', 'quota-mem-cpu-demo', '-n', ns, '--wait=false']);
  await waitFor('the usage given back', async () => (await used('mem-cpu-demo', ns))?.['requests.memory'] === '0');
  assert.match(await apply('quota-mem-cpu-pod-2.yaml', ns), /pod\/quota-mem-cpu-demo-2 created/);
});

test('a pod quota of 2: a 3-replica Deployment gets two pods and its ReplicaSet says why', opts, async () => {
  const ns = 'quota-pod-example';
  await ok(['create', 'namespace', ns]);
  await apply('quota-pod.yaml', ns);
  await waitFor('the quota synced', async () => (await used('pod-demo', ns))?.pods === '0');
  await apply('quota-pod-deployment.yaml', ns);
  await waitFor('two pods and a FailedCreate event', async () => {
    const pods = (await ok(['get', 'pods', '-n', ns, '-o', 'name'])).trim().split('\n').filter(Boolean);
    const events = await ok(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
    return pods.length === 2 && /forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2/.test(events);
  });
  await sleep(stretch(1000));
  assert.equal((await ok(['get', 'pods', '-n', ns, '-o', 'name'])).trim().split('\n').length, 2, 'still two');
  assert.equal((await used('pod-demo', ns))?.pods, '2');
});

test('quotas on API objects: one claim, the second refused', opts, async () => {
  const ns = 'quota-object-example';
  await ok(['create', 'namespace', ns]);
  await apply('quota-objects.yaml', ns);
  await waitFor('the quota synced', async () => (await used('object-quota-demo', ns))?.persistentvolumeclaims === '0');
  await apply('quota-objects-pvc.yaml', ns);
  const second = await kubectl(['apply', '-f', `${FIXTURES}quota-objects-pvc-2.yaml`, '-n', ns]);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /persistentvolumeclaims "pvc-quota-demo-2" is forbidden: exceeded quota: object-quota-demo, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1/);
  assert.match(await ok(['get', 'pvc', '-n', ns, '-o', 'name']), /^persistentvolumeclaim\/pvc-quota-demo\n$/);
});

test('LimitRange defaults show up in a created pod; min and max refuse pods and claims with upstream messages', opts, async () => {
  const ns = 'default-mem-example';
  await ok(['create', 'namespace', ns]);
  await apply('memory-defaults.yaml', ns);
  await apply('memory-defaults-pod.yaml', ns);
  const pod = JSON.parse(await ok(['get', 'pod', 'default-mem-demo', '-n', ns, '-o', 'json'])) as Pod;
  assert.deepEqual(pod.spec?.containers[0].resources, { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
  assert.equal(pod.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container default-mem-demo-ctr; memory limit for container default-mem-demo-ctr');
  assert.match(await ok(['get', 'limits', '-n', ns]), /^NAME\s+CREATED AT\s*\nmem-limit-range\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  assert.match(await ok(['describe', 'limitrange', 'mem-limit-range', '-n', ns]), /Container\s+memory\s+-\s+-\s+256Mi\s+512Mi\s+-/);

  const cpuNs = 'constraints-cpu-example';
  await ok(['create', 'namespace', cpuNs]);
  await apply('cpu-constraints.yaml', cpuNs);
  const lr = JSON.parse(await ok(['get', 'limitrange', 'cpu-min-max-demo-lr', '-n', cpuNs, '-o', 'json'])) as { spec: { limits: Record<string, unknown>[] } };
  assert.deepEqual(lr.spec.limits[0], { default: { cpu: '800m' }, defaultRequest: { cpu: '800m' }, max: { cpu: '800m' }, min: { cpu: '200m' }, type: 'Container' }, 'the LimitRange as the docs show it, defaulted');
  await apply('cpu-constraints-pod.yaml', cpuNs);
  const tooMuch = await kubectl(['apply', '-f', `${FIXTURES}cpu-constraints-pod-2.yaml`, '-n', cpuNs]);
  assert.notEqual(tooMuch.code, 0);
  assert.match(tooMuch.stderr, /pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m/);
  assert.equal((await kubectl(['get', 'pod', 'constraints-cpu-demo-2', '-n', cpuNs])).code, 1, 'nothing stored');

  const storageNs = 'storage-limits-example';
  await ok(['create', 'namespace', storageNs]);
  await apply('storagelimits.yaml', storageNs);
  const lower = await kubectl(['apply', '-f', `${FIXTURES}pvc-limit-lower.yaml`, '-n', storageNs]);
  assert.match(lower.stderr, /persistentvolumeclaims "pvc-limit-lower" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi/);
  const greater = await kubectl(['apply', '-f', `${FIXTURES}pvc-limit-greater.yaml`, '-n', storageNs]);
  assert.match(greater.stderr, /persistentvolumeclaims "pvc-limit-greater" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi/);
  assert.equal((await ok(['get', 'pvc', '-n', storageNs, '-o', 'name'])).trim(), '', 'no claim stored');
});
