import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidError } from './errors.js';
import { prepareService } from './service-validation.js';
import type { Service } from './types.js';

const cfg = { serviceCidr: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 } };
const svc = (name: string, spec: Service['spec']): Service => ({ metadata: { namespace: 'default', name }, spec });
const causes = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidError, String(err));
    return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
  assert.fail('no error');
};

test('defaults: type, protocol, targetPort, affinity, policies, a ClusterIP from the upper band of the range', () => {
  const s = prepareService(svc('web', { selector: { app: 'web' }, ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }), undefined, [], cfg);
  assert.equal(s.spec?.type, 'ClusterIP');
  assert.deepEqual(s.spec?.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(s.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800);
  assert.equal(s.spec?.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(s.spec?.ipFamilies, ['IPv4']);
  const ip = s.spec!.clusterIP!;
  assert.deepEqual(s.spec?.clusterIPs, [ip]);
  const [, , c, d] = ip.split('.').map(Number);
  assert.ok(c * 256 + d > 256, `dynamic allocations stay above the static band: ${ip}`);
  const again = prepareService(svc('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }), undefined, [], cfg);
  assert.equal(again.spec?.clusterIP, ip, 'the same name gets the same address back');
});

test('a chosen ClusterIP is honoured; out of range or taken, the Status names spec.clusterIPs', () => {
  const dns = prepareService(svc('dns', { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] }), undefined, [], cfg);
  assert.equal(dns.spec?.clusterIP, '10.96.0.10');
  assert.deepEqual(causes(() => prepareService(svc('x', { clusterIP: '10.0.0.5', ports: [{ port: 80 }] }), undefined, [], cfg)), [
    'spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/16',
  ]);
  assert.deepEqual(causes(() => prepareService(svc('y', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] }), undefined, [dns], cfg)), [
    'spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
  ]);
  const auto = prepareService(svc('z', { ports: [{ port: 80 }] }), undefined, [dns], cfg);
  assert.notEqual(auto.spec?.clusterIP, '10.96.0.10');
});

test('NodePorts: allocated in range, a taken or out-of-range one refused naming the port', () => {
  const np = prepareService(svc('np', { type: 'NodePort', ports: [{ port: 80 }] }), undefined, [], cfg);
  const port = np.spec!.ports![0].nodePort!;
  assert.ok(port >= 30000 && port <= 32767);
  assert.equal(np.spec?.externalTrafficPolicy, 'Cluster');
  assert.deepEqual(causes(() => prepareService(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }), undefined, [np], cfg)), [
    `spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`,
  ]);
  assert.deepEqual(causes(() => prepareService(svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }), undefined, [], cfg)), [
    'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
  assert.match(causes(() => prepareService(svc('d', { ports: [{ port: 80, nodePort: 30001 }] }), undefined, [], cfg))[0], /spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
});

test('port names: required with several ports, unique', () => {
  assert.deepEqual(causes(() => prepareService(svc('p', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }), undefined, [], cfg)), ['spec.ports[1].name: Duplicate value: "http"']);
  assert.deepEqual(causes(() => prepareService(svc('p', { ports: [{ name: 'http', port: 80 }, { port: 81 }] }), undefined, [], cfg)), ['spec.ports[1].name: Required value']);
  assert.deepEqual(causes(() => prepareService(svc('p', {}), undefined, [], cfg)), ['spec.ports: Required value']);
  assert.match(causes(() => prepareService(svc('P', { ports: [{ port: 80 }] }), undefined, [], cfg))[0], /^metadata.name: Invalid value: "P": a DNS-1035 label/);
});

test('headless and ExternalName: no ClusterIP allocated', () => {
  const h = prepareService(svc('h', { clusterIP: 'None', selector: { app: 'db' } }), undefined, [], cfg);
  assert.deepEqual(h.spec?.clusterIPs, ['None']);
  const e = prepareService(svc('e', { type: 'ExternalName', externalName: 'db.example.com' }), undefined, [], cfg);
  assert.equal(e.spec?.clusterIP, undefined);
  assert.deepEqual(causes(() => prepareService(svc('e', { type: 'ExternalName' }), undefined, [], cfg)), ['spec.externalName: Required value']);
});

test('an update keeps what was allocated when the client leaves it out, and may not change the ClusterIP', () => {
  const stored = prepareService(svc('web', { type: 'NodePort', ports: [{ port: 80 }] }), undefined, [], cfg);
  const applied = prepareService(svc('web', { type: 'NodePort', ports: [{ port: 80 }] }), stored, [stored], cfg);
  assert.equal(applied.spec?.clusterIP, stored.spec?.clusterIP);
  assert.equal(applied.spec?.ports?.[0].nodePort, stored.spec?.ports?.[0].nodePort);
  assert.match(causes(() => prepareService(svc('web', { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80 }] }), stored, [stored], cfg))[0], /^spec\.clusterIPs\[0\]: .*may not change once set/);
  const toClusterIP = prepareService(svc('web', { ports: [{ port: 80 }] }), stored, [stored], cfg);
  assert.equal(toClusterIP.spec?.ports?.[0].nodePort, undefined, 'back to ClusterIP: the NodePort is released');
});
