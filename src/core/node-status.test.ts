import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCapacity } from './admission.js';
import { buildNode, type NodeIdentity, type NodeObservation } from './node-status.js';

const id: NodeIdentity = {
  name: 'n1',
  hostIP: '192.0.2.10',
  hostname: 'n1',
  kubeletVersion: 'v1.32.0-peapod',
  nodeInfo: {
    machineID: 'm',
    systemUUID: 's',
    bootID: 'b',
    kernelVersion: '6.1.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    containerRuntimeVersion: 'runc://1.1.5',
    operatingSystem: 'linux',
    architecture: 'amd64',
  },
};
const healthy: NodeObservation = { memoryAvailableBytes: 8 * 1024 ** 3, diskAvailableFraction: 0.5, pidsAvailableFraction: 0.9, ephemeralStorageBytes: 1000 };
const cap = nodeCapacity({ cpus: 2, memoryBytes: 4 * 1024 ** 3 }, { cpuMillis: 500, memoryBytes: 1024 ** 3 });

type Status = { capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string; reason: string; lastTransitionTime: string; lastHeartbeatTime: string }[] };

test('capacity and allocatable as quantities, the four conditions, addresses', () => {
  const n = buildNode(id, cap, healthy, Date.parse('2025-01-01T00:00:00Z'));
  const s = n.status as Status & { addresses: unknown };
  assert.deepEqual(s.capacity, { cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '1000' });
  assert.deepEqual(s.allocatable, { cpu: '1500m', memory: '3145728Ki', pods: '110', 'ephemeral-storage': '1000' });
  assert.deepEqual(
    s.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ],
  );
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'n1');
});

test('pressure turns conditions True; transition times move only on a change', () => {
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const first = buildNode(id, cap, healthy, t0);
  const second = buildNode(id, cap, { ...healthy, memoryAvailableBytes: 50 * 1024 * 1024 }, t0 + 10_000, first);
  const c = (n: typeof first, type: string) => (n.status as Status).conditions.find((x) => x.type === type)!;
  assert.equal(c(second, 'MemoryPressure').status, 'True');
  assert.equal(c(second, 'MemoryPressure').reason, 'KubeletHasInsufficientMemory');
  assert.equal(c(second, 'MemoryPressure').lastTransitionTime, '2025-01-01T00:00:10Z');
  assert.equal(c(second, 'DiskPressure').lastTransitionTime, '2025-01-01T00:00:00Z');
  assert.equal(c(second, 'DiskPressure').lastHeartbeatTime, '2025-01-01T00:00:10Z');
  assert.equal(c(second, 'Ready').lastTransitionTime, '2025-01-01T00:00:00Z');
  const disk = buildNode(id, cap, { ...healthy, diskAvailableFraction: 0.05, pidsAvailableFraction: 0.01 }, t0);
  assert.equal(c(disk, 'DiskPressure').status, 'True');
  assert.equal(c(disk, 'PIDPressure').status, 'True');
});
