import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRow, podCells, humanDuration, podColumnDefinitions } from './pod-printer.js';
import type { ContainerStatus, Pod } from './types.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function pod(over: { spec?: Partial<NonNullable<Pod['spec']>>; status?: NonNullable<Pod['status']>; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: ago(185), ...(over.deleting ? { deletionTimestamp: ago(-10) } : {}) },
    spec: { containers: [{ name: 'c' }], ...over.spec },
    status: over.status ?? {},
  };
}
const running = (name: string, ready = true, restartCount = 0): ContainerStatus => ({
  name, image: 'x', imageID: '', ready, restartCount, state: { running: { startedAt: ago(60) } },
});
const waiting = (name: string, reason: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name, image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } }, ...extra,
});
const terminated = (name: string, exitCode: number, reason?: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name, image: 'x', imageID: '', ready: false, restartCount: 0,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}) } }, ...extra,
});

test('plain running pod', () => {
  const r = podRow(pod({ status: { phase: 'Running', podIP: '10.90.0.5', podIPs: [{ ip: '10.90.0.5' }], containerStatuses: [running('c')] } }), NOW);
  assert.deepEqual(r, {
    name: 'p', ready: '1/1', status: 'Running', restarts: '0', age: '3m5s',
    ip: '10.90.0.5', node: '<none>', nominatedNode: '<none>', readinessGates: '<none>',
  });
});

test('pending pod without statuses', () => {
  const r = podRow(pod({ status: { phase: 'Pending' } }), NOW);
  assert.equal(r.status, 'Pending');
  assert.equal(r.ready, '0/1');
  assert.equal(r.ip, '<none>');
});

test('waiting and terminated reasons; first name-sorted status wins', () => {
  const r = podRow(pod({
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: { phase: 'Pending', containerStatuses: [waiting('a', 'ErrImagePull'), waiting('b', 'ContainerCreating')] },
  }), NOW);
  assert.equal(r.status, 'ErrImagePull');
  const done = podRow(pod({ status: { phase: 'Succeeded', containerStatuses: [terminated('c', 0, 'Completed')] } }), NOW);
  assert.equal(done.status, 'Completed');
  assert.equal(done.ready, '0/1');
  const err = podRow(pod({ status: { phase: 'Failed', containerStatuses: [terminated('c', 3, 'Error')] } }), NOW);
  assert.equal(err.status, 'Error');
  const sig = podRow(pod({ status: { phase: 'Failed', containerStatuses: [{ ...terminated('c', 137), state: { terminated: { exitCode: 137, signal: 9 } } }] } }), NOW);
  assert.equal(sig.status, 'Signal:9');
  const code = podRow(pod({ status: { phase: 'Failed', containerStatuses: [terminated('c', 2)] } }), NOW);
  assert.equal(code.status, 'ExitCode:2');
});

test('Completed with a running ready container: Running or NotReady by the Ready condition', () => {
  const status = (readyCond: string): NonNullable<Pod['status']> => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: readyCond }],
    containerStatuses: [terminated('a', 0, 'Completed'), running('b')],
  });
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  assert.equal(podRow(pod({ spec, status: status('True') }), NOW).status, 'Running');
  assert.equal(podRow(pod({ spec, status: status('False') }), NOW).status, 'NotReady');
});

test('crash loop: RESTARTS shows the newest finishedAt', () => {
  const r = podRow(pod({
    status: {
      phase: 'Running',
      containerStatuses: [waiting('c', 'CrashLoopBackOff', { restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(12) } } })],
    },
  }), NOW);
  assert.equal(r.status, 'CrashLoopBackOff');
  assert.equal(r.restarts, '3 (12s ago)');
});

