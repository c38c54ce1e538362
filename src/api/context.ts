/** @module What every route handler gets: the request, its parsed URL and the server's dependencies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Clock, ContainerLogs, ImageManager, ObjectStore, PodRuntimeAccess } from '../core/ports.js';

export interface ApiDeps {
  store: ObjectStore;
  images: ImageManager;
  runtime: PodRuntimeAccess;
  logs: ContainerLogs;
  /** spec.nodeName given to every created pod: this daemon is the scheduler. */
  nodeName: string;
  clock: Clock;
  logger?: Logger;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  /** Decoded path parameters (`namespace`, `name`, ...). */
  params: Record<string, string>;
  deps: ApiDeps & { logger: Logger };
  /** Registers a long-lived stream (watch, log follow) so server close can end it; returns unregister. */
  track(end: () => void): () => void;
}

export interface Reply {
  code: number;
  body: unknown;
}

/** A handler returns a JSON reply, or undefined when it wrote the response itself (streams). */
export type Handler = (ctx: RequestContext) => Promise<Reply | undefined> | Reply | undefined;
