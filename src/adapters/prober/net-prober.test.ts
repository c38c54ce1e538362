/** NetProber against real servers on 127.0.0.1: HTTP codes and redirects, timeouts, TCP, gRPC health. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttp2Server, constants } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { decodeHealthResponse, encodeHealthRequest } from './grpc-health.js';
import { NetProber } from './net-prober.js';

const prober = new NetProber();
const H: Array<[string, string]> = [
  ['User-Agent', 'kube-probe/1.32'],
  ['Accept', '*/*'],
];

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('NetProber.httpGet', () => {
  let server: Server;
  let port: number;
  let seen: IncomingHttpHeaders | undefined;
  const pending = new Set<{ destroy(): void }>();
  before(async () => {
    server = createHttpServer((req, res) => {
      const path = req.url ?? '';
      if (path === '/ok') {
        seen = req.headers;
        res.end('fine');
      } else if (path === '/moved') res.writeHead(302, { location: '/ok' }).end();
      else if (path === '/abs') res.writeHead(301, { location: `http://127.0.0.1:${port}/ok` }).end();
      else if (path === '/elsewhere') res.writeHead(302, { location: 'http://127.0.0.2:1/ok' }).end('gone');
      else if (path.startsWith('/loop')) res.writeHead(302, { location: `/loop${Number(path.slice(5) || 0) + 1}` }).end();
      else if (path === '/missing') res.writeHead(404).end();
      else if (path === '/broken') res.writeHead(500).end();
      else if (path === '/slow') pending.add(res.socket!);
      else if (path === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (res.write(chunk));
        };
        res.on('drain', pump);
        pump();
        pending.add(res.socket!);
      } else res.writeHead(418).end();
    });
    port = await listen(server);
  });
  after(() => {
    for (const s of pending) s.destroy();
    server.close();
  });
  const get = (path: string, headers = H, timeoutMs = 1000) => prober.httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path, headers, timeoutMs });

  test('200 is success with the body; the headers are sent as given', async () => {
    assert.deepEqual(await get('/ok', [...H, ['X-Probe', 'a'], ['x-probe', 'b'], ['Host', 'virtual.example']]), { result: 'success', message: 'fine' });
    assert.equal(seen?.['user-agent'], 'kube-probe/1.32');
    assert.equal(seen?.accept, '*/*');
    assert.equal(seen?.['x-probe'], 'a, b');
    assert.equal(seen?.host, 'virtual.example');
  });
  test('302 and 301 to the same host are followed', async () => {
    assert.equal((await get('/moved')).result, 'success');
    assert.equal((await get('/abs')).result, 'success');
  });
  test('302 to another host: warning, not followed', async () => {
    assert.deepEqual(await get('/elsewhere'), { result: 'warning', message: 'Probe terminated redirects, Response body: gone' });
  });
  test('more than 10 redirects: warning', async () => {
    assert.equal((await get('/loop')).result, 'warning');
  });
  test('404 and 500 fail with the kubelet message', async () => {
    assert.deepEqual(await get('/missing'), { result: 'failure', message: 'HTTP probe failed with statuscode: 404' });
    assert.deepEqual(await get('/broken'), { result: 'failure', message: 'HTTP probe failed with statuscode: 500' });
  });
  test('a server that never answers: failure at the timeout', async () => {
    const t = Date.now();
    const r = await get('/slow', H, 300);
    const took = Date.now() - t;
    assert.equal(r.result, 'failure');
    assert.match(r.message, /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded/);
    assert.ok(took >= 280 && took < 2000, `${took} ms`);
  });
  test('an endless body: at most 10 KiB read, success without waiting for the end', async () => {
    const r = await get('/huge', H, 2000);
    assert.equal(r.result, 'success');
    assert.equal(r.message.length, 10 * 1024);
  });
  test('connection refused names the dial error', async () => {
    const closed = await freePort();
    const r = await prober.httpGet({ scheme: 'HTTP', host: '127.0.0.1', port: closed, path: '/', headers: H, timeoutMs: 1000 });
    assert.deepEqual(r, { result: 'failure', message: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });
});

