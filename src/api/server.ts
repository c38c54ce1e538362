/**
 * @module The API server: plain node:http on a unix socket (mode 0600). Every request is
 * answered, errors as Status objects; nothing a client sends can crash the daemon. The request and
 * upgrade handlers are exposed so the HTTPS listener (a later issue) can reuse them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NotFoundError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { ApiDeps, RequestContext } from './context.js';
import { addDiscoveryRoutes } from './discovery.js';
import { sendJson } from './http-util.js';
import { startNamespaceLifecycle } from './namespace-lifecycle.js';
import { Router } from './router.js';
import { addConfigMapRoutes } from './routes/configmaps.js';
import { addEventRoutes } from './routes/events.js';
import { addImageRoutes } from './routes/images.js';
import { addSelfSubjectRoutes } from './routes/self-subject.js';
import { addNamespaceRoutes, ensureSystemNamespaces } from './routes/namespaces.js';
import { addNodeRoutes } from './routes/nodes.js';
import { addStreamingRoutes, ExecUpgrader, parseStreamRequest } from './routes/pod-exec.js';
import { addPodLogRoutes } from './routes/pod-log.js';
import { addPodRoutes } from './routes/pods.js';
import { addSecretRoutes } from './routes/secrets.js';
import { isSpdyUpgrade, serveSpdyStream } from './spdy/spdy-exec.js';
import { PortForwardUpgrader } from './spdy/spdy-port-forward.js';
import { toStatus } from './status.js';
import { negotiateBody } from './table.js';
import { addOpenApiRoutes } from './openapi.js';

export type { ApiDeps } from './context.js';

export interface ApiServer {
  readonly server: Server;
  /** For reuse by another listener (HTTPS). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Listens on a unix socket (0600), replacing a stale socket file; refuses a live one. */
  listen(socketPath: string): Promise<void>;
  /** Idempotent: ends watches and streams, destroys open connections, stops the namespace loop. */
  close(): Promise<void>;
}

export function buildRouter(): Router {
  const router = new Router();
  addDiscoveryRoutes(router);
  addOpenApiRoutes(router);
  addNamespaceRoutes(router);
  addPodRoutes(router);
  addPodLogRoutes(router);
  addStreamingRoutes(router);
  addEventRoutes(router);
  addImageRoutes(router);
  addConfigMapRoutes(router);
  addSecretRoutes(router);
  addNodeRoutes(router);
  addSelfSubjectRoutes(router);
  return router;
}

/**
 * Creates the system namespaces when missing and starts the namespace deletion loop at once
 * (the store must be open); `listen` then serves.
 */
export function createApiServer(depsIn: ApiDeps): ApiServer {
  const deps = { ...depsIn, logger: depsIn.logger ?? silentLogger };
  const router = buildRouter();
  const streams = new Set<() => void>();
  const sockets = new Set<Socket | Duplex>();
  const exec = new ExecUpgrader();
  const portForward = new PortForwardUpgrader();
  ensureSystemNamespaces(deps.store);
  const stopLifecycle = startNamespaceLifecycle(deps.store, deps.clock, deps.logger);

  const track = (end: () => void): (() => void) => {
    streams.add(end);
    return () => streams.delete(end);
  };

  const fail = (res: ServerResponse, err: unknown): void => {
    if (res.headersSent) {
      // Mid-stream: the client sees the stream end early; the cause goes to the log.
      deps.logger.warn('stream failed', { error: err instanceof Error ? err.message : String(err) });
      res.destroy();
      return;
    }
    const status = toStatus(err, deps.logger);
    sendJson(res, status.code, status);
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://peapod');
        const { handler, params } = router.match(req.method ?? 'GET', url.pathname);
        const ctx: RequestContext = { req, res, url, query: url.searchParams, params, deps, track };
        const reply = await handler(ctx);
        if (reply) sendJson(res, reply.code, negotiateBody(req, url.searchParams, reply.code, reply.body, deps.clock.now()));
      } catch (err) {
        fail(res, err);
      }
    })().catch((err: unknown) => deps.logger.error('request handler crashed', { error: String(err) }));
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      const url = new URL(req.url ?? '/', 'http://peapod');
      const pf = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
      if (pf) return portForward.handle(deps, req, socket, head, { namespace: decodeURIComponent(pf[1]), name: decodeURIComponent(pf[2]) });
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
      if (!m) throw new NotFoundError('the server could not find the requested resource');
      const params = { namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
      const spec = parseStreamRequest(deps, m[3] as 'exec' | 'attach', params, url.searchParams);
      if (isSpdyUpgrade(req)) serveSpdyStream(deps, req, socket, head, spec);
      else exec.handle(deps, req, socket, head, spec);
    } catch (err) {
      const status = toStatus(err, deps.logger);
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  };

  const server = createServer(handleRequest);
  server.on('upgrade', handleUpgrade);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => {
    // A request node's parser refuses (e.g. raw non-ASCII in the path) still gets a Status body.
    const body = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"malformed HTTP request","reason":"BadRequest","code":400}';
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    else socket.destroy();
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      stopLifecycle();
      for (const end of [...streams]) end();
      exec.close();
      portForward.close();
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closing;
  };

  /** Listens on a unix socket path the caller has prepared (no stale socket there). */
  const listen = async (socketPath: string): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      // The socket file is created by bind inside listen(): a tight umask closes the window
      // before the chmod below.
      const old = process.umask(0o177);
      try {
        server.listen(socketPath, () => {
          server.off('error', onError);
          resolve();
        });
      } finally {
        process.umask(old);
      }
    });
  };

  return { server, handleRequest, handleUpgrade, listen, close };
}

