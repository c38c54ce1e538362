import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Pod } from '../core/types.js';
import { createApiServer, type ApiServer } from '../api/server.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { FakeContainerLogs } from '../testing/fake-container-logs.js';
import { FakeImageManager } from '../testing/fake-image-manager.js';
import { FakePodRuntimeAccess } from '../testing/fake-pod-runtime-access.js';
import { runCli } from './run-cli.js';

/** Real time: the CLI's waits and the stand-in agent's timer run on it. */
const systemClockForTests = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => ({ id: setTimeout(fn, ms) }),
  clearTimeout: (h: { id: unknown }) => clearTimeout(h.id as NodeJS.Timeout),
};

// The real API over an in-memory store, with a stand-in for the node agent that removes a pod
// shortly after its graceful deletion starts (as the kubelet does once its containers stopped).
let dir: string;
let socket: string;
let api: ApiServer;
let store: SqliteStore;
let stopAgent: () => void;

function send(res: http.ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

const storedPod = (name: string): Pod | undefined => store.tryGet<Pod>('pods', 'default', name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peapod-cli-'));
  socket = join(dir, 's.sock');
  store = new SqliteStore(':memory:');
  api = createApiServer({ store, images: new FakeImageManager(), runtime: new FakePodRuntimeAccess(), logs: new FakeContainerLogs(), nodeName: 'node1', clock: systemClockForTests });
  stopAgent = store.watch('pods', undefined, store.currentResourceVersion(), (ev) => {
    const pod = ev.object as Pod;
    if (ev.type !== 'MODIFIED' || !pod.metadata?.deletionTimestamp) return;
    setTimeout(() => store.tryGet('pods', 'default', pod.metadata!.name!) && store.delete('pods', 'default', pod.metadata!.name!), 20);
  });
  await api.listen(socket);
});

after(async () => {
  stopAgent();
  await api.close();
  store.close();
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
  assert.equal(storedPod('web')?.spec?.containers[0].image, 'busybox:1.37');
  const rejected = await cli(['apply', '-f', '-'], manifest('busybox:1.37', 'renamed'));
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /^The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields/);
});

test('apply of an unknown kind or malformed YAML sends nothing', async () => {
  const before = store.currentResourceVersion();
  const r = await cli(['apply', '-f', '-'], `${manifest('x')}---\napiVersion: example.com/v1\nkind: Frob\nmetadata: {name: d}\n`);
  assert.equal(r.code, 1);
  assert.match(r.err, /no matches for kind "Frob" in version "example.com\/v1"/);
  const bad = await cli(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: a: b\n');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /error parsing STDIN: document 1: line \d+/);
  assert.equal(store.currentResourceVersion(), before);
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
  assert.equal(storedPod('web'), undefined);
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
