/**
 * @module DnsUpstream over the host's resolvers: UDP from one unconnected socket with a random,
 * unused 16-bit ID per exchange (a reply counts only from the server asked, with that ID and the
 * same question: no spoofed or late answer is taken), TCP per exchange for TCP clients. Each
 * server is tried in turn with its own timeout, as glibc's resolver does with `attempts`.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { DnsTransport, DnsUpstream } from '../../core/ports.js';

export interface UpstreamServer {
  host: string;
  port: number;
}

export interface DnsForwarderOptions {
  servers: readonly UpstreamServer[];
  /** Per server and attempt. Default 2 s. */
  timeoutMs?: number;
}

interface Pending {
  server: UpstreamServer;
  question: Buffer;
  resolve(reply: Buffer): void;
}

export class DnsForwarder implements DnsUpstream {
  private readonly servers: readonly UpstreamServer[];
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private sockets: { udp4?: UdpSocket; udp6?: UdpSocket } = {};
  private closed = false;

  constructor(opts: DnsForwarderOptions) {
    this.servers = opts.servers;
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  async exchange(query: Buffer, transport: DnsTransport): Promise<Buffer> {
    if (this.servers.length === 0) throw new Error('no upstream resolvers configured');
    let last: unknown;
    // Every server once; a single server gets a second try, as resolv.conf's attempts:2.
    const order = this.servers.length === 1 ? [this.servers[0], this.servers[0]] : this.servers;
    for (const server of order) {
      try {
        return transport === 'tcp' ? await this.overTcp(server, query) : await this.overUdp(server, query);
      } catch (err) {
        if (this.closed) throw err;
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** Closes the sockets; exchanges in flight fail. Idempotent. */
  close(): void {
    this.closed = true;
    for (const s of Object.values(this.sockets)) s?.close();
    this.sockets = {};
  }

  private socketFor(server: UpstreamServer): UdpSocket {
    const type = server.host.includes(':') ? 'udp6' : 'udp4';
    let s = this.sockets[type];
    if (!s) {
      s = createSocket({ type });
      s.on('error', () => undefined);
      s.on('message', (msg, rinfo) => this.onReply(msg, rinfo.address, rinfo.port));
      this.sockets[type] = s;
    }
    return s;
  }

  private onReply(msg: Buffer, address: string, port: number): void {
    if (msg.length < 12) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    if (!p || p.server.port !== port || !sameAddress(p.server.host, address)) return;
    const q = questionSection(msg);
    if (!q || !q.equals(p.question)) return;
    p.resolve(msg);
  }

  private overUdp(server: UpstreamServer, query: Buffer): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('forwarder closed'));
    const id = this.freeId();
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const question = questionSection(out);
    if (!question) return Promise.reject(new Error('query without a question'));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from ${server.host}:${server.port} in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        server,
        question,
        resolve: (reply) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(reply);
        },
      });
      this.socketFor(server).send(out, server.port, server.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  private overTcp(server: UpstreamServer, query: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const sock = connect({ host: server.host, port: server.port });
      let got = Buffer.alloc(0);
      const fail = (err: Error): void => {
        sock.destroy();
        reject(err);
      };
      sock.setTimeout(this.timeoutMs, () => fail(new Error(`no answer over TCP from ${server.host}:${server.port} in ${this.timeoutMs} ms`)));
      sock.on('error', fail);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
          sock.end();
          resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
        }
      });
      sock.on('end', () => reject(new Error(`${server.host}:${server.port} closed the TCP connection without an answer`)));
    });
  }

  private freeId(): number {
    for (;;) {
      const id = randomInt(0, 65536);
      if (!this.pending.has(id)) return id;
    }
  }
}

/** The question section's bytes (names lower-cased), or undefined when the packet has no whole question. */
export function questionSection(packet: Buffer): Buffer | undefined {
  if (packet.length < 12 || packet.readUInt16BE(4) < 1) return undefined;
  let i = 12;
  while (i < packet.length) {
    const len = packet[i];
    if (len === 0) break;
    if (len > 63) return undefined; // compression or extended labels have no place in a question we sent
    i += 1 + len;
  }
  const end = i + 1 + 4;
  if (end > packet.length) return undefined;
  const out = Buffer.from(packet.subarray(12, end));
  for (let j = 0; j < out.length - 4; j++) if (out[j] >= 0x41 && out[j] <= 0x5a) out[j] |= 0x20;
  return out;
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');
}
