/**
 * The HTTPS API: credentials made on first start and kept (modes 0600), a certificate for
 * 127.0.0.1/localhost/the host name signed by the CA in the kubeconfig, 401 without the token on
 * every path and on upgrades, `peapod kubeconfig`, and the real kubectl talking to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync, readFileSync, existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { TestDaemon, peapodBin } from './helpers/test-daemon.js';
import { httpsCall, readKubeconfig, type KubeconfigInfo } from './helpers/https-api.js';

const run = promisify(execFile);
let d: TestDaemon;
let kc: KubeconfigInfo;

before(async () => {
  d = new TestDaemon();
  await d.start();
  kc = await readKubeconfig(d.kubeconfigPath);
});
after(async () => {
  await d?.cleanup();
});

test('credentials live in the data dir, root-only, and the certificate names this host', () => {
  const pki = `${d.base}/data/pki`;
  for (const f of ['ca.key', 'apiserver.key', 'admin.token']) {
    assert.equal(statSync(`${pki}/${f}`).mode & 0o777, 0o600, f);
  }
  assert.equal(statSync(d.kubeconfigPath).mode & 0o777, 0o600);
  assert.equal(statSync(pki).mode & 0o777, 0o700);
  const cert = new X509Certificate(readFileSync(`${pki}/apiserver.crt`));
  const ca = new X509Certificate(kc.caPem);
  assert.ok(cert.verify(ca.publicKey), 'serving cert is signed by the kubeconfig CA');
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.ok(cert.checkHost('localhost'));
  assert.ok(cert.checkHost(hostname().toLowerCase()), `SANs: ${cert.subjectAltName}`);
  assert.equal(kc.token, readFileSync(`${pki}/admin.token`, 'utf8').trim());
  assert.match(kc.server, /^https:\/\/127\.0\.0\.1:\d+$/);
});

test('the token opens the API; no token or a wrong one gets 401 on every path', async () => {
  const ok = await httpsCall(kc, 'GET', '/version');
  assert.equal(ok.code, 200);
  assert.equal(JSON.parse(ok.body).minor, '32');
  const viaName = await httpsCall(kc, 'GET', '/api/v1/namespaces/default/pods', { host: 'localhost' });
  assert.equal(viaName.code, 200, 'TLS verifies against the CA by host name too');
  const paths: [string, string][] = [
    ['GET', '/version'], ['GET', '/healthz'], ['GET', '/api'], ['GET', '/apis'], ['GET', '/api/v1/pods'],
    ['GET', '/nonexistent'], ['POST', '/api/v1/namespaces/default/pods'], ['DELETE', '/api/v1/namespaces/default'],
    ['GET', '/api/v1/namespaces/default/pods/x/log'],
  ];
  for (const token of [null, 'wrong', `${kc.token}x`, '']) {
    for (const [method, path] of paths) {
      const r = await httpsCall(kc, method, path, { token, body: method === 'POST' ? '{"metadata":{"name":"sneaky"}}' : undefined });
      assert.equal(r.code, 401, `${method} ${path} with token ${String(token)}`);
      const status = JSON.parse(r.body);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'Unauthorized');
    }
  }
  const basic = await httpsCall(kc, 'GET', '/version', { token: null, headers: { Authorization: `Basic ${Buffer.from(`admin:${kc.token}`).toString('base64')}` } });
  assert.equal(basic.code, 401);
  // Nothing reached the store.
  const pods = await d.client.listPods('default');
  assert.equal(pods.items.some((p) => p.metadata?.name === 'sneaky'), false);
});

test('an upgrade (exec) without the token gets 401 before any handler', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: kc.port, ca: kc.caPem, servername: 'localhost' }, () => {
      s.write(
        'GET /api/v1/namespaces/default/pods/x/exec?command=sh&stdout=true HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n',
      );
    });
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 401 /);
});

test('peapod kubeconfig prints the admin kubeconfig', async () => {
  const { stdout } = await run(peapodBin, ['kubeconfig', '--data-dir', `${d.base}/data`]);
  assert.equal(stdout, readFileSync(d.kubeconfigPath, 'utf8'));
  const missing = await run(peapodBin, ['kubeconfig', '--data-dir', `${d.base}/nope`]).then(
    () => 0,
    (e: { code: number; stderr: string }) => (assert.match(e.stderr, /admin\.kubeconfig/), e.code),
  );
  assert.equal(missing, 1);
});

test('kubectl version over HTTPS with the admin kubeconfig', async (t) => {
  if (!existsSync('/usr/bin/kubectl')) {
    t.skip('NO KUBECTL on this machine: the kubectl check is skipped');
    return;
  }
  const { stdout } = await run('kubectl', ['version'], { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, KUBECACHEDIR: `${d.base}/kcache`, HOME: d.base } });
  assert.match(stdout, /Server Version: v1\.32/);
});

test('the credentials survive a restart', async () => {
  const before = readFileSync(`${d.base}/data/pki/apiserver.crt`, 'utf8');
  await d.stop();
  await d.start();
  const again = await readKubeconfig(d.kubeconfigPath);
  assert.equal(again.token, kc.token);
  assert.equal(again.caPem, kc.caPem);
  assert.equal(readFileSync(`${d.base}/data/pki/apiserver.crt`, 'utf8'), before);
  kc = again;
  assert.equal((await httpsCall(kc, 'GET', '/version')).code, 200);
});
