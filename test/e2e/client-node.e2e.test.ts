/**
 * The official JavaScript client, @kubernetes/client-node 1.x, against a real daemon over HTTPS
 * with the admin kubeconfig: CRUD and patch through CoreV1Api, Watch, Log, Exec (WebSocket
 * channel protocol, exit code in the final Status, stdin), Attach and the ApiException errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { once } from 'node:events';
import {
  ApiException,
  Attach,
  CoreV1Api,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  Log,
  PatchStrategy,
  PortForward,
  Watch,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
// Not re-exported by the package index; its constructor takes the socket factory used below.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { useTestDaemon, collect } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const d = useTestDaemon();
const NS = 'default';
const run = randomBytes(3).toString('hex');

function client(): { kc: KubeConfig; api: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(d.kubeconfigPath);
  return { kc, api: kc.makeApiClient(CoreV1Api) };
}

function pod(name: string, script: string, labels: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { suite: `cn-${run}`, ...labels } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'localhost/busybox:latest', command: ['sh', '-c', script] }],
    },
  };
}

async function waitRunning(api: CoreV1Api, name: string): Promise<V1Pod> {
  const deadline = Date.now() + stretch(30_000);
  let p: V1Pod | undefined;
  while (Date.now() < deadline) {
    p = await api.readNamespacedPod({ name, namespace: NS });
    if (p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pod ${name} not Running: ${JSON.stringify(p?.status)}\n${d.log()}`);
}

/** Awaits a rejection and returns it as an ApiException. */
async function apiError(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiException, `expected ApiException, got ${String(err)}`);
    return err as ApiException<string>;
  }
  assert.fail('expected the call to fail');
}

