/**
 * @module pods/{name}/exec and pods/{name}/attach over WebSocket (channel.k8s.io v5, v4): every
 * binary message starts with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status,
 * 4 resize); v5 adds the close message [255, channel]. With tty=true, resize messages arrive on
 * channel 4 as {"Width":W,"Height":H}; stderr is merged into stdout by the terminal. Both
 * subresources share the session; they differ only in what runs once the streams are there.
 * SPDY: spdy/spdy-exec.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequestError } from '../../core/errors.js';
import type { AttachStreams, TerminalSize } from '../../core/ports.js';
import type { Pod } from '../../core/types.js';
import type { ApiDeps, RequestContext } from '../context.js';
import { queryBool } from '../http-util.js';
import type { Router } from '../router.js';
import { toStatus, type StatusObject } from '../status.js';
import { pickContainer } from './pod-log.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** A checked exec or attach request: which streams the client wants, and what runs over them. */
export interface StreamRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Runs once the streams are there; resolves with the Status that ends the session. */
  run(io: AttachStreams): Promise<Record<string, unknown>>;
}

type Subresource = 'exec' | 'attach';

function streamOptions(deps: ApiDeps, params: Record<string, string>, query: URLSearchParams, what: Subresource) {
  const pod = deps.store.get<Pod>('pods', params.namespace, params.name);
  const container = pickContainer(pod, query.get('container'));
  const streams = { stdin: queryBool(query, 'stdin'), stdout: queryBool(query, 'stdout'), stderr: queryBool(query, 'stderr'), tty: queryBool(query, 'tty') };
  if (!streams.stdin && !streams.stdout && !streams.stderr) throw new BadRequestError('you must specify at least 1 of stdin, stdout, stderr');
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new BadRequestError(`cannot ${what === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`);
  }
  return { pod, container, streams };
}

/** Checks an exec request before the upgrade, so mistakes get a plain HTTP Status. */
export function parseExecRequest(deps: ApiDeps, params: Record<string, string>, query: URLSearchParams): StreamRequest {
  const command = query.getAll('command');
  const { pod, container, streams } = streamOptions(deps, params, query, 'exec');
  if (command.length === 0) throw new BadRequestError('you must specify at least 1 command');
  return {
    ...streams,
    run: (io) => deps.runtime.exec(pod, container, { args: command, tty: streams.tty }, io).then((code) => exitStatus(code, command)),
  };
}

/** Checks an attach request before the upgrade. The session ends when the container exits. */
export function parseAttachRequest(deps: ApiDeps, params: Record<string, string>, query: URLSearchParams): StreamRequest {
  const { pod, container, streams } = streamOptions(deps, params, query, 'attach');
  return { ...streams, run: (io) => deps.runtime.attach(pod, container, io).then(() => ({ metadata: {}, status: 'Success' })) };
}

export function parseStreamRequest(deps: ApiDeps, what: Subresource, params: Record<string, string>, query: URLSearchParams): StreamRequest {
  return what === 'exec' ? parseExecRequest(deps, params, query) : parseAttachRequest(deps, params, query);
}

export function exitStatus(code: number, command: string[]): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** Terminal sizes from the client, replayed to late subscribers (the first one comes before the exec starts). */
export class ResizeQueue {
  private last: TerminalSize | undefined;
  private readonly listeners: ((s: TerminalSize) => void)[] = [];

  /** Takes the body of a resize message: {"Width":100,"Height":30}. Junk is ignored. */
  push(json: string): void {
    try {
      const v = JSON.parse(json) as { Width?: unknown; Height?: unknown };
      if (typeof v.Width !== 'number' || typeof v.Height !== 'number') return;
      this.last = { width: Math.max(1, Math.min(v.Width, 10000)), height: Math.max(1, Math.min(v.Height, 10000)) };
      for (const l of this.listeners) l(this.last);
    } catch {
      // not JSON: nothing to do with it
    }
  }

  subscribe = (listener: (s: TerminalSize) => void): void => {
    this.listeners.push(listener);
    if (this.last) listener(this.last);
  };
}

function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(chunk)]), { binary: true }, () => cb());
    },
  });
}

/** Runs the request over an accepted WebSocket; ends with the Status on channel 3 and close 1000. */
export function runStreamSession(deps: ApiDeps & { logger: import('../../core/logger.js').Logger }, ws: WebSocket, spec: StreamRequest): void {
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const stdin = spec.stdin ? new PassThrough() : null;
  const resize = new ResizeQueue();
  const gone = new AbortController();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const channel = buf[0];
    if (channel === STDIN && stdin && !stdin.writableEnded) stdin.write(buf.subarray(1));
    else if (v5 && channel === CLOSE && buf[1] === STDIN) stdin?.end();
    else if (channel === RESIZE) resize.push(buf.subarray(1).toString('utf8'));
  });
  const clientGone = (): void => {
    stdin?.end();
    gone.abort();
  };
  ws.on('close', clientGone);
  ws.on('error', clientGone);
  const io = {
    stdin,
    stdout: spec.stdout ? channelWriter(ws, STDOUT) : null,
    stderr: spec.stderr && !spec.tty ? channelWriter(ws, STDERR) : null,
    onResize: spec.tty ? resize.subscribe : undefined,
    signal: gone.signal,
  };
  const finish = (status: Record<string, unknown> | StatusObject): void => {
    const flush = async (): Promise<void> => {
      // Let queued stdout/stderr frames go first.
      for (const w of [io.stdout, io.stderr]) if (w) await new Promise<void>((r) => w.end(r));
      if (ws.readyState === ws.OPEN) {
        ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(status))]), { binary: true });
        ws.close(1000);
      }
    };
    void flush();
  };
  spec
    .run(io)
    .then(finish)
    .catch((err: unknown) => finish(toStatus(err, deps.logger)));
}

/** The upgrade half: WebSocket handshake with our subprotocols, then the session. */
export class ExecUpgrader {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });

  handle(deps: ApiDeps & { logger: import('../../core/logger.js').Logger }, req: IncomingMessage, socket: Duplex, head: Buffer, spec: StreamRequest): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) {
      throw new BadRequestError(`unable to upgrade: none of the offered subprotocols is supported: want one of ${EXEC_PROTOCOLS.join(', ')}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => runStreamSession(deps, ws, spec));
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/** exec, attach and portforward without an Upgrade header: Kubernetes answers 400 once the request checks out. */
const notUpgraded =
  (what: Subresource | 'portforward') =>
  (ctx: RequestContext): never => {
    if (what === 'portforward') ctx.deps.store.get<Pod>('pods', ctx.params.namespace, ctx.params.name);
    else parseStreamRequest(ctx.deps, what, ctx.params, ctx.query);
    throw new BadRequestError('Upgrade request required');
  };

/** The plain-HTTP side of the streaming subresources; the upgrades themselves are in server.ts. */
export function addStreamingRoutes(router: Router): void {
  for (const what of ['exec', 'attach', 'portforward'] as const) {
    router.add(`/api/v1/namespaces/:namespace/pods/:name/${what}`, { GET: notUpgraded(what), POST: notUpgraded(what) });
  }
}
