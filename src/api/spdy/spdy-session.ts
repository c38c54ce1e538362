/**
 * @module The server half of SPDY/3.1 as kubectl's spdystream speaks it: enough for exec, attach
 * and port-forward. Frames come in as one byte stream (a socket, or WebSocket messages whose
 * boundaries do not match frames). Header blocks are zlib with the SPDY/3 dictionary, one context
 * per direction for the whole session: inbound is re-inflated from the start of the session each
 * time (blocks are few and small), outbound is written as zlib stored blocks ending like a
 * sync flush, which every inflater reads and which need no compressor state. spdystream does no flow control, so neither
 * do we.
 */
import { EventEmitter } from 'node:events';
import { constants, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_FRAME = 4 * 1024 * 1024;
const MAX_DATA_CHUNK = 32 * 1024;

export type SpdyHeaders = Record<string, string>;

/** One stream the client opened. */
export class SpdyStream extends EventEmitter {
  private finSent = false;
  remoteEnded = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super();
  }

  /** Sends data; safe after the session closed (dropped). */
  write(data: Buffer): void {
    for (let at = 0; at < data.length; at += MAX_DATA_CHUNK) this.session.sendData(this.id, data.subarray(at, at + MAX_DATA_CHUNK), false);
  }

  /** Half-closes our side (DATA with FIN). Idempotent. */
  end(): void {
    if (this.finSent) return;
    this.finSent = true;
    this.session.sendData(this.id, Buffer.alloc(0), true);
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (data.length > 0) this.emit('data', data);
    if (fin && !this.remoteEnded) {
      this.remoteEnded = true;
      this.emit('end');
    }
  }

  /** @internal */
  reset(): void {
    this.remoteEnded = true;
    this.emit('reset');
  }
}

/**
 * Events: 'stream' (SpdyStream; already answered with SYN_REPLY), 'close' (once), 'error'.
 * `input` gets bytes from the peer; `output` is where frames go.
 */
export class SpdySession extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private inflateInput: Buffer = Buffer.alloc(0);
  private inflatedSoFar = 0;
  private deflateStarted = false;
  private closed = false;
  readonly streams = new Map<number, SpdyStream>();

  constructor(private readonly output: (frame: Buffer) => void) {
    super();
  }

  input(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      while (this.buf.length >= 8) {
        const len = this.buf.readUIntBE(5, 3);
        if (len > MAX_FRAME) throw new Error(`SPDY frame of ${len} bytes is too large`);
        if (this.buf.length < 8 + len) break;
        const frame = this.buf.subarray(0, 8 + len);
        this.buf = this.buf.subarray(8 + len);
        this.handle(frame);
      }
    } catch (err) {
      this.emit('error', err);
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.reset();
    this.emit('close');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  sendData(id: number, data: Buffer, fin: boolean): void {
    if (this.closed) return;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(id & 0x7fffffff, 0);
    head.writeUInt8(fin ? FLAG_FIN : 0, 4);
    head.writeUIntBE(data.length, 5, 3);
    this.output(Buffer.concat([head, data]));
  }

  sendGoAway(): void {
    const body = Buffer.alloc(8);
    this.sendControl(GOAWAY, 0, body);
  }

  private sendControl(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt8(flags, 4);
    head.writeUIntBE(body.length, 5, 3);
    this.output(Buffer.concat([head, body]));
  }

  private handle(frame: Buffer): void {
    const control = (frame[0] & 0x80) !== 0;
    const flags = frame[4];
    const body = frame.subarray(8);
    if (!control) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      this.streams.get(id)?.receive(body, (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = frame.readUInt16BE(2);
    if (type === SYN_STREAM) {
      const id = body.readUInt32BE(0) & 0x7fffffff;
      const headers = this.inflateHeaders(body.subarray(10));
      const stream = new SpdyStream(this, id, headers);
      this.streams.set(id, stream);
      // Every stream must be answered, or the client waits for it (30 s) and fails.
      const reply = Buffer.concat([Buffer.from([0, 0, 0, 0]), this.deflateHeaders({})]);
      reply.writeUInt32BE(id, 0);
      this.sendControl(SYN_REPLY, 0, reply);
      this.emit('stream', stream);
      if (flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
    } else if (type === RST_STREAM) {
      const id = body.readUInt32BE(0) & 0x7fffffff;
      this.streams.get(id)?.reset();
      this.streams.delete(id);
    } else if (type === PING) {
      this.sendControl(PING, 0, Buffer.from(body));
    } else if (type === GOAWAY) {
      this.close();
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do for these clients.
  }

  private inflateHeaders(block: Buffer): SpdyHeaders {
    this.inflateInput = Buffer.concat([this.inflateInput, block]);
    const all = inflateSync(this.inflateInput, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    const raw = all.subarray(this.inflatedSoFar);
    this.inflatedSoFar = all.length;
    const headers: SpdyHeaders = {};
    let at = 4;
    const pairs = raw.readUInt32BE(0);
    for (let i = 0; i < pairs; i++) {
      const nl = raw.readUInt32BE(at);
      const name = raw.subarray(at + 4, at + 4 + nl).toString('utf8');
      at += 4 + nl;
      const vl = raw.readUInt32BE(at);
      headers[name.toLowerCase()] = raw.subarray(at + 4, at + 4 + vl).toString('utf8');
      at += 4 + vl;
    }
    return headers;
  }

  /** A header block as zlib stored blocks (the first one carries the zlib header, no FDICT). */
  private deflateHeaders(headers: SpdyHeaders): Buffer {
    const parts: Buffer[] = [u32(Object.keys(headers).length)];
    for (const [k, v] of Object.entries(headers)) {
      const kb = Buffer.from(k.toLowerCase());
      const vb = Buffer.from(v);
      parts.push(u32(kb.length), kb, u32(vb.length), vb);
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      out.push(Buffer.from([0x78, 0x01]));
    }
    for (let at = 0; at < raw.length || at === 0; at += 0xffff) {
      const piece = raw.subarray(at, at + 0xffff);
      const hdr = Buffer.alloc(5);
      hdr.writeUInt8(0, 0); // BFINAL=0, BTYPE=00 (stored)
      hdr.writeUInt16LE(piece.length, 1);
      hdr.writeUInt16LE(~piece.length & 0xffff, 3);
      out.push(hdr, piece);
      if (raw.length === 0) break;
    }
    // What Z_SYNC_FLUSH ends with: an empty stored block. Go's inflater hands out a block's data
    // only when it reaches the next block header; without this it would read into the next frame.
    out.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
