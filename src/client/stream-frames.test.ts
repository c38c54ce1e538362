import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Channel, closeStdinFrame, parseFrame, resizeFrame, stdinFrame } from './stream-frames.js';

test('stdin frames carry channel 0 then the bytes', () => {
  assert.deepEqual([...stdinFrame('hi')], [0, 0x68, 0x69]);
  assert.deepEqual([...stdinFrame(Buffer.of(255, 1))], [0, 255, 1]);
});

test('resize frames are channel 4 with the Go field names, whole non-negative numbers', () => {
  const f = resizeFrame({ width: 120, height: 40 });
  assert.equal(f[0], Channel.resize);
  assert.equal(f.subarray(1).toString(), '{"Width":120,"Height":40}');
  assert.equal(resizeFrame({ width: 80.7, height: -3 }).subarray(1).toString(), '{"Width":80,"Height":0}');
});

test('the v5 stdin close is [255, 0]', () => {
  assert.deepEqual([...closeStdinFrame()], [255, 0]);
});

test('parseFrame splits channel and payload; an empty message is nothing', () => {
  const f = parseFrame(Buffer.from([3, 0x7b, 0x7d]));
  assert.equal(f?.channel, Channel.error);
  assert.equal(f?.payload.toString(), '{}');
  assert.equal(parseFrame(Buffer.alloc(0)), undefined);
});
