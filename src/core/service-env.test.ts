import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEnvironment } from './service-env.js';
import { admitServiceAccount, SERVICE_ACCOUNT_MOUNT_PATH } from './service-account-admission.js';
import { ForbiddenError } from './errors.js';
import type { Pod, Service } from './types.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });
const services = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('app', 'redis-master', { clusterIP: '10.96.0.11', ports: [{ port: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, protocol: 'TCP' }] }),
  svc('app', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
  svc('other', 'db', { clusterIP: '10.96.0.12', ports: [{ port: 5432 }] }),
];
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { namespace: 'app', name: 'p' }, spec: { containers: [{ name: 'c' }], ...spec } });

test('KUBERNETES_* always; the namespace\'s Services with enableServiceLinks, in the kubelet\'s shapes', () => {
  const env = Object.fromEntries(serviceEnvironment(pod(), services).map((e) => [e.name, e.value]));
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(env.KUBERNETES_PORT, 'tcp://10.96.0.1:443');
  assert.equal(env.REDIS_MASTER_SERVICE_HOST, '10.96.0.11');
  assert.equal(env.REDIS_MASTER_SERVICE_PORT, '6379');
  assert.equal(env.REDIS_MASTER_SERVICE_PORT_METRICS, '9121');
  assert.equal(env.REDIS_MASTER_PORT_6379_TCP, 'tcp://10.96.0.11:6379');
  assert.equal(env.REDIS_MASTER_PORT_6379_TCP_PROTO, 'tcp');
  assert.equal(env.REDIS_MASTER_PORT_6379_TCP_PORT, '6379');
  assert.equal(env.REDIS_MASTER_PORT_6379_TCP_ADDR, '10.96.0.11');
  assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
  assert.equal(env.DB_SERVICE_HOST, undefined, 'other namespaces never');
  const off = serviceEnvironment(pod({ enableServiceLinks: false }), services).map((e) => e.name);
  assert.ok(off.includes('KUBERNETES_SERVICE_HOST') && !off.some((n) => n.startsWith('REDIS')));
});

test('admission: serviceAccountName defaults to default, the token volume is mounted everywhere unless turned off', () => {
  const sas = [{ metadata: { namespace: 'app', name: 'default' } }, { metadata: { namespace: 'app', name: 'quiet' }, automountServiceAccountToken: false }];
  const admitted = admitServiceAccount(pod({ initContainers: [{ name: 'i' }] }), sas, 'abcde');
  assert.equal(admitted.spec?.serviceAccountName, 'default');
  const vol = admitted.spec?.volumes?.[0];
  assert.equal(vol?.name, 'kube-api-access-abcde');
  assert.deepEqual(vol?.projected?.sources?.[0].serviceAccountToken, { expirationSeconds: 3607, path: 'token' });
  for (const c of [...admitted.spec!.initContainers!, ...admitted.spec!.containers]) {
    assert.deepEqual(c.volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
  }
  assert.equal(admitServiceAccount(pod({ serviceAccountName: 'quiet' }), sas, 'x').spec?.volumes, undefined, 'the service account turns it off');
  assert.equal(admitServiceAccount(pod({ automountServiceAccountToken: false }), sas, 'x').spec?.volumes, undefined, 'the pod turns it off');
  assert.throws(() => admitServiceAccount(pod({ serviceAccountName: 'ghost' }), sas, 'x'), (e: unknown) => e instanceof ForbiddenError && /error looking up service account app\/ghost: serviceaccount "ghost" not found/.test(e.message));
  assert.equal(admitServiceAccount(pod(), [], 'x').spec?.volumes?.length, 1, 'a default account not made yet is waited for, not refused');
});