test('init containers: progress, failures, back-off, PodInitializing', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] };
  const main = waiting('c', 'PodInitializing');
  const at0 = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [running('i1', false), waiting('i2', 'PodInitializing')], containerStatuses: [main] } }), NOW);
  assert.equal(at0.status, 'Init:0/2');
  assert.equal(at0.ready, '0/1');
  const at1 = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [terminated('i1', 0, 'Completed'), running('i2', false)], containerStatuses: [main] } }), NOW);
  assert.equal(at1.status, 'Init:1/2');
  const failed = podRow(pod({ spec, status: { phase: 'Failed', initContainerStatuses: [terminated('i1', 1, 'Error'), waiting('i2', 'PodInitializing')], containerStatuses: [main] } }), NOW);
  assert.equal(failed.status, 'Init:Error');
  assert.equal(failed.restarts, '0');
  const loop = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [waiting('i1', 'CrashLoopBackOff', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(5) } } }), waiting('i2', 'PodInitializing')], containerStatuses: [main] } }), NOW);
  assert.equal(loop.status, 'Init:CrashLoopBackOff');
  assert.equal(loop.restarts, '2 (5s ago)');
  const noReason = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [terminated('i1', 7)], containerStatuses: [main] } }), NOW);
  assert.equal(noReason.status, 'Init:ExitCode:7');
  const done = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [terminated('i1', 0, 'Completed'), terminated('i2', 0, 'Completed')], containerStatuses: [main] } }), NOW);
  assert.equal(done.status, 'PodInitializing');
});

test('sidecars count toward READY and RESTARTS after init', () => {
  const spec = { initContainers: [{ name: 'sc', restartPolicy: 'Always' }, { name: 'i2' }], containers: [{ name: 'c' }] };
  const sc = { ...running('sc', true, 1), started: true, lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } } };
  const initing = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [sc, running('i2', false)], containerStatuses: [waiting('c', 'PodInitializing')] } }), NOW);
  assert.equal(initing.status, 'Init:1/2');
  assert.equal(initing.ready, '1/2');
  const up = podRow(pod({ spec, status: {
    phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }],
    initContainerStatuses: [sc, terminated('i2', 0, 'Completed', { restartCount: 4 })], containerStatuses: [running('c', true, 2)],
  } }), NOW);
  assert.equal(up.status, 'Running');
  assert.equal(up.ready, '2/2');
  assert.equal(up.restarts, '3 (30s ago)');
  const notStarted = podRow(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [{ ...running('sc', false), started: false }, waiting('i2', 'PodInitializing')] } }), NOW);
  assert.equal(notStarted.status, 'Init:0/2');
});

test('Terminating unless terminal; status.reason wins over phase', () => {
  assert.equal(podRow(pod({ deleting: true, status: { phase: 'Running', containerStatuses: [running('c')] } }), NOW).status, 'Terminating');
  assert.equal(podRow(pod({ deleting: true, status: { phase: 'Succeeded', containerStatuses: [terminated('c', 0, 'Completed')] } }), NOW).status, 'Completed');
  assert.equal(podRow(pod({ status: { phase: 'Failed', reason: 'DeadlineExceeded' } }), NOW).status, 'DeadlineExceeded');
  assert.equal(podRow(pod({ status: { phase: 'Failed', reason: 'OutOfcpu' } }), NOW).status, 'OutOfcpu');
});

test('wide cells: node, readiness gates', () => {
  const p = pod({
    spec: { nodeName: 'n1', readinessGates: [{ conditionType: 'g1' }, { conditionType: 'g2' }] },
    status: { phase: 'Running', conditions: [{ type: 'g1', status: 'True' }], containerStatuses: [running('c')] },
  });
  assert.deepEqual(podCells(p, NOW, true).slice(5), ['<none>', 'n1', '<none>', '1/2']);
  assert.equal(podCells(p, NOW, false).length, 5);
  assert.deepEqual(podColumnDefinitions.map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
});

test('age of an object without creationTimestamp', () => {
  assert.equal(podRow({ metadata: { name: 'x' } }, NOW).age, '<unknown>');
});

test('humanDuration matches apimachinery', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const cases: Array<[number, string]> = [
    [-3 * s, '<invalid>'], [-1500, '0s'], [0, '0s'], [45 * s, '45s'], [119 * s, '119s'], [2 * m, '2m'],
    [3 * m + 5 * s, '3m5s'], [9 * m + 59 * s, '9m59s'], [10 * m + 30 * s, '10m'], [179 * m, '179m'],
    [3 * h, '3h'], [3 * h + 5 * m, '3h5m'], [7 * h + 59 * m, '7h59m'], [8 * h + 30 * m, '8h'], [47 * h, '47h'],
    [2 * d, '2d'], [2 * d + 3 * h, '2d3h'], [7 * d + 23 * h, '7d23h'], [8 * d + 5 * h, '8d'], [729 * d, '729d'],
    [730 * d, '2y'], [800 * d, '2y70d'], [5 * 365 * d, '5y'], [9 * 365 * d + 100 * d, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});
