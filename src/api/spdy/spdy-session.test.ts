import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt8(flags, 4);
  h.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([h, body]);
}

function data(id: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id, 0);
  h.writeUInt8(flags, 4);
  h.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([h, payload]);
}

test('the SPDY/3 dictionary has the protocol size', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
});

test('SYN_STREAM gets a SYN_REPLY; data, FIN, PING; frames split at any byte', () => {
  const out: Buffer[] = [];
  const session = new SpdySession((f) => out.push(f));
  const streams: SpdyStream[] = [];
  const got: string[] = [];
  session.on('stream', (s: SpdyStream) => {
    streams.push(s);
    s.on('data', (c: Buffer) => got.push(c.toString()));
    s.on('end', () => got.push('<fin>'));
  });
  const headers = Buffer.concat([u32(2), u32(10), Buffer.from('streamtype'), u32(4), Buffer.from('data'), u32(4), Buffer.from('port'), u32(2), Buffer.from('80')]);
  const block = deflateSync(headers, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  const syn = control(1, 0, Buffer.concat([u32(1), u32(0), Buffer.from([0, 0]), block]));
  const bytes = Buffer.concat([syn, data(1, 0, Buffer.from('hello')), data(1, 1, Buffer.alloc(0)), control(6, 0, u32(7))]);
  for (let i = 0; i < bytes.length; i += 3) session.input(bytes.subarray(i, i + 3));
  assert.deepEqual(streams[0].headers, { streamtype: 'data', port: '80' });
  assert.deepEqual(got, ['hello', '<fin>']);
  const reply = out[0];
  assert.equal(reply.readUInt16BE(2), 2);
  assert.equal(reply.readUInt32BE(8), 1);
  // The reply's header block inflates (as a client's one zlib context would) to zero pairs.
  assert.deepEqual(inflateSync(reply.subarray(12), { finishFlush: constants.Z_SYNC_FLUSH }), u32(0));
  assert.deepEqual(out[1], control(6, 0, u32(7)), 'PING echoed');
  streams[0].write(Buffer.from('back'));
  streams[0].end();
  assert.deepEqual(out[2], data(1, 0, Buffer.from('back')));
  assert.deepEqual(out[3], data(1, 1, Buffer.alloc(0)));
});

test('a garbage or oversized frame closes the session, no throw', () => {
  const session = new SpdySession(() => {});
  let closed = false;
  session.on('error', () => {});
  session.on('close', () => (closed = true));
  session.input(Buffer.from([0x80, 3, 0, 1, 0, 0xff, 0xff, 0xff]));
  assert.ok(closed);
});
