/**
 * @module pods/{name}/portforward over WebSocket with the kubelet's channel protocol
 * (`v4.channel.k8s.io`), which @kubernetes/client-node and other non-Go clients speak; kubectl
 * tunnels SPDY instead (spdy/spdy-port-forward.ts). Every binary message starts with a channel
 * byte. Requested port i (the `ports` query) gets channel 2i for data both ways and 2i+1 for
 * error text; the first message on each channel is the port number, 2 bytes little-endian, so a
 * client can tell the ports apart. One TCP connection per port is opened on upgrade; the
 * WebSocket closes (1000) once all of them have ended, and closing it drops them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequestError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export const CHANNEL_PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

/** `ports=80&ports=81` or `ports=80,81`, each 1-65535, as the kubelet reads them. */
export function parsePorts(query: URLSearchParams): number[] {
  const raw = query.getAll('ports').flatMap((v) => v.split(','));
  if (raw.length === 0) throw new BadRequestError('at least 1 port must be specified');
  return raw.map((s) => {
    const port = Number(s.trim());
    if (!/^\d+$/.test(s.trim()) || port < 1 || port > 65535) throw new BadRequestError(`invalid port "${s}"`);
    return port;
  });
}

/** What the session needs of a WebSocket (the `ws` one in the server, a fake in tests). */
export interface ChannelSocket {
  send(data: Buffer): void;
  close(code: number): void;
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** Opens a TCP connection to the pod's port; the server dials pod IP:port. */
export type Dial = (port: number) => Duplex;

/** Wires one accepted WebSocket to one connection per port. */
export function serveChannelPortForward(ws: ChannelSocket, ports: number[], dial: Dial, logger?: Logger): void {
  let closed = false;
  const send = (channel: number, data: Buffer): void => {
    if (!closed) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  let open = ports.length;
  const conns = ports.map((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    const conn = dial(port);
    conn.on('data', (chunk: Buffer) => send(2 * i, Buffer.from(chunk)));
    conn.on('error', (err: Error) => {
      logger?.debug('port-forward connection failed', { port, error: err.message });
      send(2 * i + 1, Buffer.from(`error forwarding port ${port}: ${err.message}`));
    });
    conn.once('close', () => {
      open -= 1;
      if (open === 0 && !closed) {
        closed = true;
        ws.close(1000);
      }
    });
    return conn;
  });
  ws.on('message', (data: Buffer) => {
    if (data.length === 0) return;
    const channel = data[0];
    // Only the data channels carry client bytes; anything else (errors, unknown) is dropped.
    const conn = channel % 2 === 0 ? conns[channel / 2] : undefined;
    if (conn && !conn.destroyed) conn.write(data.subarray(1));
  });
  ws.on('close', () => {
    closed = true;
    for (const c of conns) c.destroy();
  });
}

export class ChannelPortForwardUpgrader {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(CHANNEL_PORT_FORWARD_PROTOCOL) ? CHANNEL_PORT_FORWARD_PROTOCOL : false),
  });

  static accepts(req: IncomingMessage): boolean {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    return offered.includes(CHANNEL_PORT_FORWARD_PROTOCOL);
  }

  /** Checks the ports first, so a bad query gets a plain HTTP 400 instead of a dead socket. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, dial: Dial, logger: Logger): void {
    const ports = parsePorts(new URL(req.url ?? '/', 'http://peapod').searchParams);
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // A reset connection also ends in 'close', which drops the pod connections.
      ws.on('error', () => undefined);
      const adapter: ChannelSocket = {
        send: (data) => {
          if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
        },
        close: (code) => ws.close(code),
        on: (event: 'message' | 'close', listener: ((data: Buffer) => void) | (() => void)) => {
          if (event === 'close') return ws.on('close', () => (listener as () => void)());
          return ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => listener(Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as Buffer)));
        },
      };
      serveChannelPortForward(adapter, ports, dial, logger);
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
