import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Layout } from './layout.js';

const layout = new Layout({
  dataDir: '/var/lib/peapod',
  runDir: '/run/peapod-x',
  socketPath: '/run/peapod-x/peapod.sock',
  podCidr: '10.91.0.0/16',
  bridge: 'pptest0',
  instance: 'peapod-abc123',
  nodeName: 'n',
});

test('pod cgroups follow the kubelet hierarchy: Guaranteed under the root, the others under their QoS level', () => {
  assert.equal(layout.podCgroup('u1', 'Guaranteed'), '/peapod-abc123/podu1');
  assert.equal(layout.podCgroup('u1', 'Burstable'), '/peapod-abc123/burstable/podu1');
  assert.equal(layout.podCgroup('u1', 'BestEffort'), '/peapod-abc123/besteffort/podu1');
  assert.equal(layout.podCgroup('u1'), '/peapod-abc123/podu1', 'no class: the Guaranteed (and pre-QoS) path');
  assert.equal(layout.containerCgroup('u1', 'c1', 'Burstable'), '/peapod-abc123/burstable/podu1/c1');
  assert.equal(layout.containerCgroup('u1', 'c1'), '/peapod-abc123/podu1/c1');
  assert.equal(layout.qosCgroup('Burstable'), '/peapod-abc123/burstable');
  assert.equal(layout.qosCgroup('BestEffort'), '/peapod-abc123/besteffort');
});

test('every candidate place of a pod cgroup is under the instance root', () => {
  const c = layout.podCgroupCandidates('u1');
  assert.deepEqual(c, ['/peapod-abc123/podu1', '/peapod-abc123/burstable/podu1', '/peapod-abc123/besteffort/podu1']);
  for (const p of c) assert.ok(p.startsWith(`${layout.cgroupRoot}/`));
});
