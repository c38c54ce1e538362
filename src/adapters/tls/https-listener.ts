/**
 * @module The Kubernetes API over HTTPS, reusing the unix-socket server's request and upgrade
 * handlers. A bearer token goes to the authenticator (api/authentication.ts: the admin's, or a
 * service account's); a request it finds no user for gets a 401 Status and reaches no handler,
 * on every path (discovery, /version and /healthz included, as upstream with anonymous auth
 * off). The one other way in is the dashboard's (BrowserGate): its /ui/ pages, and a session
 * cookie on requests that carry no Authorization header at all.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage as Req, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { UserInfo } from '../../core/rbac-authorizer.js';

/** The API server's handlers (src/api/server.ts), served here behind authentication. */
export interface RequestHandlers {
  handleRequest(req: Req, res: ServerResponse, user: UserInfo): void;
  handleUpgrade(req: Req, socket: Duplex, head: Buffer, user: UserInfo): void;
}

/** The dashboard's sign-in pages and session cookies (api/dashboard/dashboard-gate.ts). */
export interface BrowserGate {
  /** Answers /ui/... itself (true); false for API paths. */
  handleUi(req: Req, res: ServerResponse): boolean;
  /** A request without an Authorization header: let through as `user`, or refused with a code. */
  authenticate(req: Req, upgrade: boolean): { user: string } | { code: 401 | 403; message: string };
}

export interface HttpsListenerOptions {
  host: string;
  /** 0 picks a free port; `port` on the result tells which. */
  port: number;
  certPem: string;
  keyPem: string;
  /** The user behind a request's bearer token, or undefined (401). */
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** The user a dashboard session's name stands for. */
  sessionUser?(name: string): UserInfo | undefined;
  api: RequestHandlers;
  logger: Logger;
  browser?: BrowserGate;
  /**
   * A refused request's body up to this size is read and dropped, keeping the connection: closed
   * with unread bytes, TCP would reset it and the client could lose the refusal. A bigger (or
   * unsized) one is never read; the connection closes after the refusal.
   */
  drainBodyBytes: number;
}

export interface HttpsListener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

type Admission = { user: UserInfo } | { code: 401 | 403; message: string };

/**
 * Who may pass: a bearer token decides alone when there is an Authorization header (a wrong one is
 * a 401 whatever cookie comes with it); without one, the dashboard's session may let it through.
 */
function admit(req: IncomingMessage, opts: HttpsListenerOptions, upgrade: boolean): Admission {
  const unauthorized = { code: 401 as const, message: 'Unauthorized' };
  if (req.headers.authorization !== undefined || !opts.browser) {
    let user: UserInfo | undefined;
    try {
      user = opts.authenticate(req);
    } catch (err) {
      opts.logger.warn('authentication failed', { error: err instanceof Error ? err.message : String(err) });
    }
    return user ? { user } : unauthorized;
  }
  const d = opts.browser.authenticate(req, upgrade);
  if (!('user' in d)) return d;
  const user = opts.sessionUser?.(d.user);
  return user ? { user } : unauthorized;
}

function refusal(r: { code: 401 | 403; message: string }): string {
  return JSON.stringify(r.code === 401 ? UNAUTHORIZED_STATUS : { ...UNAUTHORIZED_STATUS, message: r.message, reason: 'Forbidden', code: 403 });
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

export async function listenHttps(opts: HttpsListenerOptions): Promise<HttpsListener> {
  const sockets = new Set<Socket>();
  const server = createServer({ cert: opts.certPem, key: opts.keyPem }, (req, res) => {
    if (req.headers.authorization === undefined && opts.browser?.handleUi(req, res)) return;
    const refused = admit(req, opts, false);
    if (!('user' in refused)) {
      // A small body is dropped after the reply (Node reads what the handler left); else close.
      const declared = Number(req.headers['content-length'] ?? 0);
      if (req.headers['transfer-encoding'] !== undefined || !(declared <= opts.drainBodyBytes)) res.setHeader('Connection', 'close');
      const body = refusal(refused);
      res.writeHead(refused.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    opts.api.handleRequest(req, res, refused.user);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = admit(req, opts, true);
    if (!('user' in refused)) {
      const body = refusal(refused);
      socket.end(
        `HTTP/1.1 ${refused.code} ${refused.code === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    opts.api.handleUpgrade(req, socket, head, refused.user);
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
