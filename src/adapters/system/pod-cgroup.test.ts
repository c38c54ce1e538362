import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountInfo } from './mountinfo.js';
import { hierarchies } from './pod-cgroup.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const V2 = `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const COMOUNTED = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`;

test('hybrid host: limits go to the v1 controllers, never to the unified tree', () => {
  const h = hierarchies(parseMountInfo(HYBRID));
  assert.equal(h.v2, undefined);
  assert.equal(h.v1.get('cpu'), '/sys/fs/cgroup/cpu');
  assert.equal(h.v1.get('memory'), '/sys/fs/cgroup/memory');
  assert.equal(h.v1.get('pids'), '/sys/fs/cgroup/pids');
});

test('pure v2 host and co-mounted v1 controllers', () => {
  assert.equal(hierarchies(parseMountInfo(V2)).v2, '/sys/fs/cgroup');
  const h = hierarchies(parseMountInfo(COMOUNTED));
  assert.equal(h.v1.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(h.v1.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
});
