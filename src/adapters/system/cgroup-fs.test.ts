import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupHierarchies } from './cgroup-fs.js';
import { parseMountInfo } from './mountinfo.js';

test('cgroupHierarchies finds every v1 hierarchy and the unified tree on a hybrid host', () => {
  const mounts = parseMountInfo(
    [
      '31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755',
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
      '35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      // the same memory hierarchy mounted again elsewhere, and a sub-tree bind: both skipped
      '60 27 0:32 / /mnt/memory-again rw - cgroup cgroup rw,memory',
      '61 27 0:29 /some/sub /mnt/sub rw - cgroup cgroup rw,cpu,cpuacct',
    ].join('\n'),
  );
  assert.deepEqual(cgroupHierarchies(mounts), [
    '/sys/fs/cgroup/cpu,cpuacct',
    '/sys/fs/cgroup/memory',
    '/sys/fs/cgroup/systemd',
    '/sys/fs/cgroup/unified',
  ]);
});

test('cgroupHierarchies on a pure cgroup v2 host is /sys/fs/cgroup itself', () => {
  const mounts = parseMountInfo('30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n');
  assert.deepEqual(cgroupHierarchies(mounts), ['/sys/fs/cgroup']);
});
