import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from './types.js';
import { qosCgroupShares, qosCgroupV1Files, qosCgroupV2Files } from './qos-cgroups.js';

function pod(containers: Partial<Container>[], extra: Record<string, unknown> = {}): Pod {
  const named = containers.map((c, i) => ({ name: `c${i}`, image: 'b', ...c }));
  return { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: named, ...extra } } as Pod;
}

const burstable = (cpu: string) => pod([{ resources: { requests: { cpu } } }]);
const guaranteed = pod([{ resources: { limits: { cpu: '2', memory: '1Gi' } } }]);
const bestEffort = pod([{}]);

test('no pods: both QoS levels get the minimum shares 2', () => {
  assert.deepEqual(qosCgroupShares([]), { burstable: 2, besteffort: 2 });
});

test('burstable: the shares of the summed cpu requests of the Burstable pods only', () => {
  // 250m + 500m = 750m ⇒ 768 shares; Guaranteed and BestEffort pods do not count.
  assert.deepEqual(qosCgroupShares([burstable('250m'), guaranteed, burstable('500m'), bestEffort]), { burstable: 768, besteffort: 2 });
  // Summed first, then converted, as the kubelet does: 3 × 1m = 3m ⇒ 3 (not 3 × the minimum 2).
  assert.equal(qosCgroupShares([burstable('1m'), burstable('1m'), burstable('1m')]).burstable, 3);
  assert.equal(qosCgroupShares([burstable('100m'), burstable('100m')]).burstable, 204);
});

test('burstable: a pod that requests only memory adds nothing; overhead and init containers count as in PodRequests', () => {
  assert.equal(qosCgroupShares([pod([{ resources: { requests: { memory: '64Mi' } } }])]).burstable, 2);
  const withOverhead = pod([{ resources: { requests: { cpu: '100m' } } }], { overhead: { cpu: '150m' } });
  assert.equal(qosCgroupShares([withOverhead]).burstable, 256);
  const bigInit = pod([{ resources: { requests: { cpu: '100m' } } }], { initContainers: [{ name: 'i', image: 'b', resources: { requests: { cpu: '1' } } }] });
  assert.equal(qosCgroupShares([bigInit]).burstable, 1024);
});

test('burstable: capped at the kernel maximum 262144', () => {
  assert.equal(qosCgroupShares([burstable('200'), burstable('200')]).burstable, 262144);
});

test('files: cpu.shares on v1, cpu.weight on v2', () => {
  assert.deepEqual(qosCgroupV1Files(768), [['cpu/cpu.shares', '768']]);
  assert.deepEqual(qosCgroupV2Files(2), [['cpu.weight', '1']]);
  assert.deepEqual(qosCgroupV2Files(1024), [['cpu.weight', '39']]);
});
