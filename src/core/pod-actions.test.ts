import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions } from './pod-actions.js';
import { BackOff } from './backoff.js';
import { instance, makePod, readySandbox, view } from '../testing/pod-builder.js';

const ctx = (now = 100_000, backOff = new BackOff()) => ({ now, backOff });

test('a new pod gets a sandbox and starts its app containers in spec order', () => {
  const pod = makePod({ containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'x' }] });
  const a = computePodActions(pod, view([], []), ctx());
  assert.equal(a.createSandbox, true);
  assert.equal(a.killPod, false);
  assert.deepEqual(a.containersToStart.map((s) => s.name), ['b', 'a']);
});

test('with init containers only the first init starts with the sandbox, then one at a time', () => {
  const pod = makePod({ initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] });
  assert.deepEqual(computePodActions(pod, view([], []), ctx()).containersToStart.map((s) => s.name), ['i1']);
  const running = computePodActions(pod, view([instance(pod, 'i1')]), ctx());
  assert.deepEqual(running.containersToStart, []);
  const done = computePodActions(pod, view([instance(pod, 'i1', { state: 'exited', exitCode: 0, finishedAt: 2000 })]), ctx());
  assert.deepEqual(done.containersToStart.map((s) => s.name), ['i2']);
  const both = view([
    instance(pod, 'i1', { state: 'exited', exitCode: 0 }),
    instance(pod, 'i2', { state: 'exited', exitCode: 0 }),
  ]);
  assert.deepEqual(computePodActions(pod, both, ctx()).containersToStart.map((s) => s.name), ['app']);
});

test('a failed init container fails the pod under Never and is retried under OnFailure', () => {
  const never = makePod({ restartPolicy: 'Never', initContainers: [{ name: 'i1', image: 'x' }] });
  const a = computePodActions(never, view([instance(never, 'i1', { state: 'exited', exitCode: 1 })]), ctx());
  assert.equal(a.initFailed, true);
  assert.equal(a.killPod, true);
  assert.deepEqual(a.containersToStart, []);
  const onFailure = makePod({ restartPolicy: 'OnFailure', initContainers: [{ name: 'i1', image: 'x' }] });
  const b = computePodActions(onFailure, view([instance(onFailure, 'i1', { state: 'exited', exitCode: 1, finishedAt: 99_000 })]), ctx());
  assert.deepEqual(b.containersToStart.map((s) => [s.name, s.restartCount]), [['i1', 1]]);
});

test('restart policy decides whether an exited app container restarts', () => {
  for (const [policy, code, restarts] of [
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 3, true],
    ['Never', 3, false],
  ] as const) {
    const pod = makePod({ restartPolicy: policy });
    const a = computePodActions(pod, view([instance(pod, 'app', { state: 'exited', exitCode: code, finishedAt: 99_000 })]), ctx());
    assert.equal(a.containersToStart.length > 0, restarts, `${policy} exit ${code}`);
    assert.equal(a.killPod, !restarts, `${policy} exit ${code}: pod done`);
  }
});

test('second exit waits out the back-off and says until when', () => {
  const pod = makePod();
  const backOff = new BackOff();
  const first = computePodActions(pod, view([instance(pod, 'app', { state: 'exited', exitCode: 1, finishedAt: 50_000 })]), ctx(50_100, backOff));
  assert.equal(first.containersToStart.length, 1);
  backOff.next(first.containersToStart[0].backOff!.key, 50_000);
  const second = computePodActions(
    pod,
    view([instance(pod, 'app', { state: 'exited', exitCode: 1, restartCount: 1, finishedAt: 52_000 })]),
    ctx(53_000, backOff),
  );
  assert.deepEqual(second.containersToStart, []);
  assert.equal(second.backOff.get('app')?.until, 62_000);
  assert.equal(second.nextSyncAt, 62_000);
  assert.equal(second.killPod, false);
});

test('a dead sandbox is recreated and every init container runs again', () => {
  const pod = makePod({ initContainers: [{ name: 'i1', image: 'x' }] });
  const dead = view(
    [instance(pod, 'i1', { state: 'exited', exitCode: 0 }), instance(pod, 'app', { state: 'unknown' })],
    [readySandbox({ ready: false })],
  );
  const a = computePodActions(pod, dead, ctx());
  assert.equal(a.killPod, true);
  assert.equal(a.createSandbox, true);
  assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['i1', 1]]);
});

test('a changed container spec restarts the running container', () => {
  const pod = makePod();
  const old = instance(pod, 'app', { hash: 'different' });
  const a = computePodActions(pod, view([old]), ctx());
  assert.equal(a.containersToKill[0]?.instance.id, old.id);
  assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['app', 1]]);
});

