import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Pod } from '../core/types.js';
import { runCli } from './run-cli.js';

// A tiny in-memory pods API: enough to exercise apply/get/delete end to end through the client.
const pods = new Map<string, Pod>();
let rv = 1;
let dir: string;
let socket: string;
let server: http.Server;
const watchers = new Set<http.ServerResponse>();

function send(res: http.ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
function notFound(res: http.ServerResponse, name: string) {
  send(res, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: `pods "${name}" not found` });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peapod-cli-'));
  socket = join(dir, 's.sock');
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '', 'http://x');
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return send(res, 404, { kind: 'Status', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
      const [, , name] = m;
      if (url.searchParams.get('watch')) {
        res.writeHead(200);
        watchers.add(res);
        return;
      }
      if (req.method === 'GET' && !name) return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: [...pods.values()] });
      const pod = name ? pods.get(name) : undefined;
      if (req.method === 'GET') return pod ? send(res, 200, pod) : notFound(res, name);
      if (req.method === 'POST') {
        const p = JSON.parse(body) as Pod;
        p.metadata = { ...p.metadata, uid: `uid-${p.metadata?.name}`, resourceVersion: String(++rv), creationTimestamp: new Date().toISOString() };
        p.spec = { ...p.spec!, nodeName: 'node1' };
        pods.set(p.metadata.name!, p);
        return send(res, 201, p);
      }
      if (req.method === 'PUT') {
        if (!pod) return notFound(res, name);
        const p = JSON.parse(body) as Pod;
        if (JSON.stringify(p.spec?.containers?.map((c) => c.name)) !== JSON.stringify(pod.spec?.containers?.map((c) => c.name))) {
          return send(res, 422, { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, message: 'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`', details: { name: 'web', kind: 'Pod', causes: [{ field: 'spec' }] } });
        }
        if (p.spec?.nodeName !== 'node1') return send(res, 422, { kind: 'Status', reason: 'Invalid', code: 422, message: 'nodeName changed' });
        p.metadata = { ...p.metadata, resourceVersion: String(++rv) };
        pods.set(name, p);
        return send(res, 200, p);
      }
      if (req.method === 'DELETE') {
        if (!pod) return notFound(res, name);
        const marked = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), resourceVersion: String(++rv) } };
        pods.set(name, marked);
        send(res, 200, marked);
        // The pod goes away a little later, as a graceful delete does.
        setTimeout(() => {
          pods.delete(name);
          for (const w of watchers) w.write(`${JSON.stringify({ type: 'DELETED', object: marked })}\n`);
        }, 20);
        return;
      }
      send(res, 405, { kind: 'Status', reason: 'MethodNotAllowed', code: 405, message: 'no' });
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

after(async () => {
  for (const w of watchers) w.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[], stdinText = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli(['--socket', socket, ...args], { stdout, stderr, stdin: Readable.from([stdinText]), env: {}, cwd: dir, now: () => Date.now() });
  return { code, out, err };
}

const manifest = (image: string, containerName = 'app') => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: ${containerName}
    image: ${image}
`;

test('apply creates, then reports unchanged, then configured, then prints the 422 and exits 1', async () => {
  const file = join(dir, 'web.yaml');
  writeFileSync(file, manifest('busybox:1.36'));
  assert.deepEqual(await cli(['apply', '-f', file]), { code: 0, out: 'pod/web created\n', err: '' });
  assert.deepEqual(await cli(['apply', '-f', file]), { code: 0, out: 'pod/web unchanged\n', err: '' });
  writeFileSync(file, manifest('busybox:1.37'));
  assert.deepEqual(await cli(['apply', '-f', file]), { code: 0, out: 'pod/web configured\n', err: '' });
  assert.equal(pods.get('web')?.spec?.containers[0].image, 'busybox:1.37');
  const rejected = await cli(['apply', '-f', '-'], manifest('busybox:1.37', 'renamed'));
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /^The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields/);
});

test('apply of an unknown kind or malformed YAML sends nothing', async () => {
  const before = rv;
  const r = await cli(['apply', '-f', '-'], `${manifest('x')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n`);
  assert.equal(r.code, 1);
  assert.match(r.err, /no matches for kind "Deployment" in version "apps\/v1"/);
  const bad = await cli(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: a: b\n');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /error parsing STDIN: document 1: line \d+/);
  assert.equal(rv, before);
});

test('get prints the table, NotFound as kubectl does, and usage errors exit 2', async () => {
  const table = await cli(['get', 'pods']);
  assert.equal(table.code, 0);
  assert.match(table.out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s/);
  const missing = await cli(['get', 'pod', 'nope']);
  assert.deepEqual(missing, { code: 1, out: '', err: 'Error from server (NotFound): pods "nope" not found\n' });
  const name = await cli(['get', 'po', 'web', '-o', 'name']);
  assert.equal(name.out, 'pod/web\n');
  const empty = await cli(['get', 'pods', '-n', 'other', '-l', 'app=none']);
  assert.equal(empty.code, 0);
  const bad = await cli(['get', 'pods', '--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^error: unknown flag: --frobnicate\n/);
});

test('delete prints "deleted" and waits until the pod is gone', async () => {
  const r = await cli(['delete', 'pod', 'web', '--now']);
  assert.deepEqual(r, { code: 0, out: 'pod "web" deleted\n', err: '' });
  assert.equal(pods.has('web'), false);
  const again = await cli(['delete', 'pod', 'web']);
  assert.deepEqual(again, { code: 1, out: '', err: 'Error from server (NotFound): pods "web" not found\n' });
});

test('no daemon: a clear message and exit 1', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => (err += d));
  const code = await runCli(['get', 'pods'], { stdout, stderr, stdin: Readable.from([]), env: { PEAPOD_SOCKET: join(dir, 'none.sock') }, cwd: dir, now: () => 0 });
  assert.equal(code, 1);
  assert.equal(err, `error: cannot reach the peapod daemon at ${join(dir, 'none.sock')}: is 'peapod serve' running?\n`);
});

test('image load prints the names of every loaded image (ImageList answer)', async () => {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      assert.deepEqual(JSON.parse(body), { path: join(dir, 'busybox.tar') });
      send(res, 201, { kind: 'ImageList', items: [{ kind: 'Image', metadata: { name: 'abc' }, names: ['docker.io/library/busybox:1.36'] }] });
    });
  });
  const sock = join(dir, 'img.sock');
  await new Promise<void>((resolve) => srv.listen(sock, resolve));
  try {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const code = await runCli(['image', 'load', '-i', 'busybox.tar', '--socket', sock], { stdout, stderr: new PassThrough(), stdin: Readable.from([]), env: {}, cwd: dir, now: () => 0 });
    assert.equal(code, 0);
    assert.equal(out, 'Loaded image: docker.io/library/busybox:1.36\n');
  } finally {
    srv.closeAllConnections();
    await new Promise((resolve) => srv.close(resolve));
  }
});
