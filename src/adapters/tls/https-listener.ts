/**
 * @module The Kubernetes API over HTTPS with bearer-token authentication, reusing the unix-socket
 * server's request and upgrade handlers. A request without the admin token gets a 401 Status and
 * reaches no handler, on every path (discovery, /version and /healthz included, as upstream with
 * anonymous auth off).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage as Req, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';

/** The API server's handlers (src/api/server.ts), served here behind the token check. */
export interface RequestHandlers {
  handleRequest(req: Req, res: ServerResponse): void;
  handleUpgrade(req: Req, socket: Duplex, head: Buffer): void;
}

export interface HttpsListenerOptions {
  host: string;
  /** 0 picks a free port; `port` on the result tells which. */
  port: number;
  certPem: string;
  keyPem: string;
  token: string;
  api: RequestHandlers;
  logger: Logger;
}

export interface HttpsListener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export const UNAUTHORIZED_STATUS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
} as const;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of `Authorization: Bearer <token>`. */
export function bearerMatches(req: IncomingMessage, tokenDigest: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(digest(m[1]), tokenDigest);
}

export async function listenHttps(opts: HttpsListenerOptions): Promise<HttpsListener> {
  const tokenDigest = digest(opts.token);
  const sockets = new Set<Socket>();
  const server = createServer({ cert: opts.certPem, key: opts.keyPem }, (req, res) => {
    if (!bearerMatches(req, tokenDigest)) {
      // Drain nothing: the body is never read, and the connection closes after the reply.
      res.setHeader('Connection', 'close');
      const body = JSON.stringify(UNAUTHORIZED_STATUS);
      res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    opts.api.handleRequest(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!bearerMatches(req, tokenDigest)) {
      const body = JSON.stringify(UNAUTHORIZED_STATUS);
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    opts.api.handleUpgrade(req, socket, head);
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err) => opts.logger.debug('TLS handshake failed', { error: err.message }));
  server.on('clientError', (_err, socket) => {
    // A request node's parser refuses (e.g. raw non-ASCII in the path) still gets a Status body.
    const body = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"malformed HTTP request","reason":"BadRequest","code":400}';
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    server,
    host: opts.host,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}
