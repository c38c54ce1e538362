import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from './types.js';
import {
  containerLinuxResources,
  containerOomScoreAdj,
  milliCpuToQuota,
  milliCpuToShares,
  podCgroupConfig,
  podCgroupV1Files,
  podCgroupV2Files,
  podLimits,
  podRequests,
  restrictOomScoreAdj,
  sharesToWeight,
} from './pod-resources.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function ctr(name: string, requests?: Record<string, string>, limits?: Record<string, string>, sidecar = false): Container {
  const c: Container = { name, image: 'busybox' };
  if (requests || limits) c.resources = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
  if (sidecar) c.restartPolicy = 'Always';
  return c;
}

function pod(containers: Container[], initContainers: Container[] = [], extra: Record<string, unknown> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers, initContainers, ...extra } } as Pod;
}

test('cpu shares: the kubelet formula with its minimum 2 and maximum 262144', () => {
  assert.deepEqual([0, 1, 100, 250, 500, 1000, 300_000].map(milliCpuToShares), [2, 2, 102, 256, 512, 1024, 262144]);
});

test('cfs quota: milliCPU × 100 with the 1000 µs minimum, 0 for no limit', () => {
  assert.deepEqual([0, 1, 9, 10, 500, 2000].map((m) => milliCpuToQuota(m)), [0, 1000, 1000, 1000, 50000, 200000]);
});

test('cpu.weight from shares (legacy linear mapping)', () => {
  assert.deepEqual([2, 256, 1024, 262144].map(sharesToWeight), [1, 10, 39, 10000]);
});

test('§14.45 container resources: req 250m/64Mi, limit 500m/128Mi', () => {
  const c = ctr('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' });
  assert.deepEqual(containerLinuxResources(c, { swapAccounting: true }), {
    cpu: { shares: 256, period: 100000, quota: 50000 },
    memory: { limit: 134217728, swap: 134217728 },
  });
  assert.deepEqual(containerLinuxResources(c, { swapAccounting: false }).memory, { limit: 134217728 });
});

test('cgroup v2: every container is OOM-killed as a group (memory.oom.group), as the kubelet sets it; never on v1', () => {
  const c = ctr('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' });
  assert.deepEqual(containerLinuxResources(c, { swapAccounting: false, cgroupV2: true }).unified, { 'memory.oom.group': '1' });
  assert.deepEqual(containerLinuxResources(ctr('b'), { swapAccounting: false, cgroupV2: true }).unified, { 'memory.oom.group': '1' }, 'BestEffort too');
  assert.equal(containerLinuxResources(c, { swapAccounting: false, cgroupV2: false }).unified, undefined);
});

test('no resources: shares 2, no quota, no memory limit', () => {
  assert.deepEqual(containerLinuxResources(ctr('a'), { swapAccounting: true }), { cpu: { shares: 2, period: 100000 } });
});

test('a limit alone is also the request', () => {
  const r = containerLinuxResources(ctr('a', undefined, { cpu: '1', memory: '1Gi' }), { swapAccounting: false });
  assert.deepEqual(r, { cpu: { shares: 1024, period: 100000, quota: 100000 }, memory: { limit: GiB } });
});

test('oom_score_adj: Guaranteed -997, BestEffort 1000, Burstable by request share clamped to [3, 999]', () => {
  const cap = 8 * GiB;
  const g = ctr('g', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' });
  assert.equal(containerOomScoreAdj(pod([g]), g, cap), -997);
  const b = ctr('b');
  assert.equal(containerOomScoreAdj(pod([b]), b, cap), 1000);
  const half = ctr('h', { memory: '4Gi' });
  assert.equal(containerOomScoreAdj(pod([half]), half, cap), 500);
  const noMem = ctr('n', { cpu: '100m' });
  assert.equal(containerOomScoreAdj(pod([noMem]), noMem, cap), 999);
  const huge = ctr('x', { memory: '8Gi' }, { memory: '16Gi' });
  assert.equal(containerOomScoreAdj(pod([huge]), huge, cap), 3);
  const s45 = ctr('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' });
  assert.equal(containerOomScoreAdj(pod([s45]), s45, 24 * GiB), 1000 - Math.floor((1000 * 64 * MiB) / (24 * GiB)));
  const critical = pod([half], [], { priorityClassName: 'system-node-critical' });
  assert.equal(containerOomScoreAdj(critical, half, cap), -997);
});

