/**
 * @module exec and attach over SPDY/3.1 (kubectl 1.27, and 1.32 when the WebSocket upgrade fails): the
 * client opens one stream per `streamtype` (error, stdin, stdout, stderr, resize); once all the
 * request asked for are there the command runs; the Status JSON goes on the error stream (v4),
 * then every stream of ours is half-closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { BadRequestError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ApiDeps } from '../context.js';
import { ResizeQueue, type StreamRequest } from '../routes/pod-exec.js';
import { toStatus } from '../status.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

/** What we speak for exec, best first; v4 carries the JSON Status on the error stream. */
export const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io'];
const STREAMS_TIMEOUT_MS = 30_000;

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
}

/** Picks the protocol from X-Stream-Protocol-Version (before any reply, so failures are a plain Status). */
export function chooseStreamProtocol(req: IncomingMessage, supported: string[]): string {
  const offered = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((s) => s.trim());
  const chosen = supported.find((p) => offered.includes(p));
  if (!chosen) throw new BadRequestError(`unable to upgrade: unable to negotiate protocol: client supports ${offered.join(', ')}, server supports ${supported.join(', ')}`);
  return chosen;
}

/** Writes the 101 and starts a session on the socket; `head` is what came after the request. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string, logger: Logger): SpdySession {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  const session = new SpdySession((frame) => {
    if (socket.writable) socket.write(frame);
  });
  session.on('error', (err: Error) => logger.debug('SPDY session failed', { error: err.message }));
  session.on('close', () => setTimeout(() => socket.destroy(), 100).unref());
  socket.on('data', (c: Buffer) => session.input(c));
  socket.on('close', () => session.close());
  socket.on('error', () => session.close());
  if (head.length > 0) session.input(head);
  return session;
}

function streamWriter(s: SpdyStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      s.write(Buffer.from(chunk));
      cb();
    },
  });
}

export function serveSpdyStream(deps: ApiDeps & { logger: Logger }, req: IncomingMessage, socket: Duplex, head: Buffer, spec: StreamRequest): void {
  const protocol = chooseStreamProtocol(req, SPDY_EXEC_PROTOCOLS);
  const session = acceptSpdy(socket, head, protocol, deps.logger);
  const want = new Set(['error']);
  if (spec.stdin) want.add('stdin');
  if (spec.stdout) want.add('stdout');
  if (spec.stderr && !spec.tty) want.add('stderr');
  if (spec.tty) want.add('resize');
  const got = new Map<string, SpdyStream>();
  const stdin = spec.stdin ? new PassThrough() : null;
  const resize = new ResizeQueue();
  const gone = new AbortController();
  let started = false;
  const timer = setTimeout(() => session.close(), STREAMS_TIMEOUT_MS);
  timer.unref();
  session.on('close', () => {
    clearTimeout(timer);
    stdin?.end();
    gone.abort();
  });

  session.on('stream', (s: SpdyStream) => {
    const type = s.headers.streamtype ?? '';
    got.set(type, s);
    if (type === 'stdin' && stdin) {
      s.on('data', (c: Buffer) => stdin.writableEnded || stdin.write(c));
      s.on('end', () => stdin.end());
      s.on('reset', () => stdin.end());
    } else if (type === 'resize') {
      let pending = '';
      s.on('data', (c: Buffer) => {
        pending += c.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          resize.push(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        // Some clients send a size without the newline.
        if (pending.trim().endsWith('}')) {
          resize.push(pending);
          pending = '';
        }
      });
    }
    if (!started && [...want].every((t) => got.has(t))) {
      started = true;
      clearTimeout(timer);
      run();
    }
  });

  const run = (): void => {
    const out = got.get('stdout');
    const err = got.get('stderr');
    const io = {
      stdin,
      stdout: out ? streamWriter(out) : null,
      stderr: err && !spec.tty ? streamWriter(err) : null,
      onResize: spec.tty ? resize.subscribe : undefined,
      signal: gone.signal,
    };
    const finish = (status: unknown): void => {
      const errStream = got.get('error')!;
      errStream.write(Buffer.from(JSON.stringify(status)));
      for (const s of got.values()) s.end();
      // The client answers with RST_STREAM and GOAWAY; close if it does not.
      setTimeout(() => session.close(), 2000).unref();
    };
    spec
      .run(io)
      .then(finish)
      .catch((e: unknown) => finish(toStatus(e, deps.logger)));
  };
}
