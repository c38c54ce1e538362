import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from './types.js';
import { qosClass } from './qos.js';

function pod(containers: Partial<Container>[], initContainers: Partial<Container>[] = []): Pod {
  const named = (cs: Partial<Container>[], p: string) => cs.map((c, i) => ({ name: `${p}${i}`, image: 'b', ...c }));
  return { metadata: { name: 'p' }, spec: { containers: named(containers, 'c'), initContainers: named(initContainers, 'i') } } as Pod;
}

test('BestEffort: no cpu/memory request or limit anywhere (other resources do not count)', () => {
  assert.equal(qosClass(pod([{}])), 'BestEffort');
  assert.equal(qosClass(pod([{ resources: { requests: { 'ephemeral-storage': '1Gi' } } }])), 'BestEffort');
  assert.equal(qosClass(pod([{ resources: { requests: { cpu: '0' } } }])), 'BestEffort');
});

test('Guaranteed: every container (init too) has both limits, equal to the requests as quantities', () => {
  const g = { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1073741824' } } };
  assert.equal(qosClass(pod([g])), 'Guaranteed');
  assert.equal(qosClass(pod([g], [g])), 'Guaranteed');
  assert.equal(qosClass(pod([g], [{}])), 'Burstable');
  assert.equal(qosClass(pod([{ resources: { limits: { cpu: '1', memory: '1Gi' } } }])), 'Guaranteed');
});

test('Burstable: anything in between (§14.45)', () => {
  assert.equal(qosClass(pod([{ resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } }])), 'Burstable');
  assert.equal(qosClass(pod([{ resources: { limits: { memory: '1Gi' } } }])), 'Burstable');
  assert.equal(qosClass(pod([{ resources: { requests: { cpu: '100m' } } }, {}])), 'Burstable');
});