describe('NetProber.httpGet over HTTPS', () => {
  test('a self-signed certificate is accepted', async (t) => {
    const dir = mkdtempSync(`${tmpdir()}/probe-tls-`);
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/k`, '-out', `${dir}/c`, '-days', '1', '-subj', '/CN=probe'], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(`${dir}/k`), cert: readFileSync(`${dir}/c`) }, (req, res) => res.writeHead(req.url === '/ok' ? 204 : 503).end());
    const port = await listen(server);
    t.after(() => server.close());
    assert.equal((await prober.httpGet({ scheme: 'HTTPS', host: '127.0.0.1', port, path: '/ok', headers: H, timeoutMs: 2000 })).result, 'success');
    assert.deepEqual(await prober.httpGet({ scheme: 'HTTPS', host: '127.0.0.1', port, path: '/no', headers: H, timeoutMs: 2000 }), {
      result: 'failure',
      message: 'HTTP probe failed with statuscode: 503',
    });
  });
});

async function freePort(): Promise<number> {
  const s = createNetServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

describe('NetProber.tcp', () => {
  test('an open port succeeds even when the server closes at once', async (t) => {
    const server = createNetServer((sock) => sock.destroy());
    const port = await listen(server);
    t.after(() => server.close());
    assert.deepEqual(await prober.tcp({ host: '127.0.0.1', port, timeoutMs: 1000 }), { result: 'success', message: '' });
  });
  test('a closed port fails with "connection refused"', async () => {
    const port = await freePort();
    assert.deepEqual(await prober.tcp({ host: '127.0.0.1', port, timeoutMs: 1000 }), { result: 'failure', message: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });
});

describe('NetProber.grpc', () => {
  test('protobuf framing round trip', () => {
    assert.deepEqual([...encodeHealthRequest('')], [0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeHealthRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
    assert.equal(decodeHealthResponse(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
    assert.equal(decodeHealthResponse(Buffer.from([0, 0, 0, 0, 0])), 0, 'absent field is UNKNOWN');
    assert.equal(decodeHealthResponse(Buffer.from([0, 0, 0, 0, 5, 0x12, 1, 0x78, 0x08, 2])), 2, 'unknown fields skipped');
    assert.equal(decodeHealthResponse(Buffer.from([0, 0, 0, 0, 9])), undefined);
  });

  test('a health server written with node:http2: SERVING, NOT_SERVING, unknown service, no health service', async (t) => {
    const statuses: Record<string, number> = { '': 1, sick: 2 };
    const seenServices: string[] = [];
    const server = createHttp2Server();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (headers[constants.HTTP2_HEADER_PATH] !== '/grpc.health.v1.Health/Check') {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
          return;
        }
        const body = Buffer.concat(chunks).subarray(5);
        const service = body.length ? body.subarray(2).toString() : '';
        seenServices.push(service);
        const status = statuses[service];
        if (status === undefined) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown service' }, { endStream: true });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
      });
    });
    const port = await listen(server);
    t.after(() => server.close());
    assert.deepEqual(await prober.grpc({ host: '127.0.0.1', port, service: '', timeoutMs: 1000 }), { result: 'success', message: 'service is healthy' });
    assert.deepEqual(await prober.grpc({ host: '127.0.0.1', port, service: 'sick', timeoutMs: 1000 }), { result: 'failure', message: 'service unhealthy (responded with "NOT_SERVING")' });
    const unknown = await prober.grpc({ host: '127.0.0.1', port, service: 'other', timeoutMs: 1000 });
    assert.equal(unknown.result, 'failure');
    assert.match(unknown.message, /code = 5/);
    assert.deepEqual(seenServices, ['', 'sick', 'other']);
  });

  test('a server without the health service, a closed port, a silent server', async (t) => {
    const server = createHttp2Server();
    server.on('stream', (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'no' }, { endStream: true }));
    const port = await listen(server);
    t.after(() => server.close());
    assert.deepEqual(await prober.grpc({ host: '127.0.0.1', port, service: '', timeoutMs: 1000 }), {
      result: 'failure',
      message: 'server does not implement the grpc health protocol (grpc.health.v1.Health): no',
    });
    const closed = await freePort();
    const refused = await prober.grpc({ host: '127.0.0.1', port: closed, service: '', timeoutMs: 1000 });
    assert.equal(refused.result, 'failure');
    assert.match(refused.message, /connection refused/);
    const silent = createHttp2Server();
    const held: Array<{ close(): void }> = [];
    silent.on('stream', (stream) => held.push(stream));
    const silentPort = await listen(silent);
    t.after(() => {
      for (const s of held) s.close();
      silent.close();
    });
    assert.deepEqual(await prober.grpc({ host: '127.0.0.1', port: silentPort, service: '', timeoutMs: 300 }), {
      result: 'failure',
      message: 'timeout: health rpc did not complete within 0.3s',
    });
  });
});
