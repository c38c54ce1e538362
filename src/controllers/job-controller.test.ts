import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { JOB_TRACKING_FINALIZER } from '../core/controllers/job-pods.js';
import { JOBS, PODS } from '../core/controllers/resource-types.js';
import { silentLogger } from '../core/logger.js';
import type { KubeObject, Pod } from '../core/types.js';
import { kubeletRound, localApi, settle } from '../testing/local-api.js';
import { ControllerManager } from './controller-manager.js';
import { ControllerEventRecorder } from './event-recorder.js';
import { JobController } from './job-controller.js';
import { TtlAfterFinishedController } from './ttl-after-finished-controller.js';

type J = Job & KubeObject;

const job = (name: string, spec: Partial<Job['spec']> = {}, restartPolicy = 'Never'): J => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: { template: { spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] } }, ...spec } as Job['spec'],
});

async function setup() {
  const api = localApi();
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new JobController(new ControllerEventRecorder(api.client, api.clock, 'job-controller', silentLogger)));
  manager.add(new TtlAfterFinishedController());
  await manager.start();
  const pods = async (): Promise<Pod[]> => (await api.client.list<Pod>(PODS, 'default')).items;
  const get = async (name: string): Promise<J> => (await api.client.get<J>(JOBS, 'default', name))!;
  /** What the kubelet would write when a pod's container exits with `code`. */
  const finish = async (pod: Pod, code: number): Promise<void> => {
    const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const fresh = (await api.client.get<Pod>(PODS, 'default', pod.metadata!.name!))!;
    await api.client.update(PODS, {
      ...fresh,
      status: { phase: code === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, finishedAt: at } } }] },
    }, { subresource: 'status' });
  };
  const running = async (): Promise<Pod[]> => (await pods()).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
  return { api, pods, get, finish, running, close: async () => { await manager.stop(); api.close(); } };
}

test('completions 3, parallelism 2: two pods at a time, each with the tracking finalizer; every success counted once; SuccessCriteriaMet then Complete', async () => {
  const { api, pods, get, finish, running, close } = await setup();
  await api.client.create(JOBS, job('pi', { completions: 3, parallelism: 2 }));
  await settle(async () => (await pods()).length === 2);
  for (const p of await pods()) assert.deepEqual(p.metadata?.finalizers, [JOB_TRACKING_FINALIZER]);
  const [a, b] = await pods();
  await finish(a, 0);
  await settle(async () => (await get('pi')).status?.succeeded === 1 && (await running()).length === 2);
  assert.equal((await api.client.get<Pod>(PODS, 'default', a.metadata!.name!))?.metadata?.finalizers, undefined, 'the counted pod lost its finalizer');
  await finish(b, 0);
  for (const p of await running()) await finish(p, 0);
  await settle(async () => (await get('pi')).status?.conditions?.some((c) => c.type === 'Complete') === true);
  const s = (await get('pi')).status!;
  assert.equal(s.succeeded, 3);
  assert.equal(s.failed ?? 0, 0);
  assert.equal((await pods()).length, 3, 'no fourth pod');
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
  assert.ok(s.completionTime && s.startTime);
  await close();
});

test('backoffLimit 2: three failed pods, each after the exponential back-off (10 s, 20 s), then FailureTarget and Failed with BackoffLimitExceeded', async () => {
  const { api, pods, get, finish, running, close } = await setup();
  await api.client.create(JOBS, job('fail', { backoffLimit: 2 }));
  await settle(async () => (await running()).length === 1);
  await finish((await running())[0], 1);
  await settle(async () => (await get('fail')).status?.failed === 1);
  api.clock.advance(9_000);
  await settle(async () => true);
  assert.equal((await running()).length, 0, 'no new pod within the 10 s back-off');
  api.clock.advance(1_100);
  await settle(async () => (await running()).length === 1);
  await finish((await running())[0], 1);
  await settle(async () => (await get('fail')).status?.failed === 2);
  api.clock.advance(19_000);
  await settle(async () => true);
  assert.equal((await running()).length, 0, 'the second back-off is 20 s');
  api.clock.advance(1_100);
  await settle(async () => (await running()).length === 1);
  await finish((await running())[0], 1);
  await settle(async () => (await get('fail')).status?.conditions?.some((c) => c.type === 'Failed') === true);
  const s = (await get('fail')).status!;
  assert.equal(s.failed, 3);
  assert.equal((await pods()).length, 3, 'backoffLimit + 1 pods');
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.reason]), [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
  assert.equal(s.conditions?.[1].message, 'Job has reached the specified backoff limit');
  await close();
});

