import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CgroupRoot, enableDown, type CgroupHost } from './cgroup-root.js';
import { PodCgroupFiles } from './pod-cgroup.js';

/** A directory standing in for a cgroup2 mount: plain files where the kernel has its own. */
function fixture(controllers = 'cpuset cpu io memory hugetlb pids rdma misc'): string {
  const dir = mkdtempSync(`${tmpdir()}/cgroup-root-`);
  writeFileSync(`${dir}/cgroup.controllers`, `${controllers}\n`);
  return dir;
}
const read = (p: string) => readFileSync(p, 'utf8');

test('v2 without systemd: /<instance> gets the controllers from the root down; pod limits in the unified files', async (t) => {
  const v2 = fixture();
  t.after(() => rmSync(v2, { recursive: true, force: true }));
  const host: CgroupHost = { v1: new Map(), v2, plan: { driver: 'cgroupfs', version: 'v2', root: '/peapod' } };
  const root = new CgroupRoot(host);
  await root.ready();
  assert.equal(read(`${v2}/cgroup.subtree_control`), '+cpu +memory +pids');
  assert.equal(read(`${v2}/peapod/cgroup.subtree_control`), '+cpu +memory +pids');
  writeFileSync(`${v2}/peapod/cgroup.controllers`, 'cpu memory pids\n');

  const files = new PodCgroupFiles(root);
  await files.apply('/peapod/burstable/podu1', { cpuShares: 102, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimit: 134217728, pidsLimit: 100 });
  const pod = `${v2}/peapod/burstable/podu1`;
  assert.equal(read(`${pod}/cpu.weight`), '4');
  assert.equal(read(`${pod}/cpu.max`), '50000 100000');
  assert.equal(read(`${pod}/memory.max`), '134217728');
  assert.equal(read(`${pod}/pids.max`), '100');
  // every level down to the pod passes cpu, memory and pids on (the containers below need them)
  for (const level of ['peapod/burstable', 'peapod/burstable/podu1']) assert.equal(read(`${v2}/${level}/cgroup.subtree_control`), '+cpu +memory +pids');
  await files.applyQos('/peapod/besteffort', 2);
  assert.equal(read(`${v2}/peapod/besteffort/cpu.weight`), '1');
  // nothing outside the instance's root, ever
  await assert.rejects(files.apply('/elsewhere/podu2', { cpuShares: 2, cpuPeriod: 100_000 }), /outside the instance's cgroup root \/peapod/);
  assert.equal(existsSync(`${v2}/elsewhere`), false);
});

test('a systemd scope is written from the scope down only, never above it', async (t) => {
  const v2 = fixture();
  t.after(() => rmSync(v2, { recursive: true, force: true }));
  const scope = `${v2}/machine.slice/p.scope`;
  mkdirSync(scope, { recursive: true });
  writeFileSync(`${scope}/cgroup.controllers`, 'cpu io memory pids\n');
  await enableDown(v2, ['/machine.slice/p.scope', '/machine.slice/p.scope/podu1'], 'the scope p.scope systemd delegated');
  assert.equal(read(`${scope}/cgroup.subtree_control`), '+cpu +memory +pids');
  assert.equal(read(`${scope}/podu1/cgroup.subtree_control`), '+cpu +memory +pids');
  assert.equal(existsSync(`${v2}/cgroup.subtree_control`), false, 'the root is systemd\'s');
  assert.equal(existsSync(`${v2}/machine.slice/cgroup.subtree_control`), false, 'machine.slice is systemd\'s');
});

test('missing controllers and missing v1 controllers are clear errors, and a later call tries again', async (t) => {
  const v2 = fixture('memory pids');
  t.after(() => rmSync(v2, { recursive: true, force: true }));
  const root = new CgroupRoot({ v1: new Map(), v2, plan: { driver: 'cgroupfs', version: 'v2', root: '/peapod' } });
  await assert.rejects(root.ready(), /lacks the cpu controller\(s\) pods need \(it offers: memory pids\)/);
  writeFileSync(`${v2}/cgroup.controllers`, 'cpu memory pids\n');
  await root.ready();

  const v1 = new CgroupRoot({ v1: new Map([['name=systemd', '/sys/fs/cgroup/systemd']]), plan: { driver: 'cgroupfs', version: 'hybrid', root: '/peapod' } });
  await assert.rejects(v1.ready(), /no usable cgroups: the host mounts no cgroup v1 cpu and memory controller and no cgroup v2 tree \(v1 hierarchies: name=systemd\)/);
  const files = new PodCgroupFiles(v1);
  await assert.rejects(files.apply('/peapod/podu1', { cpuShares: 2, cpuPeriod: 100_000 }), /no usable cgroups/);
});
