import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredEndpoints, planEndpointSlices, planMirroredSlices, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './endpoint-slices.js';
import type { EndpointSlice, Pod, Service } from './types.js';

const svc: Service = {
  metadata: { namespace: 'default', name: 'web', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};
const pod = (name: string, ip: string | undefined, ready: boolean, extra: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { namespace: 'default', name, uid: `${name}-uid`, labels: { app: 'web' }, ...meta },
  spec: { nodeName: 'node1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
  status: { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('one slice for the selected pods: named targetPorts resolved, conditions, upstream labels and owner', () => {
  const pods = [pod('b', '10.90.0.6', false), pod('a', '10.90.0.5', true), pod('noip', undefined, false), { ...pod('other', '10.90.0.9', true), metadata: { namespace: 'default', name: 'other', labels: { app: 'db' } } }];
  const plan = planEndpointSlices(svc, pods, []);
  assert.equal(plan.create.length, 1);
  const s = plan.create[0];
  assert.equal(s.metadata?.generateName, 'web-');
  assert.deepEqual(s.metadata?.labels, { app: 'web', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: 'endpointslice-controller.k8s.io' });
  assert.deepEqual(s.metadata?.ownerReferences?.[0], { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true });
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(
    s.endpoints.map((e) => [e.addresses[0], e.conditions]),
    [
      ['10.90.0.5', { ready: true, serving: true, terminating: false }],
      ['10.90.0.6', { ready: false, serving: false, terminating: false }],
    ],
  );
  assert.deepEqual(s.endpoints[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'a-uid' });
});

test('a terminating ready pod is serving but not ready; publishNotReadyAddresses makes every endpoint ready', () => {
  const dying = pod('a', '10.90.0.5', true, {}, { deletionTimestamp: '2025-01-01T00:00:00Z' });
  const [s] = planEndpointSlices(svc, [dying], []).create;
  assert.deepEqual(s.endpoints[0].conditions, { ready: false, serving: true, terminating: true });
  const pub = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } };
  assert.equal(planEndpointSlices(pub, [pod('b', '10.90.0.6', false)], []).create[0].endpoints[0].conditions?.ready, true);
});

test('the stored slice is updated in place, left alone when nothing changed, and extra ones deleted', () => {
  const first = planEndpointSlices(svc, [pod('a', '10.90.0.5', true)], []).create[0];
  const stored: EndpointSlice = { ...first, metadata: { ...first.metadata, name: 'web-abcde', resourceVersion: '7' } };
  assert.deepEqual(planEndpointSlices(svc, [pod('a', '10.90.0.5', true)], [stored]), { create: [], update: [], delete: [] });
  const plan = planEndpointSlices(svc, [pod('a', '10.90.0.5', false)], [stored, { ...stored, metadata: { ...stored.metadata, name: 'web-old' } }]);
  assert.equal(plan.update.length, 1);
  assert.equal(plan.update[0].metadata?.resourceVersion, '7', 'the write is conditional');
  assert.equal(plan.update[0].endpoints[0].conditions?.ready, false);
  assert.deepEqual(plan.delete.map((s) => s.metadata?.name), ['web-old']);
});

test('hostname/subdomain give the endpoint a hostname (StatefulSet pods behind their headless Service)', () => {
  const headless = { ...svc, spec: { ...svc.spec, clusterIP: 'None' } };
  const [s] = planEndpointSlices(headless, [pod('web-0', '10.90.0.5', true, { hostname: 'web-0', subdomain: 'web' })], []).create;
  assert.equal(s.endpoints[0].hostname, 'web-0');
  assert.equal(s.metadata?.labels?.['service.kubernetes.io/headless'], '');
});

test('Endpoints: ready addresses and notReadyAddresses under their ports', () => {
  const ep = desiredEndpoints(svc, [pod('a', '10.90.0.5', true), pod('b', '10.90.0.6', false)]);
  assert.deepEqual(ep.subsets, [
    {
      addresses: [{ ip: '10.90.0.5', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'a-uid' } }],
      notReadyAddresses: [{ ip: '10.90.0.6', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'b-uid' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
});

test('a Service without selector: its hand-made Endpoints are mirrored into a slice', () => {
  const manual: Service = { metadata: { namespace: 'default', name: 'ext', uid: 'u' }, spec: { ports: [{ port: 5432 }] } };
  const plan = planMirroredSlices(manual, { metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] }, []);
  assert.equal(plan.create[0].metadata?.labels?.[MANAGED_BY_LABEL], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(plan.create[0].endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
  assert.deepEqual(planEndpointSlices(manual, [pod('a', '10.90.0.5', true)], []).create[0].endpoints, [], 'the slice controller selects nothing for it');
});
