/**
 * @module One HTTP exchange with the daemon: JSON in, JSON out, errors mapped. Streaming calls
 * (logs, watch) get the response object once its status says the stream is good.
 */
import type { IncomingMessage } from 'node:http';
import type { PeapodError } from '../core/errors.js';
import { statusToError } from './status-error.js';
import type { Transport } from './transport.js';

/** The daemon is not listening where we looked: the socket is missing or nobody accepts. */
export class DaemonUnreachableError extends Error {
  readonly code = 'PEAPOD_UNREACHABLE';
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`cannot reach the peapod daemon at ${target}: is 'peapod serve' running?`, { cause });
    this.name = 'DaemonUnreachableError';
  }
}

const unreachableCodes = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'ECONNRESET', 'EPIPE']);

export function connectionError(transport: Transport, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && unreachableCodes.has(code)) return new DaemonUnreachableError(transport.target, err);
  return err instanceof Error ? err : new Error(String(err));
}

export interface CallOptions {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The error for a non-2xx response, its body consumed. */
export async function errorFromResponse(res: IncomingMessage): Promise<PeapodError> {
  return statusToError(parseBody(await readAll(res)), res.statusCode ?? 500);
}

/**
 * Sends the request and resolves with the response head, whatever its status. A kept-alive
 * connection the daemon closed just as we reused it (its idle timeout) fails with ECONNRESET or
 * EPIPE before any answer: that request never reached the daemon, so it is sent again once.
 */
export async function open(transport: Transport, opts: CallOptions): Promise<IncomingMessage> {
  try {
    return await openOnce(transport, opts);
  } catch (err) {
    if (!(err instanceof StaleConnectionError)) throw err;
    return openOnce(transport, opts);
  }
}

class StaleConnectionError extends Error {}

function openOnce(transport: Transport, opts: CallOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const req = transport.request({ method: opts.method, path: opts.path, headers, signal: opts.signal });
    req.on('response', resolve);
    req.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) reject(new StaleConnectionError(String(code)));
      else reject(connectionError(transport, err));
    });
    req.end(payload);
  });
}

/** A JSON call: 2xx → the parsed body; otherwise the mapped error is thrown. */
export async function call<T>(transport: Transport, opts: CallOptions): Promise<T> {
  const res = await open(transport, opts);
  if ((res.statusCode ?? 500) >= 300) throw await errorFromResponse(res);
  const text = await readAll(res);
  return (text === '' ? undefined : parseBody(text)) as T;
}

/** A streaming call: 2xx → the live response; otherwise the mapped error is thrown. */
export async function stream(transport: Transport, opts: CallOptions): Promise<IncomingMessage> {
  const res = await open(transport, opts);
  if ((res.statusCode ?? 500) >= 300) throw await errorFromResponse(res);
  return res;
}
