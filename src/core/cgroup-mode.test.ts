import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupLevels, cgroupVersionOf, missingV2Controllers, planCgroupRoot } from './cgroup-mode.js';

test('cgroupVersionOf: hybrid, v1, v2 from the mounts', () => {
  const m = (mountPoint: string, fsType: string) => ({ mountPoint, fsType });
  assert.equal(cgroupVersionOf([m('/sys/fs/cgroup', 'tmpfs'), m('/sys/fs/cgroup/memory', 'cgroup'), m('/sys/fs/cgroup/unified', 'cgroup2')]), 'hybrid');
  assert.equal(cgroupVersionOf([m('/sys/fs/cgroup', 'tmpfs'), m('/sys/fs/cgroup/memory', 'cgroup')]), 'v1');
  assert.equal(cgroupVersionOf([m('/sys/fs/cgroup', 'cgroup2')]), 'v2');
  // over-mounted: the last mount at /sys/fs/cgroup counts
  assert.equal(cgroupVersionOf([m('/sys/fs/cgroup', 'tmpfs'), m('/sys/fs/cgroup', 'cgroup2')]), 'v2');
});

test('planCgroupRoot: systemd on v2 delegates a scope in machine.slice; otherwise /<instance>', () => {
  assert.deepEqual(planCgroupRoot({ version: 'v2', systemd: true, instance: 'peapod' }), {
    driver: 'systemd',
    version: 'v2',
    root: '/machine.slice/peapod.scope',
    unit: 'peapod.scope',
    slice: 'machine.slice',
  });
  assert.deepEqual(planCgroupRoot({ version: 'v2', systemd: true, instance: 'peapod-1a2b3c' }).root, '/machine.slice/peapod-1a2b3c.scope');
  assert.deepEqual(planCgroupRoot({ version: 'v2', systemd: false, instance: 'peapod' }), { driver: 'cgroupfs', version: 'v2', root: '/peapod' });
  // systemd on v1/hybrid delegates no v1 controllers: the kubelet's cgroupfs layout, as before
  assert.deepEqual(planCgroupRoot({ version: 'hybrid', systemd: true, instance: 'peapod' }), { driver: 'cgroupfs', version: 'hybrid', root: '/peapod' });
  assert.deepEqual(planCgroupRoot({ version: 'v1', systemd: false, instance: 'x' }), { driver: 'cgroupfs', version: 'v1', root: '/x' });
});

test('missingV2Controllers names what cgroup.controllers lacks of cpu, memory, pids', () => {
  assert.deepEqual(missingV2Controllers('cpuset cpu io memory hugetlb pids rdma misc\n'), []);
  assert.deepEqual(missingV2Controllers('memory pids\n'), ['cpu']);
  assert.deepEqual(missingV2Controllers(''), ['cpu', 'memory', 'pids']);
});

test('cgroupLevels: the root and every level down to the path; nothing outside the root', () => {
  assert.deepEqual(cgroupLevels('/machine.slice/p.scope', '/machine.slice/p.scope/burstable/podX'), [
    '/machine.slice/p.scope',
    '/machine.slice/p.scope/burstable',
    '/machine.slice/p.scope/burstable/podX',
  ]);
  assert.deepEqual(cgroupLevels('/peapod', '/peapod'), ['/peapod']);
  assert.deepEqual(cgroupLevels('/', '/peapod/podX'), ['/', '/peapod', '/peapod/podX']);
  assert.deepEqual(cgroupLevels('/peapod/', '//peapod//podX/'), ['/peapod', '/peapod/podX']);
  assert.throws(() => cgroupLevels('/machine.slice/p.scope', '/machine.slice/other.scope/podX'), /outside the instance's cgroup root \/machine\.slice\/p\.scope/);
  assert.throws(() => cgroupLevels('/peapod', '/peapod-2/podX'), /outside/);
});
