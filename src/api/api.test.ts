import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Pod } from '../core/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { call, stream } from '../testing/api-test-client.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeContainerLogs } from '../testing/fake-container-logs.js';
import { FakeImageManager } from '../testing/fake-image-manager.js';
import { FakePodRuntimeAccess } from '../testing/fake-pod-runtime-access.js';
import { createApiServer } from './server.js';

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-api-'));
  const socketPath = join(dir, 'api.sock');
  const store = new SqliteStore(':memory:');
  const clock = new FakeClock();
  const images = new FakeImageManager();
  const runtime = new FakePodRuntimeAccess();
  const logs = new FakeContainerLogs();
  const api = createApiServer({ store, images, runtime, logs, nodeName: 'node1', clock });
  await api.listen(socketPath);
  t.after(async () => {
    await api.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const req = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(socketPath, method, path, body, headers);
  return { socketPath, store, clock, images, runtime, logs, api, req };
}

function podManifest(name: string, containers = ['c1'], extra: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    // Bound by name, as a kubelet's pods: no scheduler runs in these tests.
    spec: { nodeName: 'node1', containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
    ...extra,
  } as Pod;
}

const PODS = '/api/v1/namespaces/default/pods';

test('socket is 0600; discovery, version and health answer', async (t) => {
  const { socketPath, req } = await setup(t);
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  const v = await req('GET', '/version');
  assert.deepEqual([v.json.major, v.json.minor, v.json.gitVersion], ['1', '32', 'v1.32.0-peapod']);
  const res = await req('GET', '/api/v1');
  const pods = res.json.resources.find((r: { name: string }) => r.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.ok(res.json.resources.some((r: { name: string }) => r.name === 'pods/exec'));
  assert.deepEqual(
    (await req('GET', '/apis')).json.groups.map((g: { name: string }) => g.name).sort(),
    ['apiextensions.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'batch', 'discovery.k8s.io', 'metrics.k8s.io', 'node.peapod.io', 'peapod.io', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io'],
  );
  assert.equal((await req('GET', '/readyz')).text, 'ok');
  const ns = await req('GET', '/api/v1/namespaces');
  assert.deepEqual(ns.json.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

test('pods: create, get, list with selectors, 409 / 404 / 400 / 405 / 413 shapes', async (t) => {
  const { req } = await setup(t);
  const created = await req('POST', PODS, podManifest('web'));
  assert.equal(created.status, 201);
  assert.equal(created.json.spec.nodeName, 'node1');
  assert.equal(created.json.status.phase, 'Pending');
  assert.equal(created.json.status.qosClass, 'BestEffort');
  assert.match(created.json.metadata.uid, /^[0-9a-f-]{36}$/);
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: gen-\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
  const gen = await req('POST', PODS, yaml, { 'Content-Type': 'application/yaml' });
  assert.equal(gen.status, 201);
  assert.match(gen.json.metadata.name, /^gen-[a-z0-9]{5}$/);

  const dup = await req('POST', PODS, podManifest('web'));
  assert.equal(dup.status, 409);
  assert.deepEqual(
    { kind: dup.json.kind, status: dup.json.status, reason: dup.json.reason, code: dup.json.code, message: dup.json.message },
    { kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'pods "web" already exists' },
  );
  const missing = await req('GET', `${PODS}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.message, 'pods "nope" not found');
  const badJson = await req('POST', PODS, '{"kind":');
  assert.equal(badJson.status, 400);
  assert.match(badJson.json.message, /error decoding JSON body/);
  const badKind = await req('POST', PODS, { ...podManifest('x'), kind: 'Service' });
  assert.equal(badKind.status, 400);
  assert.match(badKind.json.message, /kind in the data \(Service\)/);
  const wrongNs = await req('POST', PODS, { ...podManifest('x'), metadata: { name: 'x', namespace: 'other' } });
  assert.equal(wrongNs.status, 400);
  const noName = await req('POST', PODS, { spec: { containers: [] } });
  assert.equal(noName.status, 422);
  assert.equal(noName.json.reason, 'Invalid');
  assert.equal(noName.json.details.causes[0].field, 'metadata.name');
  const noNs = await req('POST', '/api/v1/namespaces/ghost/pods', podManifest('x'));
  assert.equal(noNs.status, 404);
  assert.equal(noNs.json.message, 'namespaces "ghost" not found');
  const big = await req('POST', PODS, 'x'.repeat(3 * 1024 * 1024 + 10));
  assert.equal(big.status, 413);
  assert.equal(big.json.reason, 'RequestEntityTooLarge');
  assert.equal((await req('GET', '/nowhere')).status, 404);
  const wrongMethod = await req('PUT', PODS, podManifest('x'));
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.json.reason, 'MethodNotAllowed');
  const dry = await req('POST', `${PODS}?dryRun=All`, podManifest('dry'));
  assert.equal(dry.status, 201);
  assert.equal((await req('GET', `${PODS}/dry`)).status, 404);

  const list = await req('GET', `${PODS}?labelSelector=app%3Dweb`);
  assert.equal(list.json.kind, 'PodList');
  assert.deepEqual(list.json.items.map((p: Pod) => p.metadata!.name), ['web']);
  assert.match(list.json.metadata.resourceVersion, /^\d+$/);
  const all = await req('GET', '/api/v1/pods?fieldSelector=metadata.name%3Dweb');
  assert.equal(all.json.items.length, 1);
  const badSel = await req('GET', `${PODS}?fieldSelector=spec.containers%3Dx`);
  assert.equal(badSel.status, 400);
  assert.equal(badSel.json.message, 'field label not supported: spec.containers');
});

test('pods: PUT with optimistic concurrency ignores status; status subresource and patches', async (t) => {
  const { req } = await setup(t);
  const pod = (await req('POST', PODS, podManifest('web'))).json;
  const relabeled = { ...pod, metadata: { ...pod.metadata, labels: { app: 'web', tier: 'front' } }, status: { phase: 'Running' } };
  const put = await req('PUT', `${PODS}/web`, relabeled);
  assert.equal(put.status, 200);
  assert.equal(put.json.metadata.labels.tier, 'front');
  assert.equal(put.json.status.phase, 'Pending');
  const stale = await req('PUT', `${PODS}/web`, relabeled);
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');
  assert.match(stale.json.message, /^Operation cannot be fulfilled on pods "web": the object has been modified/);

  const st = await req('PUT', `${PODS}/web/status`, { ...put.json, metadata: { ...put.json.metadata, labels: {} }, status: { phase: 'Running' } });
  assert.equal(st.status, 200);
  assert.equal(st.json.status.phase, 'Running');
  assert.equal(st.json.metadata.labels.tier, 'front');

  const merge = await req('PATCH', `${PODS}/web`, { metadata: { labels: { tier: null, x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(merge.status, 200);
  assert.deepEqual(merge.json.metadata.labels, { app: 'web', x: 'y' });
  const jp = await req('PATCH', `${PODS}/web/status`, [{ op: 'replace', path: '/status/phase', value: 'Succeeded' }], {
    'Content-Type': 'application/json-patch+json',
  });
  assert.equal(jp.json.status.phase, 'Succeeded');
  const badPatch = await req('PATCH', `${PODS}/web`, { a: 1 }, { 'Content-Type': 'text/plain' });
  assert.equal(badPatch.status, 415);
});

test('pods: graceful delete sets deletionTimestamp; a second delete only shortens; grace 0 removes', async (t) => {
  const { req, clock, store } = await setup(t);
  await req('POST', PODS, podManifest('web', ['c1'], { spec: { nodeName: 'node1', containers: [{ name: 'c1', image: 'bb' }], terminationGracePeriodSeconds: 20 } }));
  const del = await req('DELETE', `${PODS}/web`, { propagationPolicy: 'Background' });
  assert.equal(del.status, 200);
  assert.equal(del.json.kind, 'Pod');
  assert.equal(del.json.metadata.deletionGracePeriodSeconds, 20);
  assert.equal(Date.parse(del.json.metadata.deletionTimestamp), clock.now() + 20_000);
  const longer = await req('DELETE', `${PODS}/web?gracePeriodSeconds=60`);
  assert.equal(longer.json.metadata.deletionGracePeriodSeconds, 20);
  const shorter = await req('DELETE', `${PODS}/web`, { gracePeriodSeconds: 5 });
  assert.equal(shorter.json.metadata.deletionGracePeriodSeconds, 5);
  assert.ok(store.tryGet('pods', 'default', 'web'));
  const force = await req('DELETE', `${PODS}/web`, { gracePeriodSeconds: 0 });
  assert.equal(force.status, 200);
  assert.equal(store.tryGet('pods', 'default', 'web'), undefined);
  assert.equal((await req('DELETE', `${PODS}/web`)).status, 404);
});

test('watch: replays from a resourceVersion, then live events in order; rv 0 starts with ADDED', async (t) => {
  const { req, socketPath } = await setup(t);
  const first = (await req('POST', PODS, podManifest('a'))).json;
  await req('POST', PODS, podManifest('b'));
  const w = stream(socketPath, `${PODS}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
  t.after(() => w.close());
  assert.equal(await w.status, 200);
  const e1 = JSON.parse((await w.next())!);
  assert.deepEqual([e1.type, e1.object.metadata.name], ['ADDED', 'b']);
  await req('DELETE', `${PODS}/a`, { gracePeriodSeconds: 0 });
  const e2 = JSON.parse((await w.next())!);
  assert.deepEqual([e2.type, e2.object.metadata.name], ['DELETED', 'a']);
  await req('PATCH', `${PODS}/b`, { metadata: { labels: { x: '1' } } }, { 'Content-Type': 'application/merge-patch+json' });
  const e3 = JSON.parse((await w.next())!);
  assert.deepEqual([e3.type, e3.object.metadata.labels.x], ['MODIFIED', '1']);

  const all = stream(socketPath, `/api/v1/pods?watch=1&labelSelector=app%3Db`);
  t.after(() => all.close());
  const init = JSON.parse((await all.next())!);
  assert.deepEqual([init.type, init.object.metadata.name], ['ADDED', 'b']);

  const fromZero = stream(socketPath, `${PODS}?watch=true&resourceVersion=0`);
  t.after(() => fromZero.close());
  assert.equal(JSON.parse((await fromZero.next())!).type, 'ADDED');
});

test('watch: timeoutSeconds ends the stream and bookmarks carry the current version (fake clock)', async (t) => {
  const { req, socketPath, clock } = await setup(t);
  await req('POST', PODS, podManifest('a'));
  const list = await req('GET', PODS);
  const w = stream(socketPath, `${PODS}?watch=true&allowWatchBookmarks=true&timeoutSeconds=120&resourceVersion=${list.json.metadata.resourceVersion}`);
  assert.equal(await w.status, 200);
  clock.advance(60_000);
  const bm = JSON.parse((await w.next())!);
  assert.equal(bm.type, 'BOOKMARK');
  assert.equal(bm.object.metadata.resourceVersion, list.json.metadata.resourceVersion);
  clock.advance(60_000);
  await w.ended;
});

test('watch: a version older than the history gets ERROR 410 Expired', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-api-'));
  const socketPath = join(dir, 'api.sock');
  const store = new SqliteStore(':memory:', { historyLimit: 2 });
  const api = createApiServer({
    store,
    images: new FakeImageManager(),
    runtime: new FakePodRuntimeAccess(),
    logs: new FakeContainerLogs(),
    nodeName: 'n',
    clock: new FakeClock(),
  });
  await api.listen(socketPath);
  t.after(async () => {
    await api.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const n of ['a', 'b', 'c']) await call(socketPath, 'POST', PODS, podManifest(n));
  const w = stream(socketPath, `${PODS}?watch=true&resourceVersion=1`);
  const ev = JSON.parse((await w.next())!);
  assert.equal(ev.type, 'ERROR');
  assert.deepEqual([ev.object.kind, ev.object.reason, ev.object.code], ['Status', 'Expired', 410]);
  assert.match(ev.object.message, /^too old resource version: 1 /);
  await w.ended;
});

test('namespaces: deleting one terminates it, deletes its pods, and removes it when they are gone', async (t) => {
  const { req, store } = await setup(t);
  assert.equal((await req('POST', '/api/v1/namespaces', { metadata: { name: 'team' } })).status, 201);
  await req('POST', '/api/v1/namespaces/team/pods', podManifest('p1'));
  const del = await req('DELETE', '/api/v1/namespaces/team');
  assert.equal(del.json.status.phase, 'Terminating');
  const refused = await req('POST', '/api/v1/namespaces/team/pods', podManifest('p2'));
  assert.equal(refused.status, 403);
  assert.equal(refused.json.reason, 'Forbidden');
  assert.match(refused.json.message, /unable to create new content in namespace team because it is being terminated/);
  // The lifecycle loop marks the pod terminating; the agent (here: the test) then removes it.
  await waitFor(() => store.tryGet<Pod>('pods', 'team', 'p1')?.metadata?.deletionTimestamp !== undefined);
  assert.ok(store.tryGet('namespaces', '', 'team'));
  store.delete('pods', 'team', 'p1');
  await waitFor(() => store.tryGet('namespaces', '', 'team') === undefined);
  assert.equal((await req('DELETE', '/api/v1/namespaces/default')).status, 403);
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

test('logs: container choice errors, waiting reason, follow until the container exits', async (t) => {
  const { req, socketPath, runtime, logs, store } = await setup(t);
  await req('POST', PODS, podManifest('two', ['a', 'b']));
  const noContainer = await req('GET', `${PODS}/two/log`);
  assert.equal(noContainer.status, 400);
  assert.equal(noContainer.json.message, 'a container name must be specified for pod two, choose one of: [a b]');
  const waiting = await req('GET', `${PODS}/two/log?container=a`);
  assert.equal(waiting.json.message, 'container "a" in pod "two" is waiting to start: ContainerCreating');
  const prev = await req('GET', `${PODS}/two/log?container=a&previous=true`);
  assert.equal(prev.json.message, 'previous terminated container "a" in pod "two" not found');

  const pod = store.get<Pod>('pods', 'default', 'two');
  store.update('pods', { ...pod, status: { ...pod.status, containerStatuses: [{ name: 'b', state: { waiting: { reason: 'ImagePullBackOff' } } }] } } as Pod);
  assert.match((await req('GET', `${PODS}/two/log?container=b`)).json.message, /waiting to start: ImagePullBackOff$/);

  runtime.setLogPath('default', 'two', 'a', '/logs/a.log');
  logs.append('/logs/a.log', 'one', 'two', 'three');
  const tail = await req('GET', `${PODS}/two/log?container=a&tailLines=2`);
  assert.equal(tail.status, 200);
  assert.equal(tail.headers['content-type'], 'text/plain');
  assert.equal(tail.text, 'two\nthree\n');
  const limited = await req('GET', `${PODS}/two/log?container=a&limitBytes=5`);
  assert.equal(limited.text, 'one\nt');

  const f = stream(socketPath, `${PODS}/two/log?container=a&follow=true`);
  assert.deepEqual([await f.next(), await f.next(), await f.next()], ['one', 'two', 'three']);
  logs.append('/logs/a.log', 'four');
  assert.equal(await f.next(), 'four');
  runtime.markExited('default', 'two', 'a');
  await f.ended;
  assert.equal(logs.reads.at(-1)!.opts.follow, true);
});

test('exec over WebSocket v5: stdout, stdin with close signal, exit code on the error channel', async (t) => {
  const { req, socketPath, runtime } = await setup(t);
  await req('POST', PODS, podManifest('web'));
  runtime.execHandler = async (_pod, _c, r, io) => {
    let input = '';
    if (io.stdin) for await (const chunk of io.stdin as AsyncIterable<Buffer>) input += chunk.toString();
    io.stdout!.write(`out:${r.args.join(' ')}:${input}`);
    io.stderr!.write('err');
    return 3;
  };
  const url = `ws+unix://${socketPath}:${PODS}/web/exec?command=sh&command=-c&command=x&container=c1&stdin=true&stdout=true&stderr=true`;
  const ws = new WebSocket(url, ['v5.channel.k8s.io']);
  const frames: Buffer[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d: Buffer) => frames.push(d));
  await new Promise((r) => ws.on('open', r));
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  ws.send(Buffer.from([0, ...Buffer.from('hello')]));
  ws.send(Buffer.from([255, 0]));
  assert.equal(await closed, 1000);
  const by = (ch: number) => Buffer.concat(frames.filter((f) => f[0] === ch).map((f) => f.subarray(1))).toString();
  assert.equal(by(1), 'out:sh -c x:hello');
  assert.equal(by(2), 'err');
  const status = JSON.parse(by(3));
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.deepEqual(runtime.execCalls[0].req, { args: ['sh', '-c', 'x'], tty: false });

  runtime.execHandler = async () => 0;
  const ok = new WebSocket(`ws+unix://${socketPath}:${PODS}/web/exec?command=true&stdout=true`, ['v4.channel.k8s.io']);
  const okFrames: Buffer[] = [];
  ok.on('message', (d: Buffer) => okFrames.push(d));
  await new Promise((r) => ok.on('close', r));
  assert.deepEqual(JSON.parse(okFrames.find((f) => f[0] === 3)!.subarray(1).toString()), { metadata: {}, status: 'Success' });

  // tty=true: resize messages (channel 4) reach the runtime as terminal sizes; stderr is merged.
  const sizes: { width: number; height: number }[] = [];
  runtime.execHandler = async (_pod, _c, r, io) => {
    assert.equal(r.tty, true);
    assert.equal(io.stderr, null);
    await new Promise<void>((resolve) => io.onResize!((s) => (sizes.push(s), sizes.length === 2 && resolve())));
    return 0;
  };
  const tty = new WebSocket(`ws+unix://${socketPath}:${PODS}/web/exec?command=sh&tty=true&stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
  await new Promise((r) => tty.on('open', r));
  tty.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":30}\n')]));
  tty.send(Buffer.from([4, ...Buffer.from('not json')]));
  tty.send(Buffer.from([4, ...Buffer.from('{"Width":120,"Height":40}')]));
  await new Promise((r) => tty.on('close', r));
  assert.deepEqual(sizes, [{ width: 100, height: 30 }, { width: 120, height: 40 }]);
  const plain = await req('GET', `${PODS}/web/exec?command=ls&stdout=true`);
  assert.equal(plain.status, 400);
  assert.equal(plain.json.message, 'Upgrade request required');
});

test('attach over WebSocket: the container streams, Success when it ends, aborted when the client leaves', async (t) => {
  const { req, socketPath, runtime } = await setup(t);
  await req('POST', PODS, podManifest('web'));
  runtime.attachHandler = async (_pod, _c, io) => {
    let input = '';
    if (io.stdin) for await (const chunk of io.stdin as AsyncIterable<Buffer>) input += chunk.toString();
    io.stdout!.write(`read:${input}`);
    io.stderr!.write('warn');
  };
  const ws = new WebSocket(`ws+unix://${socketPath}:${PODS}/web/attach?container=c1&stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
  const frames: Buffer[] = [];
  ws.on('message', (d: Buffer) => frames.push(d));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((r) => ws.on('open', r));
  ws.send(Buffer.from([0, ...Buffer.from('typed')]));
  ws.send(Buffer.from([255, 0]));
  assert.equal(await closed, 1000);
  const by = (ch: number) => Buffer.concat(frames.filter((f) => f[0] === ch).map((f) => f.subarray(1))).toString();
  assert.equal(by(1), 'read:typed');
  assert.equal(by(2), 'warn');
  assert.deepEqual(JSON.parse(by(3)), { metadata: {}, status: 'Success' });
  assert.deepEqual(runtime.attachCalls, [{ pod: 'default/web', container: 'c1' }]);

  // A client that goes away ends the attach session (conmon's socket is closed), not the container.
  let aborted!: () => void;
  const abortSeen = new Promise<void>((r) => (aborted = r));
  runtime.attachHandler = (_pod, _c, io) => new Promise<void>((resolve) => io.signal!.addEventListener('abort', () => (aborted(), resolve())));
  const leaving = new WebSocket(`ws+unix://${socketPath}:${PODS}/web/attach?stdout=true`, ['v4.channel.k8s.io']);
  await new Promise((r) => leaving.on('open', r));
  leaving.terminate();
  await abortSeen;

  const plain = await req('POST', `${PODS}/web/attach?stdout=true`);
  assert.equal(plain.status, 400);
  assert.equal(plain.json.message, 'Upgrade request required');
  const none = await req('POST', `${PODS}/web/attach`);
  assert.equal(none.status, 400);
  assert.match(none.json.message, /at least 1 of stdin, stdout, stderr/);
  assert.equal((await req('POST', `${PODS}/nope/attach?stdout=true`)).status, 404);
  const pf = await req('GET', `${PODS}/web/portforward?ports=80`);
  assert.equal(pf.status, 400);
  assert.equal(pf.json.message, 'Upgrade request required');
  assert.equal((await req('GET', `${PODS}/nope/portforward?ports=80`)).status, 404);
});

test('self-subject reviews: can-i is always yes for the admin, rules are everything, whoami names the admin', async (t) => {
  const { req } = await setup(t);
  const can = await req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { namespace: 'default', verb: 'delete', resource: 'pods' } },
  });
  assert.equal(can.status, 201);
  assert.equal(can.json.kind, 'SelfSubjectAccessReview');
  assert.equal(can.json.status.allowed, true);
  assert.deepEqual(can.json.spec.resourceAttributes, { namespace: 'default', verb: 'delete', resource: 'pods' });
  const empty = await req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} });
  assert.equal(empty.status, 400);
  assert.match(empty.json.message, /resourceAttributes or spec.nonResourceAttributes/);
  const wrongKind = await req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'Pod', spec: {} });
  assert.equal(wrongKind.status, 400);
  const rules = await req('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } });
  assert.equal(rules.status, 201);
  assert.deepEqual(rules.json.status.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  const who = await req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  assert.equal(who.status, 201);
  assert.equal(who.json.status.userInfo.username, 'peapod-admin');
  assert.ok(who.json.status.userInfo.groups.includes('system:masters'));
  const disc = await req('GET', '/apis/authorization.k8s.io/v1');
  assert.deepEqual(disc.json.resources.map((r: { name: string; verbs: string[] }) => [r.name, r.verbs]), [
    ['selfsubjectaccessreviews', ['create']],
    ['selfsubjectrulesreviews', ['create']],
  ]);
});

test('images: list, get by name, delete, import and load errors as Status', async (t) => {
  const { req, images } = await setup(t);
  const rec = images.add('localhost/busybox:latest');
  const list = await req('GET', '/apis/peapod.io/v1alpha1/images');
  assert.equal(list.json.kind, 'ImageList');
  assert.equal(list.json.items[0].metadata.name, rec.id.slice(7, 19));
  const one = await req('GET', `/apis/peapod.io/v1alpha1/images/${encodeURIComponent('localhost/busybox:latest')}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json.names, ['localhost/busybox:latest']);
  assert.equal((await req('GET', '/apis/peapod.io/v1alpha1/images/nope')).status, 404);
  const missing = await req('POST', '/apis/peapod.io/v1alpha1/imageimports', { source: '/no/such.tar', name: 'x' });
  assert.equal(missing.status, 400);
  assert.match(missing.json.message, /no such file/);
  images.existingPaths.add('/rootfs.tar');
  const imported = await req('POST', '/apis/peapod.io/v1alpha1/imageimports', { source: '/rootfs.tar', name: 'localhost/mine:1' });
  assert.equal(imported.status, 201);
  assert.equal(imported.json.kind, 'Image');
  images.existingPaths.add('/oci');
  const loaded = await req('POST', '/apis/peapod.io/v1alpha1/imageloads', { path: '/oci' });
  assert.equal(loaded.json.kind, 'ImageList');
  assert.equal(loaded.json.items.length, 1);
  const del = await req('DELETE', `/apis/peapod.io/v1alpha1/images/${encodeURIComponent('localhost/mine:1')}`);
  assert.equal(del.status, 200);
  assert.equal((await req('GET', '/apis/peapod.io/v1alpha1/images')).json.items.length, 2);
});

test('close is idempotent, ends open watches, and a new server replaces the stale socket', async (t) => {
  const { api, socketPath, store } = await setup(t);
  const w = stream(socketPath, `${PODS}?watch=true`);
  assert.equal(await w.status, 200);
  await Promise.all([api.close(), api.close()]);
  await w.ended;
  const again = createApiServer({
    store,
    images: new FakeImageManager(),
    runtime: new FakePodRuntimeAccess(),
    logs: new FakeContainerLogs(),
    nodeName: 'n',
    clock: new FakeClock(),
  });
  await again.listen(socketPath);
  assert.equal((await call(socketPath, 'GET', '/healthz')).text, 'ok');
  await again.close();
});
