import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodStatus } from './pod-status.js';
import { instance, makePod, view } from '../testing/pod-builder.js';
import type { PodRuntimeView } from './runtime-view.js';
import type { Pod } from './types.js';

const status = (pod: Pod, v: PodRuntimeView, waiting = new Map()) =>
  computePodStatus({ pod, view: v, now: 200_000, waiting, hostIP: '192.0.2.1' });

test('before anything runs: Pending, ContainerCreating, or PodInitializing for every container with inits', () => {
  const plain = status(makePod(), { sandboxes: [], containers: [] });
  assert.equal(plain.phase, 'Pending');
  assert.equal(plain.containerStatuses![0].state!.waiting!.reason, 'ContainerCreating');
  const withInit = status(makePod({ initContainers: [{ name: 'i', image: 'x' }] }), { sandboxes: [], containers: [] });
  assert.equal(withInit.initContainerStatuses![0].state!.waiting!.reason, 'PodInitializing');
  assert.equal(withInit.containerStatuses![0].state!.waiting!.reason, 'PodInitializing');
  const init = withInit.conditions!.find((c) => c.type === 'Initialized')!;
  assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i]']);
});

test('Never + exit 3 is Failed; OnFailure + exit 0 is Succeeded; Always + exit 0 stays Running', () => {
  const cases = [
    ['Never', 3, 'Failed'],
    ['OnFailure', 0, 'Succeeded'],
    ['Always', 0, 'Running'],
    ['OnFailure', 1, 'Running'],
  ] as const;
  for (const [policy, exitCode, phase] of cases) {
    const pod = makePod({ restartPolicy: policy });
    const s = status(pod, view([instance(pod, 'app', { state: 'exited', exitCode, finishedAt: 150_000 })]));
    assert.equal(s.phase, phase, `${policy} exit ${exitCode}`);
  }
});

test('all running: Running, Ready, conditions in kubelet order, statuses sorted by name', () => {
  const pod = makePod({ containers: [{ name: 'zeta', image: 'x' }, { name: 'alpha', image: 'x' }] });
  const s = status(pod, view([instance(pod, 'zeta'), instance(pod, 'alpha')]));
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.90.0.2');
  assert.deepEqual(s.containerStatuses!.map((c) => c.name), ['alpha', 'zeta']);
  assert.deepEqual(s.conditions!.map((c) => `${c.type}=${c.status}`), [
    'PodReadyToStartContainers=True',
    'Initialized=True',
    'Ready=True',
    'ContainersReady=True',
    'PodScheduled=True',
  ]);
  assert.match(s.containerStatuses![0].containerID!, /^peapod:\/\//);
});

test('crash-loop: waiting CrashLoopBackOff with the previous run in lastState, restartCount of that run', () => {
  const pod = makePod();
  const prev = instance(pod, 'app', { state: 'exited', exitCode: 1, restartCount: 0, finishedAt: 100_000 });
  const cur = instance(pod, 'app', { state: 'exited', exitCode: 2, restartCount: 1, finishedAt: 190_000 });
  const s = status(pod, view([prev, cur]), new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 10s' }]]));
  const c = s.containerStatuses![0];
  assert.equal(c.state!.waiting!.reason, 'CrashLoopBackOff');
  assert.equal(c.lastState!.terminated!.exitCode, 2);
  assert.equal(c.restartCount, 1);
  assert.equal(s.phase, 'Running');
  const ready = s.conditions!.find((x) => x.type === 'Ready')!;
  assert.equal(ready.message, 'containers with unready status: [app]');
});

test('a terminal phase never changes and lastTransitionTime moves only on a flip', () => {
  const pod = makePod({ restartPolicy: 'Never' });
  const first = status(pod, view([instance(pod, 'app', { state: 'exited', exitCode: 3 })]));
  assert.equal(first.phase, 'Failed');
  const again = computePodStatus({
    pod: { ...pod, status: first },
    view: view([instance(pod, 'app')]),
    now: 900_000,
    waiting: new Map(),
    hostIP: '192.0.2.1',
  });
  assert.equal(again.phase, 'Failed');
  const sched = again.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.equal(sched.lastTransitionTime, first.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime);
});
