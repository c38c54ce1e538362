import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAttachPacket, inputPackets } from './conmon-attach.js';

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
