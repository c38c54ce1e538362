import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuNanoCores, cpuQuantity, memoryQuantity, nodeMetrics, podMetrics, processCpuMillicores, type PodStats } from './stats.js';

const reading = (timestamp: number, cpuUsageNanos: number, ws = 0) => ({
  timestamp,
  cpuUsageNanos,
  memoryUsageBytes: ws,
  memoryWorkingSetBytes: ws,
  memoryRssBytes: 0,
});

test('CPU rate: Δ usage / Δ time in nanocores; none from one reading, a counter reset or no time', () => {
  // 0.25 s of CPU over 1 s = 250m = 250,000,000 nanocores
  assert.equal(cpuNanoCores(reading(1000, 5e9), reading(2000, 5.25e9)), 250_000_000);
  // two cores busy over 10 s
  assert.equal(cpuNanoCores(reading(0, 0), reading(10_000, 20e9)), 2e9);
  assert.equal(cpuNanoCores(undefined, reading(1000, 1)), undefined);
  assert.equal(cpuNanoCores(reading(1000, 9e9), reading(2000, 1e9)), undefined);
  assert.equal(cpuNanoCores(reading(1000, 1), reading(1000, 2)), undefined);
});

test('quantities as metrics-server writes them', () => {
  assert.equal(cpuQuantity(250_000_000.4), '250000000n');
  assert.equal(cpuQuantity(-5), '0n');
  assert.equal(memoryQuantity(52_428_800), '51200Ki');
  assert.equal(memoryQuantity(1000), '1000');
});

const podStats = (rates: (number | undefined)[]): PodStats => ({
  podRef: { name: 'web', namespace: 'default', uid: 'u1' },
  startTime: '2026-01-01T00:00:00Z',
  cpu: { time: '2026-01-01T00:00:10.500Z', usageNanoCores: 3e8, usageCoreNanoSeconds: 1 },
  memory: { time: '2026-01-01T00:00:10.500Z', usageBytes: 2048, workingSetBytes: 2048, rssBytes: 0 },
  containers: rates.map((r, i) => ({
    name: `c${i}`,
    startTime: '2026-01-01T00:00:00Z',
    cpu: { time: '2026-01-01T00:00:10.500Z', ...(r !== undefined ? { usageNanoCores: r } : {}), usageCoreNanoSeconds: 1 },
    memory: { time: '2026-01-01T00:00:10.500Z', usageBytes: 4096, workingSetBytes: 1024 * (i + 1), rssBytes: 0 },
  })),
});

test('PodMetrics: one entry per container (working set as memory), the window, second-precision timestamp', () => {
  const m = podMetrics(podStats([1e8, 2e8]), { previousTimestamp: Date.parse('2026-01-01T00:00:00.500Z') });
  assert.deepEqual(m, {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:10Z' },
    timestamp: '2026-01-01T00:00:10Z',
    window: '10s',
    containers: [
      { name: 'c0', usage: { cpu: '100000000n', memory: '1Ki' } },
      { name: 'c1', usage: { cpu: '200000000n', memory: '2Ki' } },
    ],
  });
  // metrics-server leaves out a pod until every container has a rate, and a pod with no container
  assert.equal(podMetrics(podStats([1e8, undefined]), {}), undefined);
  assert.equal(podMetrics(podStats([]), {}), undefined);
});

test('NodeMetrics: usage from the node reading; none without a rate', () => {
  const node = {
    nodeName: 'n1',
    startTime: '2026-01-01T00:00:00Z',
    cpu: { time: '2026-01-01T00:01:00Z', usageNanoCores: 1.5e9, usageCoreNanoSeconds: 1 },
    memory: { time: '2026-01-01T00:01:00Z', usageBytes: 1, workingSetBytes: 1024 * 1024, rssBytes: 1 },
  };
  assert.deepEqual((nodeMetrics(node, {}) as { usage: unknown }).usage, { cpu: '1500000000n', memory: '1024Ki' });
  assert.equal(nodeMetrics({ ...node, cpu: { time: node.cpu.time, usageCoreNanoSeconds: 1 } }, {}), undefined);
});

test('process CPU: millicores since the previous reading of the same process', () => {
  assert.equal(processCpuMillicores({ at: 0, cpuNanos: 0 }, 2000, 1e9), 500);
  assert.equal(processCpuMillicores(undefined, 2000, 1e9), undefined);
  assert.equal(processCpuMillicores({ at: 2000, cpuNanos: 0 }, 2000, 1e9), undefined);
});
