import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite-store.js';
import { call } from '../testing/api-test-client.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeContainerLogs } from '../testing/fake-container-logs.js';
import { FakeImageManager } from '../testing/fake-image-manager.js';
import { FakePodRuntimeAccess } from '../testing/fake-pod-runtime-access.js';
import { createApiServer } from './server.js';

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-api-svc-'));
  const socketPath = join(dir, 'api.sock');
  const store = new SqliteStore(':memory:');
  const api = createApiServer({
    store,
    images: new FakeImageManager(),
    runtime: new FakePodRuntimeAccess(),
    logs: new FakeContainerLogs(),
    nodeName: 'node1',
    clock: new FakeClock(),
    services: { serviceCidr: '10.100.0.0/24', nodePortRange: { min: 30000, max: 32767 } },
  });
  await api.listen(socketPath);
  t.after(async () => {
    await api.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(socketPath, method, path, body, headers);
}

const SVCS = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

test('Services: a ClusterIP from --service-cidr, NodePorts, the table kubectl get svc prints', async (t) => {
  const req = await setup(t);
  const web = await req('POST', SVCS, svc('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }));
  assert.equal(web.status, 201, web.text);
  assert.match(web.json.spec.clusterIP, /^10\.100\.0\.\d+$/);
  const np = await req('POST', SVCS, svc('np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  assert.equal(np.status, 201, np.text);
  const table = await req('GET', `${SVCS}?includeObject=None`, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(
    table.json.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
  );
  const row = table.json.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'np').cells;
  assert.equal(row[1], 'NodePort');
  assert.equal(row[3], '<none>');
  assert.match(row[4], /^80:3\d{4}\/TCP,53:3\d{4}\/UDP$/);
  assert.equal(row[6], 'app=web');
  const discovery = (await req('GET', '/api/v1')).json.resources.find((r: { name: string }) => r.name === 'services');
  assert.deepEqual([discovery.shortNames, discovery.categories], [['svc'], ['all']]);
});

test('bad Services get a 422 naming the field, and nothing is stored', async (t) => {
  const req = await setup(t);
  await req('POST', SVCS, svc('dns', { clusterIP: '10.100.0.10', ports: [{ port: 53, protocol: 'UDP' }] }));
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ clusterIP: '10.0.0.1', ports: [{ port: 80 }] }, 'spec.clusterIPs'],
    [{ clusterIP: '10.100.0.10', ports: [{ port: 80 }] }, 'spec.clusterIPs'],
    [{ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }, 'spec.ports[0].nodePort'],
    [{ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }, 'spec.ports[1].name'],
  ];
  for (const [spec, field] of cases) {
    const res = await req('POST', SVCS, svc('bad', spec));
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.reason, 'Invalid');
    assert.equal(res.json.details.causes[0].field, field, res.text);
    assert.match(res.json.message, /^Service "bad" is invalid: /);
  }
  assert.equal((await req('GET', `${SVCS}/bad`)).status, 404);
  const taken = await req('POST', SVCS, svc('np1', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  assert.equal(taken.status, 201);
  const again = await req('POST', SVCS, svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  assert.equal(again.json.details.causes[0].message, 'Invalid value: 30080: provided port is already allocated');
});

test('Endpoints, EndpointSlices, ServiceAccounts and RBAC objects are served with their columns', async (t) => {
  const req = await setup(t);
  const slice = await req('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.90.0.5'] }, { addresses: ['10.90.0.6'] }],
    ports: [{ name: 'http', port: 8080 }],
  });
  assert.equal(slice.status, 201, slice.text);
  const loopback = await req('POST', '/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'ext' },
    subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }],
  });
  assert.equal(loopback.status, 422);
  assert.equal(loopback.json.details.causes[0].field, 'subsets[0].addresses[0].ip');
  const t1 = await req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(t1.json.rows[0].cells.slice(0, 4), ['web-abc', 'IPv4', '8080', '10.90.0.5,10.90.0.6']);
  const sa = await req('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } });
  assert.equal(sa.status, 201);
  const rb = await req('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'read' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader' }],
  });
  assert.equal(rb.status, 201, rb.text);
  const t2 = await req('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual([t2.json.rows[0].cells[1], t2.json.rows[0].cells[5]], ['ClusterRole/view', 'default/reader']);
  const bad = await req('PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/read', { ...rb.json, roleRef: { ...rb.json.roleRef, name: 'edit' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.details.causes[0].field, 'roleRef');
});
