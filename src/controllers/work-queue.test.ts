import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.js';
import { WorkQueue } from './work-queue.js';

test('a waiting key is added once; a key being processed comes back after done, never to two workers', async () => {
  const q = new WorkQueue(new FakeClock());
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  q.add('a'); // changed while being processed
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0, 'a is not handed out while a worker has it');
  q.done('a');
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.done('b');
  assert.equal(q.length, 0);
});

test('a worker waiting on an empty queue gets the next key; shutdown ends the wait', async () => {
  const q = new WorkQueue(new FakeClock());
  const next = q.get();
  q.add('x');
  assert.equal(await next, 'x');
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
});

test('rate-limited requeues back off 5 ms, 10 ms, 20 ms ... per key until forgotten; addAfter keeps the earliest', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  assert.deepEqual([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')], [5, 10, 20]);
  assert.equal(q.length, 0);
  clock.advance(4);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1, 'the earliest of the pending requeues fired');
  q.forget('k');
  assert.equal(q.addRateLimited('k'), 5);
  q.addAfter('late', 1000);
  q.addAfter('late', 100);
  clock.advance(100);
  assert.equal(await q.get(), 'k');
  assert.equal(await q.get(), 'late');
  clock.advance(1000);
  assert.equal(q.length, 0, 'the later request was folded into the earlier one');
});
