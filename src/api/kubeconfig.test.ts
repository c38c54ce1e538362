import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { adminKubeconfig, serverUrl } from './kubeconfig.js';

test('the admin kubeconfig carries the server, the CA inline and the token', () => {
  const cfg = parse(adminKubeconfig({ server: serverUrl('127.0.0.1', 6443), caPem: 'PEM', token: 't0k' }));
  assert.equal(cfg.clusters[0].cluster.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), 'PEM');
  assert.equal(cfg.users[0].user.token, 't0k');
  assert.equal(cfg.contexts[0].context.user, cfg.users[0].name);
  assert.equal(cfg['current-context'], cfg.contexts[0].name);
  assert.equal(serverUrl('::1', 1), 'https://[::1]:1');
});