test('a Job-like pod with a sidecar is done when its app containers are', () => {
  const pod = makePod({ restartPolicy: 'Never', initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }] });
  const a = computePodActions(pod, view([instance(pod, 'side'), instance(pod, 'app', { state: 'exited', exitCode: 0 })]), ctx());
  assert.equal(a.killPod, true);
  assert.deepEqual(a.containersToStart, []);
});

test('a running sidecar blocks the next init container until it is started', () => {
  const pod = makePod({ initContainers: [{ name: 'sc', image: 'x', restartPolicy: 'Always' }, { name: 'i2', image: 'x' }] });
  const v = view([instance(pod, 'sc')]);
  const notStarted = computePodActions(pod, v, { ...ctx(), isStarted: () => false });
  assert.deepEqual(notStarted.containersToStart, []);
  const started = computePodActions(pod, v, { ...ctx(), isStarted: () => true });
  assert.deepEqual(started.containersToStart.map((s) => s.name), ['i2']);
});

test('once the pod is initialised, a sidecar restart does not hold the app containers back', () => {
  const pod = makePod({ initContainers: [{ name: 'sc', image: 'x', restartPolicy: 'Always' }] });
  const v = view([instance(pod, 'sc', { state: 'exited', exitCode: 1, finishedAt: 99_000 }), instance(pod, 'app')]);
  const a = computePodActions(pod, v, ctx());
  assert.deepEqual(a.containersToStart.map((s) => [s.name, s.type]), [['sc', 'init']]);
  assert.equal(a.killPod, false);
});

test('a sidecar restarts under Never too; a created-but-never-started instance is replaced', () => {
  const pod = makePod({ restartPolicy: 'Never', initContainers: [{ name: 'sc', image: 'x', restartPolicy: 'Always' }] });
  const a = computePodActions(pod, view([instance(pod, 'sc', { state: 'exited', exitCode: 0, finishedAt: 99_000 }), instance(pod, 'app')]), ctx());
  assert.deepEqual(a.containersToStart.map((s) => s.name), ['sc']);
  const stuck = instance(pod, 'app', { state: 'created' });
  const b = computePodActions(pod, view([instance(pod, 'sc'), stuck]), ctx());
  assert.equal(b.containersToKill[0]?.instance.id, stuck.id);
  assert.deepEqual(b.containersToStart.map((s) => [s.name, s.restartCount]), [['app', 1]]);
});

test('a Never pod whose sandbox died after its containers ran is not brought back', () => {
  const pod = makePod({ restartPolicy: 'Never' });
  const a = computePodActions(pod, view([instance(pod, 'app', { state: 'unknown' })], [readySandbox({ ready: false })]), ctx());
  assert.equal(a.createSandbox, false);
  assert.equal(a.killPod, true);
  assert.deepEqual(a.containersToStart, []);
});

test('a Never pod whose sandbox was never finished, its containers created but never started, gets a new sandbox', () => {
  // What a daemon killed while making the sandbox leaves: the containers are made beside it.
  const pod = makePod({ restartPolicy: 'Never' });
  const killedWhileCreated = { state: 'exited', exitCode: 137, finishedAt: 99_000 } as const;
  for (const over of [{ state: 'created' }, { state: 'unknown' }, killedWhileCreated] as const) {
    const state = over.state;
    const a = computePodActions(pod, view([instance(pod, 'app', { ...over, startedAt: undefined })], [readySandbox({ ready: false, ip: undefined })]), ctx());
    assert.equal(a.killPod, true, state);
    assert.equal(a.createSandbox, true, state);
    assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['app', 1]], state);
  }
});

test('OnFailure with a succeeded container and a dead sandbox starts only what has not succeeded', () => {
  const pod = makePod({ restartPolicy: 'OnFailure', containers: [{ name: 'ok', image: 'x' }, { name: 'bad', image: 'x' }] });
  const dead = view(
    [instance(pod, 'ok', { state: 'exited', exitCode: 0 }), instance(pod, 'bad', { state: 'exited', exitCode: 2 })],
    [readySandbox({ ready: false })],
  );
  const a = computePodActions(pod, dead, ctx());
  assert.equal(a.createSandbox, true);
  assert.deepEqual(a.containersToStart.map((s) => s.name), ['bad']);
});

test('instances of an older sandbox do not count as running in the new one', () => {
  const pod = makePod();
  const old = instance(pod, 'app', { sandboxId: 'old-sandbox' });
  const a = computePodActions(pod, view([old]), ctx());
  assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['app', 1]]);
});
