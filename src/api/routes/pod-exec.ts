/**
 * @module pods/{name}/exec over WebSocket (channel.k8s.io v5, v4): every binary message starts
 * with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize); v5 adds the
 * close message [255, channel]. With tty=true, resize messages arrive on channel 4 as
 * {"Width":W,"Height":H}; stderr is merged into stdout by the terminal. SPDY: pod-exec-spdy.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequestError } from '../../core/errors.js';
import type { TerminalSize } from '../../core/ports.js';
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

export interface ExecRequestSpec {
  pod: Pod;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Checks the request before the upgrade, so mistakes get a plain HTTP Status. */
export function parseExecRequest(deps: ApiDeps, params: Record<string, string>, query: URLSearchParams): ExecRequestSpec {
  const pod = deps.store.get<Pod>('pods', params.namespace, params.name);
  const container = pickContainer(pod, query.get('container'));
  const command = query.getAll('command');
  if (command.length === 0) throw new BadRequestError('you must specify at least 1 command');
  const spec = {
    pod,
    container,
    command,
    stdin: queryBool(query, 'stdin'),
    stdout: queryBool(query, 'stdout'),
    stderr: queryBool(query, 'stderr'),
    tty: queryBool(query, 'tty'),
  };
  if (!spec.stdin && !spec.stdout && !spec.stderr) throw new BadRequestError('you must specify at least 1 of stdin, stdout, stderr');
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new BadRequestError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  return spec;
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

/** Runs the command over an accepted WebSocket; ends with the Status on channel 3 and close 1000. */
export function runExecSession(deps: ApiDeps & { logger: import('../../core/logger.js').Logger }, ws: WebSocket, spec: ExecRequestSpec): void {
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const stdin = spec.stdin ? new PassThrough() : null;
  const resize = new ResizeQueue();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const channel = buf[0];
    if (channel === STDIN && stdin && !stdin.writableEnded) stdin.write(buf.subarray(1));
    else if (v5 && channel === CLOSE && buf[1] === STDIN) stdin?.end();
    else if (channel === RESIZE) resize.push(buf.subarray(1).toString('utf8'));
  });
  ws.on('close', () => stdin?.end());
  ws.on('error', () => stdin?.end());
  const io = {
    stdin,
    stdout: spec.stdout ? channelWriter(ws, STDOUT) : null,
    stderr: spec.stderr && !spec.tty ? channelWriter(ws, STDERR) : null,
    onResize: spec.tty ? resize.subscribe : undefined,
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
  deps.runtime
    .exec(spec.pod, spec.container, { args: spec.command, tty: spec.tty }, io)
    .then((code) => finish(exitStatus(code, spec.command)))
    .catch((err: unknown) => finish(toStatus(err, deps.logger)));
}

/** The upgrade half: WebSocket handshake with our subprotocols, then the session. */
export class ExecUpgrader {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });

  handle(deps: ApiDeps & { logger: import('../../core/logger.js').Logger }, req: IncomingMessage, socket: Duplex, head: Buffer, spec: ExecRequestSpec): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) {
      throw new BadRequestError(`unable to upgrade: none of the offered subprotocols is supported: want one of ${EXEC_PROTOCOLS.join(', ')}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => runExecSession(deps, ws, spec));
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/** exec without an Upgrade header: Kubernetes answers 400. */
function notUpgraded(ctx: RequestContext): never {
  parseExecRequest(ctx.deps, ctx.params, ctx.query);
  throw new BadRequestError('Upgrade request required');
}

export function addPodExecRoutes(router: Router): void {
  router.add('/api/v1/namespaces/:namespace/pods/:name/exec', { GET: notUpgraded, POST: notUpgraded });
}
