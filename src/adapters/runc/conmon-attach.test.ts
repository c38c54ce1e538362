import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAttachPacket, inputPackets, latestInOrder } from './conmon-attach.js';

test('packets from conmon: the first byte names the stream', () => {
  assert.deepEqual(decodeAttachPacket(Buffer.from([2, ...Buffer.from('out')])), { stream: 'stdout', data: Buffer.from('out') });
  assert.deepEqual(decodeAttachPacket(Buffer.from([3, ...Buffer.from('err')])), { stream: 'stderr', data: Buffer.from('err') });
  // A byte that looks like a stream marker inside the data stays data.
  assert.deepEqual(decodeAttachPacket(Buffer.from([2, 3, 2]))?.data, Buffer.from([3, 2]));
  assert.equal(decodeAttachPacket(Buffer.from([1, 65])), undefined, 'stdin is never sent back');
  assert.equal(decodeAttachPacket(Buffer.from([2])), undefined, 'an empty read carries nothing');
});

test('input goes in packets conmon reads whole, in order, nothing lost', () => {
  assert.deepEqual(inputPackets(Buffer.from('short')), [Buffer.from('short')]);
  const big = Buffer.alloc(40_000, 7);
  big[39_999] = 9;
  const packets = inputPackets(big);
  assert.deepEqual(
    packets.map((p) => p.length),
    [16_384, 16_384, 7_232],
  );
  assert.deepEqual(Buffer.concat(packets), big);
  assert.deepEqual(inputPackets(Buffer.alloc(0)), []);
});

test('resizes go one at a time, in order; those queued behind a slow one collapse into the newest', async () => {
  const sent: number[] = [];
  const releases: (() => void)[] = [];
  const send = latestInOrder((n: number) => {
    sent.push(n);
    return new Promise<void>((r) => releases.push(r));
  });
  send(1); // kubectl attach: the size +1 ...
  send(2); // ... then the true size, while the first is still being written
  send(3);
  assert.deepEqual(sent, [1], 'the second waits for the first');
  releases.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent, [1, 3], 'only the newest of the queued ones follows');
  releases.shift()!();
  await new Promise((r) => setImmediate(r));
  send(4);
  assert.deepEqual(sent, [1, 3, 4], 'an idle sender sends at once');
});

test('a failed resize does not stop the ones after it', async () => {
  const sent: number[] = [];
  const send = latestInOrder(async (n: number) => {
    sent.push(n);
    if (n === 1) throw new Error('conmon gone');
  });
  send(1);
  await new Promise((r) => setImmediate(r));
  send(2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent, [1, 2]);
});
