import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTermination, terminationGraceSeconds } from './pod-termination.js';
import { instance, makePod, readySandbox, view } from '../testing/pod-builder.js';

const pod = makePod({
  initContainers: [
    { name: 'init', image: 'i' },
    { name: 'sc1', image: 'i', restartPolicy: 'Always' },
    { name: 'sc2', image: 'i', restartPolicy: 'Always', lifecycle: { preStop: { exec: { command: ['x'] } } } },
  ],
  containers: [
    { name: 'main', image: 'i', lifecycle: { preStop: { sleep: { seconds: 1 } } } },
    { name: 'side', image: 'i' },
  ],
});

test('apps in parallel, sidecars in reverse spec order, preStop for the hooked ones that run; exited and completed ones are left alone', () => {
  const v = view([
    instance(pod, 'init', { state: 'exited', exitCode: 0 }),
    instance(pod, 'sc1'),
    instance(pod, 'sc2'),
    instance(pod, 'main'),
    instance(pod, 'side', { state: 'exited', exitCode: 1 }),
  ]);
  const plan = planTermination(pod, v);
  assert.deepEqual(plan.parallel.map((c) => c.name), ['main']);
  assert.deepEqual(plan.sequential.map((c) => c.name), ['sc2', 'sc1']);
  assert.deepEqual(plan.preStop.map((c) => c.name).sort(), ['main', 'sc2']);
  assert.deepEqual(plan.leftovers, []);
  assert.deepEqual(plan.sandboxes, ['s1']);
});

test('an older instance still alive, and one the spec no longer names, are leftovers killed at once', () => {
  const old = instance(pod, 'main', { restartCount: 0 });
  const cur = instance(pod, 'main', { restartCount: 1 });
  const stranger = { ...instance(pod, 'side'), name: 'removed-from-spec' };
  const plan = planTermination(pod, view([old, cur, stranger], [readySandbox(), readySandbox({ id: 's0', createdAt: 1 })]));
  assert.deepEqual(plan.parallel.map((c) => c.id), [cur.id]);
  assert.deepEqual(plan.leftovers.map((c) => c.id).sort(), [old.id, stranger.id].sort());
  assert.deepEqual(plan.sandboxes, ['s1', 's0']);
});

test('a created (never started) instance is stopped without its preStop', () => {
  const plan = planTermination(pod, view([instance(pod, 'main', { state: 'created' })]));
  assert.deepEqual(plan.parallel.map((c) => c.name), ['main']);
  assert.deepEqual(plan.preStop, []);
});

test('without the pod (gone from the API): every live instance is a leftover, no hooks', () => {
  const plan = planTermination(undefined, view([instance(pod, 'main'), instance(pod, 'sc1')]));
  assert.deepEqual(plan.leftovers.map((c) => c.name).sort(), ['main', 'sc1']);
  assert.deepEqual([plan.parallel, plan.sequential, plan.preStop], [[], [], []]);
});

test('grace: the deletion\'s own, else the spec\'s, else 30 s; never below 1 s', () => {
  assert.equal(terminationGraceSeconds(makePod()), 30);
  assert.equal(terminationGraceSeconds(makePod({ terminationGracePeriodSeconds: 7 })), 7);
  const deleted = { ...makePod({ terminationGracePeriodSeconds: 7 }), metadata: { name: 'p', deletionGracePeriodSeconds: 3 } };
  assert.equal(terminationGraceSeconds(deleted), 3);
  assert.equal(terminationGraceSeconds({ ...deleted, metadata: { name: 'p', deletionGracePeriodSeconds: 0 } }), 1);
  assert.equal(terminationGraceSeconds(undefined), 30);
});
