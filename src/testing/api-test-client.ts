/** @module Test helpers: real HTTP over the unix socket, and line-by-line streaming reads. */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface TestResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function call(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = httpRequest(
      {
        // No keep-alive pool: a pooled socket the server has just closed would fail with EPIPE.
        agent: false,
        socketPath,
        method,
        path,
        headers: {
          // Node sends no length for a DELETE body on its own; real clients do.
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}

export interface LineStream {
  status: Promise<number>;
  /** Resolves with the next line (without "\n"), or undefined once the stream has ended. */
  next(): Promise<string | undefined>;
  ended: Promise<void>;
  close(): void;
}

export function stream(socketPath: string, path: string): LineStream {
  const lines: string[] = [];
  const waiters: ((l: string | undefined) => void)[] = [];
  let done = false;
  let buf = '';
  let resolveStatus!: (n: number) => void;
  let resolveEnded!: () => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const push = (l: string | undefined): void => {
    const w = waiters.shift();
    if (w) w(l);
    else if (l !== undefined) lines.push(l);
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    if (buf) push(buf);
    buf = '';
    while (waiters.length) waiters.shift()!(undefined);
    resolveEnded();
  };
  const req = httpRequest({ agent: false, socketPath, method: 'GET', path }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    res.on('end', finish);
    res.on('close', finish);
  });
  req.on('error', finish);
  req.end();
  return {
    status,
    ended,
    next: () => (lines.length ? Promise.resolve(lines.shift()) : done ? Promise.resolve(undefined) : new Promise((r) => waiters.push(r))),
    close: () => req.destroy(),
  };
}
