import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { ConflictError, InvalidError, NotFoundError, AlreadyExistsError } from '../core/errors.js';
import { DaemonUnreachableError } from './http-call.js';
import { PeapodClient } from './peapod-client.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let dir: string;
let socketPath: string;
let server: http.Server;
let wss: WebSocketServer;
const routes = new Map<string, Handler>();
const seen: { method: string; url: string; body: string }[] = [];

function status(res: http.ServerResponse, code: number, reason: string, message: string, details?: object) {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, details }));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peapod-client-'));
  socketPath = join(dir, 'api.sock');
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      const handler = routes.get(key);
      if (handler) handler(req, res, body);
      else status(res, 404, 'NotFound', 'the server could not find the requested resource');
    });
  });
  wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname.includes('/pods/nope/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
        JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "nope" not found', code: 404 }));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const command = url.searchParams.getAll('command');
      const frame = (ch: number, data: string) => ws.send(Buffer.concat([Buffer.of(ch), Buffer.from(data)]));
      if (url.pathname.endsWith('/attach')) {
        // Reports the query and every resize on stdout; stdin "q" ends the session like a container exit.
        frame(1, `attach ${url.searchParams.toString()}\n`);
        ws.on('message', (raw) => {
          const buf = raw as Buffer;
          if (buf[0] === 4) frame(1, `resize ${buf.subarray(1).toString()}\n`);
          else if (buf[0] === 0 && buf.subarray(1).toString() === 'q') {
            frame(3, JSON.stringify({ metadata: {}, status: 'Success' }));
            ws.close(1000);
          }
        });
        return;
      }
      if (command[0] === 'cat') {
        // Echo stdin back on stdout until the v5 half-close [255, 0].
        ws.on('message', (raw) => {
          const buf = raw as Buffer;
          if (buf[0] === 0) frame(1, buf.subarray(1).toString());
          else if (buf[0] === 255 && buf[1] === 0) {
            frame(3, JSON.stringify({ metadata: {}, status: 'Success' }));
            ws.close(1000);
          }
        });
        return;
      }
      frame(1, `args=${command.join(' ')} container=${url.searchParams.get('container')} stdin=${url.searchParams.get('stdin')}\n`);
      frame(2, 'oops\n');
      frame(3, JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }));
      ws.close(1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function client() {
  return new PeapodClient({ socketPath });
}

describe('PeapodClient', () => {
  test('getVersion and createPod send the right requests and parse JSON', async () => {
    routes.set('GET /version', (_q, res) => res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-peapod' })));
    routes.set('POST /api/v1/namespaces/ns1/pods', (_q, res, body) => {
      const pod = JSON.parse(body);
      pod.metadata.uid = 'u1';
      res.writeHead(201).end(JSON.stringify(pod));
    });
    const c = client();
    assert.equal((await c.getVersion()).gitVersion, 'v1.32.0-peapod');
    const created = await c.createPod('ns1', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' } });
    assert.equal(created.metadata?.uid, 'u1');
    c.close();
  });

  test('Status errors become the matching error classes with the server message', async () => {
    routes.set('GET /api/v1/namespaces/default/pods/x', (_q, res) => status(res, 404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' }));
    routes.set('PUT /api/v1/namespaces/default/pods/web', (_q, res) =>
      status(res, 422, 'Invalid', 'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`', {
        name: 'web',
        kind: 'Pod',
        causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields' }],
      }));
    routes.set('POST /api/v1/namespaces/default/pods', (_q, res) => status(res, 409, 'AlreadyExists', 'pods "web" already exists'));
    routes.set('DELETE /api/v1/namespaces/default/pods/c', (_q, res) => status(res, 409, 'Conflict', 'the object has been modified'));
    const c = client();
    await assert.rejects(c.getPod('default', 'x'), (err: unknown) => err instanceof NotFoundError && err.message === 'pods "x" not found');
    await assert.rejects(c.updatePod('default', { metadata: { name: 'web' } }), (err: unknown) => {
      assert.ok(err instanceof InvalidError);
      assert.match(err.message, /^Pod "web" is invalid: spec: Forbidden/);
      assert.equal(err.causes[0].field, 'spec');
      return true;
    });
    await assert.rejects(c.createPod('default', { metadata: { name: 'web' } }), AlreadyExistsError);
    await assert.rejects(c.deletePod('default', 'c'), ConflictError);
    // Unknown path → the server's generic 404 Status.
    await assert.rejects(c.listImages(), (err: unknown) => err instanceof NotFoundError && /could not find/.test(err.message));
    c.close();
  });

  test('listPods and deletePod put selectors and DeleteOptions on the wire', async () => {
    routes.set('GET /api/v1/pods', (_q, res) => res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'a' } }] })));
    routes.set('DELETE /api/v1/namespaces/default/pods/a', (_q, res) => res.end(JSON.stringify({ metadata: { name: 'a', deletionTimestamp: 'now' } })));
    const c = client();
    const list = await c.listPods(undefined, { labelSelector: 'app=web', fieldSelector: 'status.phase=Running' });
    assert.equal(list.items[0].metadata?.name, 'a');
    assert.equal(seen.at(-1)?.url, '/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=status.phase%3DRunning');
    await c.deletePod('default', 'a', { gracePeriodSeconds: 0 });
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 });
    c.close();
  });

  test('an absent socket gives the "is peapod serve running" error', async () => {
    const c = new PeapodClient({ socketPath: join(dir, 'missing.sock') });
    await assert.rejects(c.getVersion(), (err: unknown) => {
      assert.ok(err instanceof DaemonUnreachableError);
      assert.equal(err.message, `cannot reach the peapod daemon at ${join(dir, 'missing.sock')}: is 'peapod serve' running?`);
      return true;
    });
  });

  test('watch frames events split across chunks and several per chunk', async () => {
    routes.set('GET /api/v1/namespaces/default/pods', (req, res) => {
      assert.match(req.url ?? '', /watch=true/);
      assert.match(req.url ?? '', /resourceVersion=7/);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const e1 = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'p1', labels: { note: 'ünïcode' } } } });
      const e2 = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'p1' } } });
      const e3 = JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'p1' } } });
      const all = Buffer.from(`${e1}\n${e2}\n${e3}\n`);
      // Split inside a multi-byte character and inside a line, and merge two lines in one chunk.
      const cut1 = all.indexOf(Buffer.from('ü')) + 1;
      const cut2 = e1.length + 10;
      res.write(all.subarray(0, cut1));
      setImmediate(() => {
        res.write(all.subarray(cut1, cut2));
        setImmediate(() => res.end(all.subarray(cut2)));
      });
    });
    const c = client();
    const events: { type: string; name?: string; note?: string }[] = [];
    const stop = c.watchPods('default', { resourceVersion: '7' }, (e) =>
      events.push({ type: e.type, name: e.object.metadata?.name, note: e.object.metadata?.labels?.note }));
    await stop.done;
    assert.deepEqual(events, [
      { type: 'ADDED', name: 'p1', note: 'ünïcode' },
      { type: 'MODIFIED', name: 'p1', note: undefined },
      { type: 'DELETED', name: 'p1', note: undefined },
    ]);
    c.close();
  });

  test('stopping a watch resolves done', async () => {
    routes.set('GET /api/v1/namespaces/w/pods', (_q, res) => {
      res.writeHead(200);
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x' } } })}\n`);
    });
    const c = client();
    let stop: ReturnType<PeapodClient['watchPods']> | undefined;
    const first = new Promise<void>((resolve) => {
      stop = c.watchPods('w', {}, () => resolve());
    });
    await first;
    stop!();
    await stop!.done;
    c.close();
  });

  test('logs stream raw bytes and map errors', async () => {
    routes.set('GET /api/v1/namespaces/default/pods/web/log', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`query=${new URL(req.url ?? '', 'http://x').search}\n`);
    });
    const c = client();
    const logs = await c.podLogs('default', 'web', { container: 'app', follow: true, tailLines: 5, timestamps: true });
    let text = '';
    for await (const chunk of logs) text += chunk;
    assert.equal(text, 'query=?container=app&follow=true&tailLines=5&timestamps=true\n');
    await assert.rejects(c.podLogs('default', 'nope'), NotFoundError);
    c.close();
  });

  test('exec uses v5 framing and returns the non-zero exit code', async () => {
    const c = client();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const result = await c.exec('default', 'web', { container: 'app', command: ['sh', '-c', 'exit 3'], stdout, stderr });
    assert.equal(result.exitCode, 3);
    assert.equal(out, 'args=sh -c exit 3 container=app stdin=null\n');
    assert.equal(err, 'oops\n');
  });

  test('exec forwards stdin and half-closes it', async () => {
    const c = client();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const result = await c.exec('default', 'web', { command: ['cat'], stdin: Readable.from([Buffer.from('hello '), Buffer.from('world')]), stdout });
    assert.equal(result.exitCode, 0);
    assert.equal(out, 'hello world');
  });

  test('attach with a tty: no stderr asked, first size at once, each change sent, Success is exit 0', async () => {
    const c = client();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const stdin = new PassThrough();
    let listener: ((s: { width: number; height: number }) => void) | undefined;
    let stopped = false;
    const terminalSize = {
      current: () => ({ width: 80, height: 24 }),
      onChange: (l: (s: { width: number; height: number }) => void) => {
        listener = l;
        return () => (stopped = true);
      },
    };
    const done = c.attach('default', 'web', { container: 'app', stdin, stdout, stderr: new PassThrough(), tty: true, terminalSize });
    while (!out.includes('"Width":80')) await new Promise((r) => setImmediate(r));
    listener!({ width: 100, height: 30 });
    while (!out.includes('"Width":100')) await new Promise((r) => setImmediate(r));
    stdin.write('q');
    assert.deepEqual(await done, { exitCode: 0 });
    assert.equal(out, 'attach container=app&stdin=true&stdout=true&tty=true\nresize {"Width":80,"Height":24}\nresize {"Width":100,"Height":30}\n');
    assert.ok(stopped, 'the size listener is removed when the session ends');
  });

  test('attach without a tty asks for stderr and sends no sizes', async () => {
    const c = client();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const done = c.attach('default', 'web', { stdin: Readable.from([Buffer.from('q')]), stdout, stderr: new PassThrough() });
    assert.deepEqual(await done, { exitCode: 0 });
    assert.equal(out, 'attach stdin=true&stdout=true&stderr=true&tty=false\n');
  });

  test('exec on a refused upgrade maps the Status', async () => {
    const c = client();
    await assert.rejects(c.exec('default', 'nope', { command: ['true'] }), (err: unknown) => err instanceof NotFoundError && err.message === 'pods "nope" not found');
  });
});
