import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../core/types.js';
import { Layout } from '../core/layout.js';
import type { PodCgroupConfig, PodCgroupWriter } from '../core/pod-resources.js';
import { PodRuntime, type PodRuntimeDeps } from './pod-runtime.js';

const layout = new Layout({ dataDir: '/d', runDir: '/r', socketPath: '/r/s', podCidr: '10.91.0.0/24', bridge: 'pptest0', instance: 'pp', nodeName: 'n' });

class RecordingWriter implements PodCgroupWriter {
  writes: string[] = [];
  failNext = false;
  async apply(path: string, cfg: PodCgroupConfig): Promise<void> {
    this.writes.push(`${path} ${cfg.cpuShares}`);
  }
  async applyQos(path: string, shares: number): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('EACCES');
    }
    this.writes.push(`${path} ${shares}`);
  }
}

function runtime(writer: PodCgroupWriter): PodRuntime {
  // Only the layout and the cgroup writer take part in the QoS update.
  return new PodRuntime({ layout, resources: { memoryCapacityBytes: 1, swapAccounting: false, podCgroups: writer } } as unknown as PodRuntimeDeps);
}

const burstable = (cpu: string): Pod => ({ metadata: { name: 'b', uid: cpu }, spec: { containers: [{ name: 'c', image: 'b', resources: { requests: { cpu } } }] } }) as Pod;

test('updateQosCgroups writes both QoS levels, then only what changed', async () => {
  const w = new RecordingWriter();
  const r = runtime(w);
  await r.updateQosCgroups([]);
  assert.deepEqual(w.writes, ['/pp/besteffort 2', '/pp/burstable 2']);
  w.writes = [];
  await r.updateQosCgroups([burstable('250m'), burstable('500m')]);
  assert.deepEqual(w.writes, ['/pp/burstable 768']);
  w.writes = [];
  await r.updateQosCgroups([burstable('250m'), burstable('500m')]);
  assert.deepEqual(w.writes, [], 'nothing changed');
  await r.updateQosCgroups([burstable('250m')]);
  assert.deepEqual(w.writes, ['/pp/burstable 256'], 'a removed pod gives its share back');
});

test('updateQosCgroups: a failed write is retried on the next update', async () => {
  const w = new RecordingWriter();
  const r = runtime(w);
  w.failNext = true;
  await assert.rejects(r.updateQosCgroups([]), /EACCES/);
  await r.updateQosCgroups([]);
  assert.deepEqual(w.writes, ['/pp/besteffort 2', '/pp/burstable 2']);
});

test('updateQosCgroups without a writer that knows QoS levels does nothing', async () => {
  const applied: string[] = [];
  const writer: PodCgroupWriter = { apply: async (path) => void applied.push(path) };
  await runtime(writer).updateQosCgroups([burstable('1')]);
  assert.deepEqual(applied, [], 'pod cgroups are not touched either');
});
