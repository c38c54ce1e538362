import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
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
import { Authenticator } from './authentication.js';
import { ServiceAccountTokenIssuer } from './service-account-tokens.js';

/** The API on a unix socket (the admin) and on a second socket whose requests authenticate as an HTTPS listener's would. */
async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-authz-'));
  const store = new SqliteStore(':memory:');
  const clock = new FakeClock(Date.now());
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tokens = new ServiceAccountTokenIssuer(store, clock, privateKey, publicKey);
  const api = createApiServer({ store, images: new FakeImageManager(), runtime: new FakePodRuntimeAccess(), logs: new FakeContainerLogs(), nodeName: 'node1', clock, tokens });
  await api.listen(join(dir, 'admin.sock'));
  const authn = new Authenticator({ adminToken: 'admin-secret', serviceAccountKey: publicKey, store, clock });
  const userServer = createServer((req: IncomingMessage, res) => {
    const user = authn.authenticate(req);
    if (!user) {
      res.writeHead(401).end();
      return;
    }
    api.handleRequest(req, res, user);
  });
  await new Promise<void>((r) => userServer.listen(join(dir, 'user.sock'), r));
  t.after(async () => {
    userServer.close();
    await api.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = (m: string, p: string, b?: unknown, h?: Record<string, string>) => call(join(dir, 'admin.sock'), m, p, b, h);
  const as = (token: string) => (m: string, p: string, b?: unknown) => call(join(dir, 'user.sock'), m, p, b, { Authorization: `Bearer ${token}` });
  return { admin, as };
}

const sa = (name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });

test('a service account token is 403 for pods until a RoleBinding grants them; then 200', async (t) => {
  const { admin, as } = await setup(t);
  assert.equal((await admin('POST', '/api/v1/namespaces/default/serviceaccounts', sa('reader'))).status, 201);
  const tr = await admin('POST', '/api/v1/namespaces/default/serviceaccounts/reader/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.equal(tr.status, 201, tr.text);
  const reader = as(tr.json.status.token);
  const denied = await reader('GET', '/api/v1/namespaces/default/pods');
  assert.equal(denied.status, 403);
  assert.equal(denied.json.reason, 'Forbidden');
  assert.equal(denied.json.message, 'pods is forbidden: User "system:serviceaccount:default:reader" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.equal((await reader('GET', '/apis')).status, 200, 'discovery is open to every authenticated user');
  const rb = await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'reader-view' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'default' }],
  });
  assert.equal(rb.status, 201, rb.text);
  assert.equal((await reader('GET', '/api/v1/namespaces/default/pods')).status, 200);
  assert.equal((await reader('GET', '/api/v1/namespaces/kube-system/pods')).status, 403, 'only in the RoleBinding namespace');
  assert.equal((await reader('GET', '/api/v1/namespaces/default/secrets')).status, 403, 'view does not read secrets');
  const whoami = await reader('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  assert.equal(whoami.json.status.userInfo.username, 'system:serviceaccount:default:reader');
  // The token dies with its service account (a new one of the same name has another uid).
  await admin('DELETE', '/api/v1/namespaces/default/serviceaccounts/reader');
  await admin('POST', '/api/v1/namespaces/default/serviceaccounts', sa('reader'));
  assert.equal((await reader('GET', '/api/v1/namespaces/default/pods')).status, 401);
  assert.equal((await as('admin-secret')('GET', '/api/v1/nodes')).status, 200, 'the admin token stays all-powerful');
});

test('SelfSubjectAccessReview answers for the caller, or for whom the admin impersonates (kubectl auth can-i --as)', async (t) => {
  const { admin } = await setup(t);
  const ssar = (headers: Record<string, string> = {}) =>
    admin('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } }, headers);
  assert.equal((await ssar()).json.status.allowed, true);
  const asSa = await ssar({ 'Impersonate-User': 'system:serviceaccount:default:nobody' });
  assert.equal(asSa.status, 201, asSa.text);
  assert.equal(asSa.json.status.allowed, false);
  const rules = await admin('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }, { 'Impersonate-User': 'system:serviceaccount:default:nobody' });
  assert.ok(rules.json.status.resourceRules.some((r: { resources?: string[] }) => r.resources?.includes('selfsubjectaccessreviews')));
  assert.ok(!rules.json.status.resourceRules.some((r: { resources?: string[] }) => r.resources?.includes('*')));
});

test('TokenRequest: 404 for a missing service account, 422 naming expirationSeconds, a pod binding checked', async (t) => {
  const { admin } = await setup(t);
  const req = (name: string, spec: Record<string, unknown>) => admin('POST', `/api/v1/namespaces/default/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  assert.equal((await req('ghost', {})).status, 404);
  await admin('POST', '/api/v1/namespaces/default/serviceaccounts', sa('default'));
  const short = await req('default', { expirationSeconds: 60 });
  assert.equal(short.status, 422);
  assert.equal(short.json.details.causes[0].field, 'spec.expirationSeconds');
  const bound = await req('default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } });
  assert.equal(bound.status, 404);
});
