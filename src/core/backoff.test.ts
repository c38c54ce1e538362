import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackOff } from './backoff.js';

/** Simulates a container that exits `runMs` after each start and is restarted as soon as allowed. */
function restartDelays(runMs: number, exits: number): number[] {
  const b = new BackOff();
  const delays: number[] = [];
  let now = 0;
  for (let k = 0; k < exits; k++) {
    const exitAt = now + runMs;
    const until = b.waitUntil('k', exitAt, exitAt);
    const startAt = until ?? exitAt;
    delays.push((startAt - exitAt) / 1000);
    b.next('k', exitAt);
    now = startAt;
  }
  return delays;
}

test('first restart is immediate, then 10, 20, 40 ... capped at 300 s', () => {
  assert.deepEqual(restartDelays(1000, 9), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
});

test('back-off is measured from the exit time, not from now', () => {
  const b = new BackOff();
  b.next('k', 0); // first restart after an exit at t=0
  assert.equal(b.waitUntil('k', 5_000, 5_000), 15_000);
  assert.equal(b.waitUntil('k', 5_000, 14_999), 15_000);
  assert.equal(b.waitUntil('k', 5_000, 15_000), undefined);
});

test('a container that ran longer than 10 minutes starts over with an immediate restart', () => {
  const b = new BackOff();
  b.next('k', 0);
  b.next('k', 10_000);
  b.next('k', 40_000); // wait is now 40 s
  const exit = 40_000 + 600_001;
  assert.equal(b.waitUntil('k', exit, exit), undefined);
  b.next('k', exit);
  assert.equal(b.current('k'), 10_000);
});

test('gc drops idle entries and forget drops a pod', () => {
  const b = new BackOff();
  b.next('pod1/a/h', 0);
  b.next('pod2/a/h', 500_000);
  b.gc(600_001);
  assert.equal(b.current('pod1/a/h'), undefined);
  assert.equal(b.current('pod2/a/h'), 10_000);
  b.forget('pod2/');
  assert.equal(b.current('pod2/a/h'), undefined);
});