test('CoreV1Api: create, list by label, read, strategic-merge patch, delete', async (t) => {
  const { api } = client();
  const names = [`cn-a-${run}`, `cn-b-${run}`];
  t.after(() => Promise.all(names.map((n) => d.removePod(n))));

  const created = await api.createNamespacedPod({ namespace: NS, body: pod(names[0], 'sleep 3600', { role: 'one' }) });
  assert.equal(created.metadata?.name, names[0]);
  assert.equal(created.metadata?.namespace, NS);
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  // The client deserializes into its model classes: dates become Date objects.
  assert.ok(created.metadata?.creationTimestamp instanceof Date);
  await api.createNamespacedPod({ namespace: NS, body: pod(names[1], 'sleep 3600', { role: 'two' }) });

  const all = await api.listNamespacedPod({ namespace: NS, labelSelector: `suite=cn-${run}` });
  assert.equal(all.kind, 'PodList');
  assert.deepEqual(all.items.map((p) => p.metadata?.name).sort(), [...names].sort());
  assert.match(all.metadata?.resourceVersion ?? '', /^\d+$/);
  const one = await api.listNamespacedPod({ namespace: NS, labelSelector: `suite=cn-${run},role=two` });
  assert.deepEqual(one.items.map((p) => p.metadata?.name), [names[1]]);
  const none = await api.listNamespacedPod({ namespace: NS, labelSelector: `suite=cn-${run},role notin (one,two)` });
  assert.equal(none.items.length, 0);

  const running = await waitRunning(api, names[0]);
  assert.equal(running.spec?.containers[0].image, 'localhost/busybox:latest');
  assert.match(running.status?.podIP ?? '', new RegExp(`^${d.subnet.replace(/\./g, '\\.')}\\.\\d+$`));

  // Strategic merge: labels merge, the container list merges by name.
  const patched = await api.patchNamespacedPod(
    { name: names[0], namespace: NS, body: { metadata: { labels: { patched: 'yes' }, annotations: { 'peapod.test/by': 'client-node' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  assert.deepEqual(patched.metadata?.labels, { suite: `cn-${run}`, role: 'one', patched: 'yes' });
  assert.equal(patched.metadata?.annotations?.['peapod.test/by'], 'client-node');
  assert.notEqual(patched.metadata?.resourceVersion, running.metadata?.resourceVersion);
  // JSON patch too, through the same option.
  const jsonPatched = await api.patchNamespacedPod(
    { name: names[0], namespace: NS, body: [{ op: 'remove', path: '/metadata/labels/patched' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  assert.equal(jsonPatched.metadata?.labels?.patched, undefined);
  assert.equal(jsonPatched.metadata?.labels?.role, 'one');

  const deleted = await api.deleteNamespacedPod({ name: names[1], namespace: NS, gracePeriodSeconds: 0 });
  assert.equal(deleted.metadata?.name, names[1]);
  await d.waitForPodGone(names[1]);
  const after = await api.listNamespacedPod({ namespace: NS, labelSelector: `suite=cn-${run}` });
  assert.deepEqual(after.items.map((p) => p.metadata?.name), [names[0]]);
});

test('Watch sees ADDED, MODIFIED to Running and DELETED for a pod, in order', async (t) => {
  const { kc, api } = client();
  const name = `cn-w-${run}`;
  t.after(() => d.removePod(name));
  const events: { type: string; phase?: string; rv: number }[] = [];
  let sawDeleted!: () => void;
  const deletedSeen = new Promise<void>((r) => (sawDeleted = r));
  let doneErr: unknown = 'not called';
  const list = await api.listNamespacedPod({ namespace: NS });
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${NS}/pods`,
    { resourceVersion: list.metadata?.resourceVersion, fieldSelector: `metadata.name=${name}` },
    (type, obj: V1Pod) => {
      events.push({ type, phase: obj.status?.phase, rv: Number(obj.metadata?.resourceVersion) });
      if (type === 'DELETED') sawDeleted();
    },
    (err) => (doneErr = err),
  );
  try {
    await api.createNamespacedPod({ namespace: NS, body: pod(name, 'sleep 3600') });
    await waitRunning(api, name);
    await api.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      deletedSeen,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`no DELETED in ${stretch(30)} s; events: ${JSON.stringify(events)}`)), stretch(30_000)))),
    ]).finally(() => clearTimeout(timer));
  } finally {
    controller.abort();
  }
  assert.equal(events[0].type, 'ADDED', JSON.stringify(events));
  assert.equal(events[0].phase, 'Pending');
  assert.equal(events.at(-1)!.type, 'DELETED');
  const runningAt = events.findIndex((e) => e.type === 'MODIFIED' && e.phase === 'Running');
  assert.ok(runningAt > 0, `a MODIFIED to Running: ${JSON.stringify(events)}`);
  assert.ok(events.slice(1, -1).every((e) => e.type === 'MODIFIED'), JSON.stringify(events));
  for (let i = 1; i < events.length; i++) assert.ok(events[i].rv > events[i - 1].rv, `resourceVersions increase: ${JSON.stringify(events)}`);
  // Aborting our own watch ends it through the done callback, without a server error.
  assert.notEqual(doneErr, 'not called');
});

test('Log returns the container output, with tailLines and with follow', async (t) => {
  const { kc, api } = client();
  const name = `cn-l-${run}`;
  t.after(() => d.removePod(name));
  await api.createNamespacedPod({ namespace: NS, body: pod(name, 'for i in 1 2 3 4 5; do echo line-$i; done; sleep 2; echo late; sleep 3600') });
  await waitRunning(api, name);
  const log = new Log(kc);

  // Wait until the first five lines are in the log, then read them without follow.
  let all = '';
  for (const deadline = Date.now() + stretch(10_000); Date.now() < deadline && !all.includes('line-5'); ) {
    const out = collect();
    await log.log(NS, name, 'main', out.stream, { follow: false });
    await once(out.stream, 'finish');
    all = out.text();
  }
  assert.ok(all.startsWith('line-1\nline-2\nline-3\nline-4\nline-5\n'), JSON.stringify(all));

  const tail = collect();
  await log.log(NS, name, 'main', tail.stream, { follow: false, tailLines: 2 });
  await once(tail.stream, 'finish');
  assert.match(tail.text(), /^line-4\nline-5\n(late\n)?$/);

  // follow keeps the stream open and delivers the line written later.
  const followed = collect();
  let text = '';
  const controller = await log.log(NS, name, 'main', followed.stream, { follow: true, tailLines: 1 });
  try {
    for (const deadline = Date.now() + stretch(10_000); Date.now() < deadline && !(text = followed.text()).includes('late\n'); ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    controller.abort();
  }
  assert.ok(text === 'line-5\nlate\n' || text === 'late\n', JSON.stringify(text));

  const missing = await apiError(log.log(NS, name, 'nope', collect().stream, { follow: false }));
  assert.equal(missing.code, 400);
});

/** Runs one exec through the library; resolves when the Status arrives and the socket closes. */
async function exec(
  kc: KubeConfig,
  pod: string,
  command: string[],
  stdin: Readable | null = null,
  handler?: WebSocketHandler,
): Promise<{ out: string; err: string; status: V1Status; protocol: string }> {
  const out = collect();
  const err = collect();
  let status: V1Status | undefined;
  const ws = await new Exec(kc, handler).exec(NS, pod, 'main', command, out.stream, err.stream, stdin, false, (s) => (status = s));
  const protocol = ws.protocol;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exec did not finish; out=${out.text()} err=${err.text()}`)), stretch(20_000));
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.ok(status, 'a Status arrived on the error channel');
  return { out: out.text(), err: err.text(), status, protocol };
}

test('Exec: stdout, stderr and a non-zero exit code the Kubernetes way; stdin echoed by cat', async (t) => {
  const { kc, api } = client();
  const name = `cn-e-${run}`;
  t.after(() => d.removePod(name));
  await api.createNamespacedPod({ namespace: NS, body: pod(name, 'sleep 3600') });
  await waitRunning(api, name);

  const fail = await exec(kc, name, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(fail.protocol, 'v5.channel.k8s.io');
  assert.equal(fail.out, 'out\n');
  assert.equal(fail.err, 'err\n');
  assert.equal(fail.status.status, 'Failure');
  assert.equal(fail.status.reason, 'NonZeroExitCode');
  assert.deepEqual(fail.status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);

  const okRun = await exec(kc, name, ['sh', '-c', 'echo $((6 * 7)); cat /etc/hostname']);
  assert.equal(okRun.status.status, 'Success');
  assert.equal(okRun.out, `42\n${name}\n`);
  assert.equal(okRun.err, '');

  // stdin ends → the library sends the v5 close frame for channel 0 → cat sees EOF and exits 0.
  const payload = `hello from client-node ${run}\n${'x'.repeat(100_000)}\nbye\n`;
  const echoed = await exec(kc, name, ['cat'], Readable.from([payload.slice(0, 50_000), payload.slice(50_000)]));
  assert.equal(echoed.status.status, 'Success');
  assert.equal(echoed.out.length, payload.length);
  assert.equal(echoed.out, payload);

  const wc = await exec(kc, name, ['sh', '-c', 'wc -l; exit 5'], Readable.from(['a\nb\n', 'c\n']));
  assert.equal(wc.out.trim(), '3');
  assert.deepEqual(wc.status.details?.causes, [{ reason: 'ExitCode', message: '5' }]);

  // A client that offers only v4 (older client-node releases, other libraries): same Status on
  // channel 3. (Without the v5 close frame, v4 clients end stdin by closing the socket.)
  const v4Only = new WebSocketHandler(kc, (uri, _protocols, opts) => new WebSocket(uri, ['v4.channel.k8s.io'], opts));
  const v4 = await exec(kc, name, ['sh', '-c', 'echo four; echo e4 >&2; exit 4'], null, v4Only);
  assert.equal(v4.protocol, 'v4.channel.k8s.io');
  assert.equal(v4.out, 'four\n');
  assert.equal(v4.err, 'e4\n');
  assert.equal(v4.status.reason, 'NonZeroExitCode');
  assert.deepEqual(v4.status.details?.causes, [{ reason: 'ExitCode', message: '4' }]);
});

test("Attach: stdin to the container's own stdin (stdinOnce closes it), its stdout and stderr back, the session ends with it", async (t) => {
  const { kc, api } = client();
  const name = `cn-at-${run}`;
  t.after(() => d.removePod(name));
  const body = pod(name, 'cat; echo stdin-closed; echo to-stderr >&2');
  body.spec!.restartPolicy = 'Never';
  Object.assign(body.spec!.containers[0], { stdin: true, stdinOnce: true });
  await api.createNamespacedPod({ namespace: NS, body });
  await waitRunning(api, name);
  const out = collect();
  const err = collect();
  const input = Array.from({ length: 500 }, (_, i) => `attached line ${i}`).join('\n') + '\n';
  const ws = await new Attach(kc).attach(NS, name, 'main', out.stream, err.stream, Readable.from([input]), false);
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  await once(ws, 'close');
  assert.equal(out.text(), `${input}stdin-closed\n`);
  assert.equal(err.text(), 'to-stderr\n');
  const deadline = Date.now() + stretch(20_000);
  let done: V1Pod;
  while ((done = await api.readNamespacedPod({ name, namespace: NS })).status?.phase !== 'Succeeded') {
    assert.ok(Date.now() < deadline, `pod did not complete: ${JSON.stringify(done.status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test("PortForward carries an HTTP request to the pod's httpd (v4.channel.k8s.io)", async (t) => {
  const { kc, api } = client();
  const name = `cn-pf-${run}`;
  t.after(() => d.removePod(name));
  await api.createNamespacedPod({
    namespace: NS,
    body: pod(name, `mkdir -p /www && echo hello-${run} > /www/index.html && exec httpd -f -p 8080 -h /www`),
  });
  await waitRunning(api, name);

  const get = async (): Promise<{ response: string; errors: string; protocol: string }> => {
    const output = collect();
    const errors = collect();
    // The library closes the socket when input ends: keep it open until the pod has answered.
    const input = new PassThrough();
    const ws = (await new PortForward(kc).portForward(NS, name, [8080], output.stream, errors.stream, input)) as WebSocket;
    const closed = once(ws, 'close');
    input.write('GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n');
    // httpd answers and closes its connection; the server then closes the WebSocket.
    const timer = setTimeout(() => ws.terminate(), stretch(10_000));
    await closed;
    clearTimeout(timer);
    input.end();
    return { response: output.text(), errors: errors.text(), protocol: ws.protocol };
  };
  // httpd may still be starting: retry a refused connection for a little while.
  let r = await get();
  for (const deadline = Date.now() + stretch(5000); r.response === '' && Date.now() < deadline; ) r = await get();
  assert.equal(r.protocol, 'v4.channel.k8s.io');
  assert.match(r.response, /^HTTP\/1\.[01] 200 OK\r\n/);
  assert.ok(r.response.endsWith(`\r\n\r\nhello-${run}\n`), JSON.stringify(r.response));
  assert.equal(r.errors, '');

  // A port nobody listens on: the error channel says so and the socket closes.
  const output = collect();
  const errors = collect();
  const input = new PassThrough();
  const ws = (await new PortForward(kc).portForward(NS, name, [9], output.stream, errors.stream, input)) as WebSocket;
  await once(ws, 'close');
  input.end();
  assert.equal(output.text(), '');
  assert.match(errors.text(), /error forwarding port 9: connect ECONNREFUSED/);
});

test('an informer lists, then watches: add, update and delete reach the handlers and the cache', async (t) => {
  const { kc, api } = client();
  const name = `cn-i-${run}`;
  t.after(() => d.removePod(name));
  // One pod exists before the informer starts: it must come from the list.
  await api.createNamespacedPod({ namespace: NS, body: pod(`${name}-0`, 'sleep 3600', { informer: run }) });
  t.after(() => d.removePod(`${name}-0`));
  const selector = `informer=${run}`;
  const informer = makeInformer(kc, `/api/v1/namespaces/${NS}/pods`, () => api.listNamespacedPod({ namespace: NS, labelSelector: selector }), selector);
  const seen: string[] = [];
  let deleted!: () => void;
  const gone = new Promise<void>((r) => (deleted = r));
  informer.on('add', (p: V1Pod) => seen.push(`add ${p.metadata?.name}`));
  informer.on('update', (p: V1Pod) => seen.push(`update ${p.metadata?.name} ${p.status?.phase}`));
  informer.on('delete', (p: V1Pod) => {
    seen.push(`delete ${p.metadata?.name}`);
    if (p.metadata?.name === name) deleted();
  });
  informer.on('error', (err: unknown) => seen.push(`error ${String(err)}`));
  await informer.start();
  try {
    assert.deepEqual(informer.list(NS).map((p) => p.metadata?.name), [`${name}-0`]);
    await api.createNamespacedPod({ namespace: NS, body: pod(name, 'sleep 3600', { informer: run }) });
    await waitRunning(api, name);
    await api.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`no delete: ${seen.join(', ')}`)), stretch(30_000))))]).finally(() =>
      clearTimeout(timer),
    );
    assert.equal(seen[0], `add ${name}-0`);
    assert.ok(seen.includes(`add ${name}`), seen.join(', '));
    assert.ok(seen.includes(`update ${name} Running`), seen.join(', '));
    assert.equal(seen.at(-1), `delete ${name}`);
    assert.ok(!seen.some((e) => e.startsWith('error')), seen.join(', '));
    assert.equal(informer.get(name, NS), undefined);
    assert.equal(informer.get(`${name}-0`, NS)?.metadata?.labels?.informer, run);
  } finally {
    await informer.stop();
  }
});

test('KubernetesObjectApi resolves kinds through discovery: ConfigMap create, read, merge patch, list, delete', async () => {
  const { kc } = client();
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const name = `cn-cm-${run}`;
  const created = await objects.create<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { a: '1' } });
  try {
    assert.equal(created.data?.a, '1');
    const read = await objects.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS } });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    const patched = await objects.patch<V1ConfigMap>(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { b: '2' } },
      undefined, undefined, undefined, undefined, PatchStrategy.MergePatch,
    );
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    const list = await objects.list<V1ConfigMap>('v1', 'ConfigMap', NS, undefined, undefined, undefined, `metadata.name=${name}`);
    assert.deepEqual(list.items.map((c) => c.data), [{ a: '1', b: '2' }]);
  } finally {
    await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS } });
  }
  const missing = await apiError(objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS } }));
  assert.equal(missing.code, 404);
});

test('errors: a missing pod is a 404 ApiException with a Status; an invalid pod is 422', async () => {
  const { api } = client();
  const missingName = `cn-missing-${run}`;
  const notFound = await apiError(api.readNamespacedPod({ name: missingName, namespace: NS }));
  assert.equal(notFound.code, 404);
  const status = JSON.parse(notFound.body) as V1Status;
  assert.equal(status.kind, 'Status');
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NotFound');
  assert.equal(status.code, 404);
  assert.equal(status.details?.name, missingName);
  assert.equal(status.details?.kind, 'pods');
  assert.match(status.message ?? '', new RegExp(`pods "${missingName}" not found`));

  const bad = pod(`Bad_Name-${run}`, 'true');
  const invalid = await apiError(api.createNamespacedPod({ namespace: NS, body: bad }));
  assert.equal(invalid.code, 422);
  const st = JSON.parse(invalid.body) as V1Status;
  assert.equal(st.reason, 'Invalid');
  assert.ok(st.details?.causes?.some((c) => c.field === 'metadata.name'), JSON.stringify(st));

  const noContainers: V1Pod = { metadata: { name: `cn-empty-${run}` }, spec: { containers: [] } };
  const invalid2 = await apiError(api.createNamespacedPod({ namespace: NS, body: noContainers }));
  assert.equal(invalid2.code, 422);
  // Nothing was stored.
  const list = await api.listNamespacedPod({ namespace: NS, fieldSelector: `metadata.name=cn-empty-${run}` });
  assert.equal(list.items.length, 0);

  const exists = await apiError(api.deleteNamespacedPod({ name: missingName, namespace: NS }));
  assert.equal(exists.code, 404);
});
