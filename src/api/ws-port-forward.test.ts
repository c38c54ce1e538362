import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { BadRequestError } from '../core/errors.js';
import { parsePorts, serveChannelPortForward, type ChannelSocket } from './ws-port-forward.js';

class FakeSocket extends EventEmitter implements ChannelSocket {
  sent: Buffer[] = [];
  closedWith: number | undefined;
  send(data: Buffer): void {
    this.sent.push(data);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  /** The messages sent on one channel, without the channel byte. */
  channel(n: number): Buffer[] {
    return this.sent.filter((m) => m[0] === n).map((m) => m.subarray(1));
  }
}

/** A pod connection: what the client sends lands in `written`; `reply` is what the pod says. */
class FakeConn extends Duplex {
  written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written.push(Buffer.from(chunk));
    cb();
  }
  reply(text: string): void {
    this.push(Buffer.from(text));
  }
}

test('parsePorts reads repeated and comma-separated ports and refuses junk', () => {
  assert.deepEqual(parsePorts(new URLSearchParams('ports=80&ports=8080,81')), [80, 8080, 81]);
  assert.throws(() => parsePorts(new URLSearchParams('')), BadRequestError);
  for (const bad of ['0', '65536', 'http', '80x', '-1', '']) {
    assert.throws(() => parsePorts(new URLSearchParams({ ports: bad })), BadRequestError, bad);
  }
});

test('each port gets a data and an error channel, both opened with the port number (LE)', async () => {
  const ws = new FakeSocket();
  const conns = new Map<number, FakeConn>();
  serveChannelPortForward(ws, [80, 8443], (port) => {
    const c = new FakeConn();
    conns.set(port, c);
    return c;
  });
  assert.deepEqual([...conns.keys()], [80, 8443]);
  // 80 = 0x0050, 8443 = 0x20fb
  assert.deepEqual(ws.sent.map((m) => [...m]), [[0, 0x50, 0], [1, 0x50, 0], [2, 0xfb, 0x20], [3, 0xfb, 0x20]]);

  ws.emit('message', Buffer.from('\x02GET / HTTP/1.0\r\n\r\n', 'latin1'));
  ws.emit('message', Buffer.from('\x01ignored', 'latin1'));
  ws.emit('message', Buffer.from('\x09ignored', 'latin1'));
  ws.emit('message', Buffer.alloc(0));
  await tick();
  assert.equal(Buffer.concat(conns.get(8443)!.written).toString(), 'GET / HTTP/1.0\r\n\r\n');
  assert.equal(conns.get(80)!.written.length, 0);

  conns.get(8443)!.reply('HTTP/1.0 200 OK\r\n\r\nhi');
  await tick();
  assert.deepEqual(ws.channel(2).slice(1).map(String), ['HTTP/1.0 200 OK\r\n\r\nhi']);

  // The socket closes only once every pod connection has ended.
  conns.get(8443)!.destroy();
  await tick();
  assert.equal(ws.closedWith, undefined);
  conns.get(80)!.destroy();
  await tick();
  assert.equal(ws.closedWith, 1000);
});

test('a failed pod connection reports on its error channel; closing the socket drops the rest', async () => {
  const ws = new FakeSocket();
  const conns: FakeConn[] = [];
  serveChannelPortForward(ws, [81, 82], () => {
    const c = new FakeConn();
    conns.push(c);
    return c;
  });
  conns[0].destroy(new Error('connect ECONNREFUSED'));
  await tick();
  assert.deepEqual(ws.channel(1).slice(1).map(String), ['error forwarding port 81: connect ECONNREFUSED']);
  assert.equal(ws.closedWith, undefined);
  ws.emit('close');
  await tick();
  assert.equal(conns[1].destroyed, true);
  // Nothing is sent after the close.
  const before = ws.sent.length;
  conns[1].reply('late');
  await tick();
  assert.equal(ws.sent.length, before);
});
