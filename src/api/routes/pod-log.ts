/** @module GET pods/{name}/log: the container's CRI log as text/plain, optionally followed. */
import { BadRequestError } from '../../core/errors.js';
import type { LogReadOptions } from '../../core/ports.js';
import type { ContainerStatus, Pod } from '../../core/types.js';
import type { RequestContext } from '../context.js';
import { queryBool, queryInt } from '../http-util.js';
import type { Router } from '../router.js';

/** The container a log or exec request means: `container`, or the only one. 400 otherwise. */
export function pickContainer(pod: Pod, requested: string | null): string {
  const name = pod.metadata?.name ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (requested) {
    if (![...containers, ...inits, ...ephemeral].includes(requested)) {
      throw new BadRequestError(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  if (containers.length === 1) return containers[0];
  const initPart = inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : '';
  throw new BadRequestError(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${initPart}`);
}

function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find(
    (c) => c.name === container,
  );
}

function parseSinceTime(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(ms)) {
    throw new BadRequestError(`invalid value for sinceTime: ${JSON.stringify(value)}: must be an RFC 3339 time`);
  }
  return ms;
}

async function podLog(ctx: RequestContext): Promise<undefined> {
  const { store, runtime, logs, clock } = ctx.deps;
  const { query, res, req } = ctx;
  const pod = store.get<Pod>('pods', ctx.params.namespace, ctx.params.name);
  const podName = ctx.params.name;
  const container = pickContainer(pod, query.get('container'));
  const follow = queryBool(query, 'follow');
  const previous = queryBool(query, 'previous');
  const opts: LogReadOptions = { follow, timestamps: queryBool(query, 'timestamps') };
  const tailLines = queryInt(query, 'tailLines', 0);
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = queryInt(query, 'limitBytes', 1);
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  const sinceSeconds = queryInt(query, 'sinceSeconds', 1);
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new BadRequestError('at most one of sinceTime or sinceSeconds may be specified');
  if (sinceSeconds !== undefined) opts.sinceTime = clock.now() - sinceSeconds * 1000;
  if (sinceTime) opts.sinceTime = parseSinceTime(sinceTime);

  const path = runtime.logPath(pod, container, previous);
  if (path === undefined) {
    if (previous) throw new BadRequestError(`previous terminated container "${container}" in pod "${podName}" not found`);
    const reason = statusOf(pod, container)?.state?.waiting?.reason ?? 'ContainerCreating';
    throw new BadRequestError(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  }
  if (follow && !previous) opts.until = runtime.waitForExit(pod, container);

  const abort = new AbortController();
  const stop = (): void => abort.abort();
  req.on('close', stop);
  res.on('close', stop);
  const untrack = ctx.track(() => {
    abort.abort();
    if (!res.writableEnded) res.end();
  });
  let sent = 0;
  try {
    for await (const chunk of logs.read(path, opts, abort.signal)) {
      if (abort.signal.aborted) break;
      if (!res.headersSent) {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      }
      let piece = chunk;
      if (limitBytes !== undefined) {
        const room = limitBytes - sent;
        if (Buffer.byteLength(piece) > room) piece = Buffer.from(piece).subarray(0, room).toString('utf8');
      }
      sent += Buffer.byteLength(piece);
      if (!res.write(piece)) await new Promise((r) => res.once('drain', r).once('close', r));
      if (limitBytes !== undefined && sent >= limitBytes) break;
    }
  } finally {
    untrack();
    req.off('close', stop);
  }
  // Errors before the first byte go out as a Status; after it the stream just ends.
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 0 });
  if (!res.writableEnded) res.end();
  return undefined;
}

export function addPodLogRoutes(router: Router): void {
  router.add('/api/v1/namespaces/:namespace/pods/:name/log', { GET: podLog });
}