test('a crash after the UIDs were recorded but before the finalizers went: the next controller counts each pod once', async () => {
  const api = localApi();
  const created = await api.client.create<J>(JOBS, job('crash', { completions: 2, parallelism: 2 }));
  // What the first controller left: two pods, one finished, its UID already in uncountedTerminatedPods.
  const mk = async (n: string): Promise<Pod> =>
    api.client.create<Pod>(PODS, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: n, namespace: 'default', labels: created.spec!.template.metadata!.labels, finalizers: [JOB_TRACKING_FINALIZER], ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'crash', uid: created.metadata!.uid!, controller: true }] },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    } as Pod);
  const done = await mk('crash-a');
  await mk('crash-b');
  await api.client.update(PODS, { ...done, status: { phase: 'Succeeded' } }, { subresource: 'status' });
  const j = (await api.client.get<J>(JOBS, 'default', 'crash'))!;
  await api.client.update(JOBS, { ...j, status: { startTime: '2020-01-01T00:00:00Z', uncountedTerminatedPods: { succeeded: [done.metadata!.uid!] } } }, { subresource: 'status' });
  const manager = new ControllerManager(api.client, api.clock, silentLogger);
  manager.add(new JobController(new ControllerEventRecorder(api.client, api.clock, 'job-controller', silentLogger)));
  await manager.start();
  const get = async (): Promise<J> => (await api.client.get<J>(JOBS, 'default', 'crash'))!;
  await settle(async () => (await get()).status?.succeeded === 1 && (await get()).status?.uncountedTerminatedPods?.succeeded?.length === 0);
  assert.equal((await api.client.list(PODS, 'default')).items.length, 2, 'no pod made for the one already running');
  // The same pass again (a resync) counts nothing more.
  await settle(async () => true);
  assert.equal((await get()).status?.succeeded, 1);
  await manager.stop();
  api.close();
});

test('Indexed: each index once, with its annotation, label, JOB_COMPLETION_INDEX and hostname; completedIndexes', async () => {
  const { api, pods, get, finish, running, close } = await setup();
  await api.client.create(JOBS, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  await settle(async () => (await pods()).length === 3);
  const byIndex = new Map((await pods()).map((p) => [p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
  assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
  const p1 = byIndex.get('1')!;
  assert.equal(p1.spec?.hostname, 'idx-1');
  assert.equal(p1.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '1');
  assert.deepEqual(p1.spec?.containers[0].env?.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  await finish(p1, 0);
  await settle(async () => (await get('idx')).status?.completedIndexes === '1');
  for (const p of await running()) await finish(p, 0);
  await settle(async () => (await get('idx')).status?.conditions?.some((c) => c.type === 'Complete') === true);
  assert.equal((await get('idx')).status?.completedIndexes, '0-2');
  await close();
});

test('suspend deletes the running pods without counting them; resume starts again; activeDeadlineSeconds fails it with DeadlineExceeded; ttlSecondsAfterFinished deletes it', async () => {
  const { api, pods, get, running, close } = await setup();
  await api.client.create(JOBS, job('sus', { activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 30 }));
  await settle(async () => (await running()).length === 1);
  await api.client.patch(JOBS, 'default', 'sus', 'merge', { spec: { suspend: true } });
  await settle(async () => (await get('sus')).status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') === true && (await pods()).every((p) => p.metadata?.deletionTimestamp));
  // The kubelet's part: the pod stops and is removed (the finalizer, once gone, lets it go).
  for (const p of await pods()) {
    await api.client.update(PODS, { ...p, status: { phase: 'Failed' } }, { subresource: 'status' }).catch(() => undefined);
  }
  await settle(async () => (await kubeletRound(api)) >= 0 && (await pods()).length === 0);
  assert.equal((await get('sus')).status?.failed ?? 0, 0, 'pods stopped by a suspension are not failures');
  await api.client.patch(JOBS, 'default', 'sus', 'merge', { spec: { suspend: false } });
  await settle(async () => (await running()).length === 1 && (await get('sus')).status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'False') === true);
  api.clock.advance(61_000);
  await settle(async () => (await get('sus')).status?.conditions?.some((c) => c.type === 'FailureTarget' && c.reason === 'DeadlineExceeded') === true);
  for (const p of await pods()) await api.client.update(PODS, { ...p, status: { phase: 'Failed' } }, { subresource: 'status' }).catch(() => undefined);
  await settle(async () => (await get('sus')).status?.conditions?.some((c) => c.type === 'Failed' && c.reason === 'DeadlineExceeded') === true);
  api.clock.advance(29_000);
  await settle(async () => true);
  assert.ok(await api.client.get(JOBS, 'default', 'sus'), 'kept until its TTL');
  api.clock.advance(1_100);
  await settle(async () => (await api.client.get(JOBS, 'default', 'sus')) === undefined);
  await close();
});
