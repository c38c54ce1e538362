/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a test registry: it records the requests it saw,
 * can trickle blob bodies (to interrupt a pull midway) and can fail every request with 503 (a
 * broken mirror). `stop()` closes it and every connection.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export class RegistryProxy {
  host = '';
  /** "METHOD path" of every request seen. */
  readonly requests: string[] = [];
  /** Delay per 16 KiB piece of blob bodies; 0 passes them at full speed. */
  blobDelayMs = 0;
  failing = false;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    if (this.failing) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('mirror down\n');
      return;
    }
    const up = http.request(`http://${this.upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: this.upstream } });
    up.on('error', () => res.destroy());
    req.pipe(up);
    const upRes = await new Promise<http.IncomingMessage>((resolve) => up.once('response', resolve));
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    const slow = this.blobDelayMs > 0 && /\/blobs\/sha256:/.test(req.url ?? '');
    try {
      for await (const chunk of upRes as AsyncIterable<Buffer>) {
        if (!slow) {
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          continue;
        }
        for (let i = 0; i < chunk.length; i += 16384) {
          if (res.destroyed) return;
          res.write(chunk.subarray(i, i + 16384));
          await sleep(this.blobDelayMs);
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  requestsFor(part: string): string[] {
    return this.requests.filter((r) => r.includes(part));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
