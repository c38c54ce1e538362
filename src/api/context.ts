/** @module What every route handler gets: the request, its parsed URL and the server's dependencies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Clock, ContainerLogs, ImageManager, NodeStatsAccess, ObjectStore, PodRuntimeAccess } from '../core/ports.js';
import type { ServiceNetworkConfig } from '../core/service-allocation.js';
import type { GenericStore } from './registry/generic-store.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
import type { RbacPolicyCache } from './authorization.js';
import type { ServiceAccountTokenIssuer } from './service-account-tokens.js';
import type { UserInfo } from '../core/rbac-authorizer.js';

export interface ApiDeps {
  store: ObjectStore;
  images: ImageManager;
  runtime: PodRuntimeAccess;
  logs: ContainerLogs;
  /** CPU, memory and processes from the node agent (metrics.k8s.io, /stats/summary, podprocesses); absent: 503. */
  stats?: NodeStatsAccess;
  /** Mints a one-time dashboard sign-in link (set once the HTTPS listener knows its address). */
  dashboardLogins?: () => { url: string; expiresAt: number };
  /** spec.nodeName given to every created pod: this daemon is the scheduler. */
  nodeName: string;
  clock: Clock;
  logger?: Logger;
  /** The served kinds; default: the built-in ones (registry/kinds/index.ts). */
  registry?: ResourceRegistry;
  /** Where Services get ClusterIPs and NodePorts (--service-cidr); default 10.96.0.0/16, 30000-32767. */
  services?: ServiceNetworkConfig;
  /** Signs service account tokens (TokenRequest); absent: 503. */
  tokens?: ServiceAccountTokenIssuer;
}

/** What handlers see: the dependencies with the logger, the registry and its object semantics filled in. */
export type HandlerDeps = ApiDeps & { logger: Logger; registry: ResourceRegistry; objects: GenericStore; rbac: RbacPolicyCache };

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  /** Decoded path parameters (`namespace`, `name`, ...). */
  params: Record<string, string>;
  deps: HandlerDeps;
  /** Registers a long-lived stream (watch, log follow) so server close can end it; returns unregister. */
  track(end: () => void): () => void;
  /** Who the request acts as (after impersonation); already authorized for what it asks. */
  user: UserInfo;
}

export interface Reply {
  code: number;
  body: unknown;
}

/** A handler returns a JSON reply, or undefined when it wrote the response itself (streams). */
export type Handler = (ctx: RequestContext) => Promise<Reply | undefined> | Reply | undefined;
