import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite-store.js';
import { call, stream } from '../testing/api-test-client.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeContainerLogs } from '../testing/fake-container-logs.js';
import { FakeImageManager } from '../testing/fake-image-manager.js';
import { FakePodRuntimeAccess } from '../testing/fake-pod-runtime-access.js';
import { createApiServer } from './server.js';

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-cfg-'));
  const socketPath = join(dir, 'api.sock');
  const store = new SqliteStore(':memory:');
  const api = createApiServer({
    store,
    images: new FakeImageManager(),
    runtime: new FakePodRuntimeAccess(),
    logs: new FakeContainerLogs(),
    nodeName: 'node1',
    clock: new FakeClock(),
  });
  await api.listen(socketPath);
  t.after(async () => {
    await api.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const req = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(socketPath, method, path, body, headers);
  return { socketPath, store, req };
}

const CMS = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';

test('configmaps: create, get, list, update, merge patch, delete answers a Status', async (t) => {
  const { req } = await setup(t);
  const created = await req('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1' } });
  assert.equal(created.status, 201);
  assert.equal(created.json.metadata.namespace, 'default');
  assert.ok(created.json.metadata.uid);
  assert.equal((await req('GET', `${CMS}/cm1`)).json.data.a, '1');
  assert.equal((await req('POST', CMS, { metadata: { name: 'cm1' } })).status, 409);
  const put = await req('PUT', `${CMS}/cm1`, { ...created.json, data: { a: '2' } });
  assert.equal(put.status, 200);
  assert.equal(put.json.data.a, '2');
  const stale = await req('PUT', `${CMS}/cm1`, { ...created.json, data: { a: '3' } });
  assert.equal(stale.status, 409);
  const patched = await req('PATCH', `${CMS}/cm1`, { data: { b: 'x' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.deepEqual(patched.json.data, { a: '2', b: 'x' });
  assert.equal((await req('GET', '/api/v1/configmaps')).json.items.length, 1);
  assert.equal((await req('GET', CMS)).json.kind, 'ConfigMapList');
  const del = await req('DELETE', `${CMS}/cm1`);
  assert.equal(del.status, 200);
  assert.deepEqual([del.json.kind, del.json.status, del.json.details.name, del.json.details.kind], ['Status', 'Success', 'cm1', 'configmaps']);
  assert.equal((await req('GET', `${CMS}/cm1`)).status, 404);
  assert.equal((await req('GET', `${CMS}/cm1`)).json.message, 'configmaps "cm1" not found');
});

test('configmaps: invalid keys and names get Kubernetes messages; non-string values are a 400', async (t) => {
  const { req } = await setup(t);
  const bad = await req('POST', CMS, { metadata: { name: 'cm2' }, data: { 'a/b': 'x', '..x': 'y' } });
  assert.equal(bad.status, 422);
  assert.match(bad.json.message, /data\[a\/b\]: Invalid value: "a\/b": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/);
  assert.match(bad.json.message, /data\[\.\.x\]: Invalid value: "\.\.x": must not start with '\.\.'/);
  const badName = await req('POST', CMS, { metadata: { name: 'Bad_Name' } });
  assert.equal(badName.status, 422);
  assert.match(badName.json.message, /metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const num = await req('POST', CMS, { metadata: { name: 'cm3' }, data: { a: 1 } });
  assert.equal(num.status, 400);
  assert.match(num.json.message, /cannot unmarshal number into Go struct field ConfigMap\.data of type string/);
  const long = await req('POST', CMS, { metadata: { name: 'cm4' }, data: { ['k'.repeat(254)]: 'x' } });
  assert.match(long.json.message, /must be no more than 253 characters/);
});

test('configmaps: immutable refuses data changes and unsetting immutable', async (t) => {
  const { req } = await setup(t);
  await req('POST', CMS, { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
  const res = await req('PATCH', `${CMS}/frozen`, { data: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(res.status, 422);
  assert.match(res.json.message, /data: Forbidden: field is immutable when `immutable` is set/);
  const unset = await req('PATCH', `${CMS}/frozen`, { immutable: false }, { 'Content-Type': 'application/merge-patch+json' });
  assert.match(unset.json.message, /immutable: Forbidden/);
  const labels = await req('PATCH', `${CMS}/frozen`, { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(labels.status, 200);
});

test('secrets: type Opaque by default, stringData merged into data and dropped, base64 checked', async (t) => {
  const { req } = await setup(t);
  const res = await req('POST', SECRETS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's1' },
    data: { a: Buffer.from('one').toString('base64'), b: Buffer.from('two').toString('base64') },
    stringData: { b: 'TWO', c: 'three' },
  });
  assert.equal(res.status, 201);
  assert.equal(res.json.type, 'Opaque');
  assert.equal(res.json.stringData, undefined);
  const decoded = Object.fromEntries(Object.entries(res.json.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(decoded, { a: 'one', b: 'TWO', c: 'three' });
  const bad = await req('POST', SECRETS, { metadata: { name: 's2' }, data: { a: 'not base64!' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /^Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte \d+/);
  const tls = await req('POST', SECRETS, { metadata: { name: 's3' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } });
  assert.equal(tls.status, 422);
  assert.match(tls.json.message, /data\[tls\.key\]: Required value/);
  const typeChange = await req('PATCH', `${SECRETS}/s1`, { type: 'Other' }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(typeChange.status, 422);
  assert.match(typeChange.json.message, /type: Invalid value: "Other": field is immutable/);
  const list = await req('GET', `${SECRETS}?fieldSelector=type%3DOpaque`);
  assert.deepEqual(list.json.items.map((s: { metadata: { name: string } }) => s.metadata.name), ['s1']);
});

test('configmaps: watch delivers changes; discovery lists cm and secrets; missing namespace is 404', async (t) => {
  const { req, socketPath } = await setup(t);
  const w = stream(socketPath, `${CMS}?watch=true`);
  assert.equal(await w.status, 200);
  await req('POST', CMS, { metadata: { name: 'w1' }, data: {} });
  const line = await w.next();
  w.close();
  assert.ok(line);
  const ev = JSON.parse(line);
  assert.deepEqual([ev.type, ev.object.metadata.name], ['ADDED', 'w1']);
  const disc = await req('GET', '/api/v1');
  const cm = disc.json.resources.find((r: { name: string }) => r.name === 'configmaps');
  assert.deepEqual(cm.shortNames, ['cm']);
  assert.ok(disc.json.resources.some((r: { name: string }) => r.name === 'secrets'));
  const missing = await req('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
  assert.equal(missing.status, 404);
});