test('oom_score_adj: a sidecar takes the lower of its own and the smallest app request value', () => {
  const cap = 10 * GiB;
  const sidecar = ctr('s', { memory: '1Gi' }, undefined, true);
  const app = ctr('a', { memory: '5Gi' });
  const p = pod([app], [sidecar]);
  assert.equal(containerOomScoreAdj(p, app, cap), 500);
  assert.equal(containerOomScoreAdj(p, sidecar, cap), 500);
  const big = ctr('s', { memory: '8Gi' }, undefined, true);
  assert.equal(containerOomScoreAdj(pod([app], [big]), big, cap), 200);
});

test('effective request: max(Σ apps + sidecars, largest init + the sidecars before it) + overhead', () => {
  const p = pod(
    [ctr('a', { cpu: '100m', memory: '100' }), ctr('b', { cpu: '200m', memory: '50' })],
    [ctr('i1', { cpu: '500m', memory: '10' }), ctr('s1', { cpu: '50m', memory: '20' }, undefined, true), ctr('i2', { cpu: '400m', memory: '300' })],
  );
  // regular = 300m + 50m = 350m; init: i1 500m, s1 50m, i2 400+50 = 450m → 500m
  // memory: regular 150 + 20 = 170; init: 10, 20, 320 → 320
  assert.deepEqual(podRequests(p), { cpuMillis: 500, memoryBytes: 320 });
  const withOverhead = pod([ctr('a', { cpu: '100m' })], [], { overhead: { cpu: '10m', memory: '1Ki' } });
  assert.deepEqual(podRequests(withOverhead), { cpuMillis: 110, memoryBytes: 1024 });
  assert.deepEqual(podRequests(pod([ctr('a')])), { cpuMillis: 0, memoryBytes: 0 });
});

test('effective limit: unlimited as soon as one container has none', () => {
  const limited = pod([ctr('a', undefined, { cpu: '500m', memory: '128Mi' }), ctr('b', undefined, { cpu: '250m', memory: '64Mi' })]);
  assert.deepEqual(podLimits(limited), { cpuMillis: 750, memoryBytes: 192 * MiB });
  const partly = pod([ctr('a', undefined, { cpu: '500m', memory: '128Mi' }), ctr('b', undefined, { memory: '64Mi' })]);
  assert.deepEqual(podLimits(partly), { memoryBytes: 192 * MiB });
  const initUnlimited = pod([ctr('a', undefined, { cpu: '500m', memory: '128Mi' })], [ctr('i')]);
  assert.deepEqual(podLimits(initUnlimited), {});
});

test('pod cgroup: shares from the effective request, quota and memory only when every container is limited', () => {
  const s45 = pod([ctr('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' })]);
  const cfg = podCgroupConfig(s45);
  assert.deepEqual(cfg, { cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimit: 128 * MiB });
  assert.deepEqual(podCgroupV1Files(cfg), [
    ['cpu/cpu.shares', '256'],
    ['cpu/cpu.cfs_period_us', '100000'],
    ['cpu/cpu.cfs_quota_us', '50000'],
    ['memory/memory.limit_in_bytes', '134217728'],
  ]);
  assert.deepEqual(podCgroupV2Files(cfg), [
    ['cpu.weight', '10'],
    ['cpu.max', '50000 100000'],
    ['memory.max', '134217728'],
  ]);
  const be = podCgroupConfig(pod([ctr('a')]), 1024);
  assert.deepEqual(be, { cpuShares: 2, cpuPeriod: 100000, pidsLimit: 1024 });
  assert.deepEqual(podCgroupV1Files(be), [
    ['cpu/cpu.shares', '2'],
    ['cpu/cpu.cfs_period_us', '100000'],
    ['cpu/cpu.cfs_quota_us', '-1'],
    ['pids/pids.max', '1024'],
  ]);
  assert.deepEqual(podCgroupV2Files(be), [['cpu.weight', '1'], ['cpu.max', 'max 100000'], ['memory.max', 'max'], ['pids.max', '1024']]);
});

test('restrictOomScoreAdj keeps a value at or above the floor, and anything without one', () => {
  assert.equal(restrictOomScoreAdj(-997, 0), 0);
  assert.equal(restrictOomScoreAdj(500, 0), 500);
  assert.equal(restrictOomScoreAdj(-997, undefined), -997);
});
