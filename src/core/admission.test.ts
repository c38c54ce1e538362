import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from './types.js';
import { admitPod, nodeCapacity, parseReserved } from './admission.js';

const GiB = 1024 ** 3;

function pod(requests: Record<string, string> | undefined, initContainers: Container[] = []): Pod {
  const c: Container = { name: 'c', image: 'b', ...(requests ? { resources: { requests } } : {}) };
  return { metadata: { name: 'p' }, spec: { containers: [c], initContainers } } as Pod;
}

const node = nodeCapacity({ cpus: 2, memoryBytes: 4 * GiB });

test('capacity from the machine, allocatable minus --system-reserved, 110 pods', () => {
  assert.deepEqual(node.capacity, { cpuMillis: 2000, memoryBytes: 4 * GiB, pods: 110 });
  const r = nodeCapacity({ cpus: 2, memoryBytes: 4 * GiB }, parseReserved('cpu=500m,memory=1Gi'));
  assert.deepEqual(r.allocatable, { cpuMillis: 1500, memoryBytes: 3 * GiB, pods: 110 });
  assert.deepEqual(r.capacity.cpuMillis, 2000);
});

test('parseReserved refuses what it does not understand', () => {
  assert.deepEqual(parseReserved(''), { cpuMillis: 0, memoryBytes: 0 });
  assert.throws(() => parseReserved('gpu=1'), /only cpu and memory/);
  assert.throws(() => parseReserved('cpu'), /RESOURCE=QUANTITY/);
  assert.throws(() => parseReserved('memory=lots'), /not a quantity/);
});

test('§14.47: a cpu request above allocatable is OutOfcpu with the kubelet message', () => {
  assert.deepEqual(admitPod(pod({ cpu: '3' }), [], node.allocatable), {
    reason: 'OutOfcpu',
    message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000",
  });
});

test('§14.47: an init container whose request plus the sidecars before it exceeds allocatable', () => {
  const inits: Container[] = [
    { name: 's', image: 'b', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } },
    { name: 'i', image: 'b', resources: { requests: { cpu: '1500m' } } },
  ];
  const r = admitPod(pod({ cpu: '100m' }, inits), [], node.allocatable);
  assert.equal(r?.reason, 'OutOfcpu');
  assert.match(r!.message, /requested: 2500, used: 0, capacity: 2000$/);
});

test('requests of admitted pods count; memory in bytes', () => {
  const admitted = [pod({ memory: '3Gi' })];
  const r = admitPod(pod({ memory: '2Gi' }), admitted, node.allocatable);
  assert.deepEqual(r, {
    reason: 'OutOfmemory',
    message: `Pod was rejected: Node didn't have enough resource: memory, requested: ${2 * GiB}, used: ${3 * GiB}, capacity: ${4 * GiB}`,
  });
  assert.equal(admitPod(pod({ memory: '1Gi' }), admitted, node.allocatable), undefined);
  assert.equal(admitPod(pod({ cpu: '2' }), [pod({ cpu: '1' })], node.allocatable)?.reason, 'OutOfcpu');
});

test('a pod without requests fits however full the node is, up to the pod count', () => {
  const full = [pod({ cpu: '2', memory: '4Gi' })];
  assert.equal(admitPod(pod(undefined), full, node.allocatable), undefined);
  const many = Array.from({ length: 110 }, () => pod(undefined));
  assert.deepEqual(admitPod(pod(undefined), many, node.allocatable), {
    reason: 'OutOfpods',
    message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110",
  });
});
