/**
 * @module Watch streams: newline-delimited `{"type","object"}` JSON over a chunked 200 response,
 * fed by the store's watch; `timeoutSeconds` ends it, `allowWatchBookmarks` adds periodic BOOKMARKs.
 */
import { GoneError } from '../core/errors.js';
import type { TimerHandle, WatchEvent } from '../core/ports.js';
import { parseSelectors } from '../core/selectors.js';
import type { RequestContext } from './context.js';
import { queryBool, queryInt } from './http-util.js';
import { toStatus } from './status.js';
import { includeObjectOf, tableFor, toTable, wantsTable } from './table.js';

/** How often a BOOKMARK is sent when the client allows them. */
export const BOOKMARK_INTERVAL_MS = 60_000;

export interface WatchTarget {
  /** The store's resource name (`pods`, `deployments.apps`). */
  resource: string;
  /** The field selectors the kind supports. */
  fields: readonly string[];
  /** undefined: all namespaces. */
  namespace: string | undefined;
  kind: string;
  apiVersion: string;
}

export function isWatchRequest(query: URLSearchParams): boolean {
  return queryBool(query, 'watch');
}

export function serveWatch(ctx: RequestContext, target: WatchTarget): undefined {
  const { store, clock } = ctx.deps;
  const { query, res, req } = ctx;
  const opts = {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  };
  // Bad selectors and parameters are a 400 before the stream starts.
  parseSelectors(opts, target.fields);
  const timeoutSeconds = queryInt(query, 'timeoutSeconds', 0);
  const bookmarks = queryBool(query, 'allowWatchBookmarks');
  const resourceVersion = query.get('resourceVersion') ?? undefined;
  const table = wantsTable(req);
  const include = table ? includeObjectOf(query) : 'Metadata';
  let firstRow = true;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let ended = false;
  let stop: (() => void) | undefined;
  const timers: TimerHandle[] = [];
  let bookmarkTimer: TimerHandle | undefined;
  const send = (ev: WatchEvent | { type: 'ERROR'; object: unknown }): void => {
    if (ended) return;
    const asTable = table && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR';
    // As upstream: the first event's Table carries the columns, later ones only their row.
    const out = asTable ? { type: ev.type, object: toTable(ev.object as never, tableFor(ctx.deps.registry, ev.object as never), clock.now(), include, table, firstRow) } : ev;
    if (asTable) firstRow = false;
    res.write(`${JSON.stringify(out)}\n`);
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    stop?.();
    for (const t of timers) clock.clearTimeout(t);
    if (bookmarkTimer) clock.clearTimeout(bookmarkTimer);
    untrack();
    if (!res.writableEnded) res.end();
  };
  const untrack = ctx.track(end);
  req.on('close', end);
  res.on('close', end);

  try {
    stop = store.watch(target.resource, target.namespace, resourceVersion, send, opts);
  } catch (err) {
    if (err instanceof GoneError) {
      send({ type: 'ERROR', object: toStatus(err) });
      end();
      return undefined;
    }
    send({ type: 'ERROR', object: toStatus(err, ctx.deps.logger) });
    end();
    return undefined;
  }
  if (ended) stop();
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timers.push(clock.setTimeout(end, timeoutSeconds * 1000));
  if (bookmarks) {
    const tick = (): void => {
      send({
        type: 'BOOKMARK',
        object: { kind: target.kind, apiVersion: target.apiVersion, metadata: { resourceVersion: store.currentResourceVersion() } },
      });
      bookmarkTimer = clock.setTimeout(tick, BOOKMARK_INTERVAL_MS);
    };
    bookmarkTimer = clock.setTimeout(tick, BOOKMARK_INTERVAL_MS);
  }
  return undefined;
}
