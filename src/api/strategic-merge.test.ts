import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch as smp } from './strategic-merge.js';

const live = {
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'busybox' },
    ],
    tolerations: [{ key: 'x' }],
  },
};

test('kubectl apply patch: containers merge by name, $setElementOrder dropped, other fields kept', () => {
  const out = smp(live, {
    metadata: { labels: { tier: 'front' } },
    spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ name: 'nginx', image: 'nginx:1.28' }] },
  }) as typeof live;
  assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front' });
  assert.equal(out.spec.containers.length, 2);
  assert.equal(out.spec.containers[0].image, 'nginx:1.28');
  assert.equal(out.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.ok(!('$setElementOrder/containers' in out.spec));
  assert.equal(live.spec.containers[0].image, 'nginx:1.27', 'the original is not modified');
});

test('directives: $patch delete/replace, null, $retainKeys, $deleteFromPrimitiveList, ordering, atomic lists', () => {
  const out = smp(live, {
    metadata: { labels: { app: null }, '$deleteFromPrimitiveList/finalizers': ['a'] },
    spec: {
      '$setElementOrder/containers': [{ name: 'new' }, { name: 'nginx' }],
      containers: [
        { name: 'side', $patch: 'delete' },
        { name: 'new', image: 'x' },
        { name: 'nginx', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 80, $patch: 'delete' }] },
      ],
      tolerations: [{ key: 'y' }],
    },
  }) as { metadata: { labels: object; finalizers: string[] }; spec: { containers: { name: string; env?: unknown[]; ports?: unknown[] }[]; tolerations: unknown[] } };
  assert.deepEqual(out.metadata.labels, {});
  assert.deepEqual(out.metadata.finalizers, []);
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['new', 'nginx']);
  assert.deepEqual(out.spec.containers[1].env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  assert.deepEqual(out.spec.containers[1].ports, []);
  assert.deepEqual(out.spec.tolerations, [{ key: 'y' }], 'lists without a merge key are replaced');
  const replaced = smp(live, { spec: { $patch: 'replace', containers: [] } }) as { spec: object };
  assert.deepEqual(replaced.spec, { containers: [] });
  const retained = smp({ a: 1, b: 2, c: 3 }, { $retainKeys: ['a', 'c'], c: 4 });
  assert.deepEqual(retained, { a: 1, c: 4 });
  const listReplace = smp(live, { spec: { containers: [{ $patch: 'replace' }, { name: 'only' }] } }) as { spec: { containers: unknown[] } };
  assert.deepEqual(listReplace.spec.containers, [{ name: 'only' }]);
  assert.throws(() => smp(live, { spec: { containers: [{ image: 'no-name' }] } }), /merge key/);
  assert.throws(() => smp(live, { $patch: 'bogus' }), /directive/);
});

test("a Service's ports merge by port; lists whose items carry no merge key are replaced", () => {
  const svc = { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] } };
  const out = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }) as typeof svc;
  assert.deepEqual(out.spec.ports, [{ name: 'http', port: 80, targetPort: 9090 }, { name: 'https', port: 443 }]);
  const node = { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] };
  assert.deepEqual((smp(node, { addresses: [{ ip: '10.0.0.3' }] }) as typeof node).addresses, [{ ip: '10.0.0.3' }], 'addresses without `type` are not NodeAddresses');
});
