/**
 * @module Cluster DNS's sockets: UDP and TCP on one address and port, each packet handed to the
 * handler (network/dns/cluster-dns-resolver.ts) and its reply sent back. Nothing a client sends
 * reaches past the handler's try: a bad packet costs one log line at debug level. TCP connections
 * are capped, idle ones closed, and each carries length-prefixed queries (RFC 7766, pipelined).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { DnsHandler } from '../../core/ports.js';
import type { Logger } from '../../core/logger.js';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
  handler: DnsHandler;
  logger: Logger;
  maxTcpConnections?: number;
  tcpIdleMs?: number;
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_TCP_QUERY = 65_535;

export async function listenDns(opts: DnsServerOptions): Promise<DnsServer> {
  const family = opts.host.includes(':') ? 'udp6' : 'udp4';
  const udp = createSocket({ type: family });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(opts.port, opts.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  // Room for bursts while the event loop is busy elsewhere (the kernel caps it at rmem_max).
  try {
    udp.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // Kept at the default.
  }
  udp.on('error', (err) => opts.logger.warn('cluster DNS: UDP socket error', { error: err.message }));
  udp.on('message', (msg, rinfo) => serveUdp(udp, msg, rinfo.port, rinfo.address, opts));

  const tcp = createServer({ pauseOnConnect: false }, (conn) => serveTcp(conn, opts));
  tcp.maxConnections = opts.maxTcpConnections ?? 256;
  tcp.on('error', (err) => opts.logger.warn('cluster DNS: TCP server error', { error: err.message }));
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, opts.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    udp.close();
    throw err;
  }
  const conns = trackConnections(tcp);
  let closing: Promise<void> | undefined;
  return {
    host: opts.host,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        udp.close();
        for (const c of conns) c.destroy();
        tcp.close(() => resolve());
      })),
  };
}

function serveUdp(udp: UdpSocket, msg: Buffer, port: number, address: string, opts: DnsServerOptions): void {
  const send = (reply: Buffer | undefined): void => {
    if (reply) udp.send(reply, port, address, (err) => err && opts.logger.debug('cluster DNS: send failed', { to: address, error: err.message }));
  };
  try {
    const reply = opts.handler(msg, 'udp');
    if (reply instanceof Promise) reply.then(send, (err: unknown) => opts.logger.debug('cluster DNS: query failed', { error: String(err) }));
    else send(reply);
  } catch (err) {
    opts.logger.debug('cluster DNS: query failed', { error: err instanceof Error ? err.message : String(err) });
  }
}

function serveTcp(conn: Socket, opts: DnsServerOptions): void {
  let buffered: Buffer = Buffer.alloc(0);
  conn.setTimeout(opts.tcpIdleMs ?? 10_000, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  const write = (reply: Buffer | undefined): void => {
    if (!reply || conn.destroyed) return;
    const len = Buffer.alloc(2);
    len.writeUInt16BE(reply.length);
    conn.write(Buffer.concat([len, reply]));
  };
  conn.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (len === 0 || len > MAX_TCP_QUERY) {
        conn.destroy();
        return;
      }
      if (buffered.length < 2 + len) break;
      const msg = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      try {
        const reply = opts.handler(Buffer.from(msg), 'tcp');
        if (reply instanceof Promise) reply.then(write, () => undefined);
        else write(reply);
      } catch (err) {
        opts.logger.debug('cluster DNS: query failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  });
}

function trackConnections(server: Server): Set<Socket> {
  const conns = new Set<Socket>();
  server.on('connection', (c: Socket) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
  });
  return conns;
}
