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
import type { ApiDeps, HandlerDeps, RequestContext } from './context.js';
import { addDiscoveryRoutes } from './discovery.js';
import { sendJson } from './http-util.js';
import { startNamespaceLifecycle } from './namespace-lifecycle.js';
import { addGenericRoutes } from './registry/generic-routes.js';
import { GenericStore } from './registry/generic-store.js';
import { defaultAdmission } from './registry/admission.js';
import { serviceAdmission } from './registry/service-admission.js';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR } from '../core/service-allocation.js';
import { builtinRegistry } from './registry/kinds/index.js';
import { ensureSystemNamespaces } from './registry/kinds/namespace-kind.js';
import { ensureSystemPriorityClasses } from './registry/kinds/scheduling-kinds.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
import { Router } from './router.js';
import { addImageRoutes } from './routes/images.js';
import { addSelfSubjectRoutes } from './routes/self-subject.js';
import { addServiceAccountTokenRoutes } from './routes/service-account-token.js';
import { addMetricsRoutes } from './routes/metrics.js';
import { addDashboardLoginRoutes } from './routes/dashboard-logins.js';
import { addStreamingRoutes, ExecUpgrader, parseStreamRequest } from './routes/pod-exec.js';
import { addPodLogRoutes } from './routes/pod-log.js';
import { addPodBindingRoutes } from './routes/pod-binding.js';
import { isSpdyUpgrade, serveSpdyStream } from './spdy/spdy-exec.js';
import { PortForwardUpgrader } from './spdy/spdy-port-forward.js';
import { toStatus } from './status.js';
import { negotiateBody } from './table.js';
import { addOpenApiRoutes } from './openapi.js';
import { ADMIN_USER, impersonate } from './authentication.js';
import { ensureBootstrapPolicy, RbacPolicyCache, requireAccess } from './authorization.js';
import { requestAttributes } from './request-attributes.js';
import { SYSTEM_MASTERS, type UserInfo } from '../core/rbac-authorizer.js';

export type { ApiDeps } from './context.js';

export interface ApiServer {
  readonly server: Server;
  /** The served kinds and their object semantics, for in-process clients (the controllers). */
  readonly registry: ResourceRegistry;
  readonly objects: GenericStore;
  /**
   * For reuse by another listener (HTTPS), which passes the user its authenticator found; without
   * one (the unix socket, root only) the request is the admin's.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse, user?: UserInfo): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, user?: UserInfo): void;
  /** Listens on a unix socket (0600), replacing a stale socket file; refuses a live one. */
  listen(socketPath: string): Promise<void>;
  /** Idempotent: ends watches and streams, destroys open connections, stops the namespace loop. */
  close(): Promise<void>;
}

export function buildRouter(registry: ResourceRegistry): Router {
  const router = new Router();
  addDiscoveryRoutes(router, registry);
  addOpenApiRoutes(router, registry);
  addPodLogRoutes(router);
  addPodBindingRoutes(router);
  addStreamingRoutes(router);
  addImageRoutes(router);
  addSelfSubjectRoutes(router);
  addServiceAccountTokenRoutes(router);
  addMetricsRoutes(router);
  addDashboardLoginRoutes(router);
  addGenericRoutes(router, registry);
  return router;
}

/**
 * Creates the system namespaces when missing and starts the namespace deletion loop at once
 * (the store must be open); `listen` then serves.
 */
export function createApiServer(depsIn: ApiDeps): ApiServer {
  const registry = depsIn.registry ?? builtinRegistry();
  const objects = new GenericStore(depsIn.store, depsIn.clock, [
    ...defaultAdmission(),
    ...serviceAdmission(depsIn.services ?? { serviceCidr: DEFAULT_SERVICE_CIDR, nodePortRange: DEFAULT_NODE_PORT_RANGE }),
  ]);
  const rbac = new RbacPolicyCache(depsIn.store);
  const deps: HandlerDeps = { ...depsIn, logger: depsIn.logger ?? silentLogger, registry, objects, rbac };
  const router = buildRouter(registry);
  const streams = new Set<() => void>();
  const sockets = new Set<Socket | Duplex>();
  const exec = new ExecUpgrader();
  const portForward = new PortForwardUpgrader();
  ensureSystemNamespaces(deps.store);
  ensureSystemPriorityClasses(deps.store);
  ensureBootstrapPolicy(objects, registry, deps.logger);
  const stopLifecycle = startNamespaceLifecycle(objects, registry, deps.clock, deps.logger);

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

  /** Impersonation applied, then RBAC: the user the request acts as, or a 403. */
  const actor = (req: IncomingMessage, url: URL, caller: UserInfo, upgrade: boolean): UserInfo => {
    const user = impersonate(caller, req, () => rbac.current());
    if (!user.groups.includes(SYSTEM_MASTERS)) requireAccess(user, requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams, upgrade), rbac);
    return user;
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse, caller: UserInfo = ADMIN_USER): void => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://peapod');
        const user = actor(req, url, caller, false);
        const { handler, params } = router.match(req.method ?? 'GET', url.pathname);
        const ctx: RequestContext = { req, res, url, query: url.searchParams, params, deps, track, user };
        const reply = await handler(ctx);
        if (reply) sendJson(res, reply.code, negotiateBody(req, url.searchParams, reply.code, reply.body, deps.clock.now(), registry));
      } catch (err) {
        fail(res, err);
      }
    })().catch((err: unknown) => deps.logger.error('request handler crashed', { error: String(err) }));
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, caller: UserInfo = ADMIN_USER): void => {
    try {
      const url = new URL(req.url ?? '/', 'http://peapod');
      actor(req, url, caller, true);
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

  const server = createServer((req, res) => handleRequest(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(req, socket, head));
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
      rbac.close();
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

  return { server, registry, objects, handleRequest, handleUpgrade, listen, close };
}

