import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPathWithin, mountPointsUnder, parseMountInfo } from './mountinfo.js';

const SAMPLE = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:5 master:1 - cgroup cgroup rw,name=systemd',
  '50 27 0:40 / /var/lib/pp/pods/u1/shm rw,nosuid - tmpfs shm rw,size=65536k,mode=1777',
  '51 27 0:41 / /var/lib/pp/pods/u1/volumes/kubernetes.io~empty-dir/a\\040b rw - tmpfs tmpfs rw',
  '52 51 0:42 / /var/lib/pp/pods/u1/volumes/kubernetes.io~empty-dir/a\\040b/inner rw - tmpfs tmpfs rw',
  '53 27 0:43 / /var/lib/pp/pods/u10 rw - tmpfs tmpfs rw',
  '54 50 0:44 / /var/lib/pp/pods/u1/shm rw - tmpfs tmpfs rw',
  '',
].join('\n');

test('parseMountInfo reads fields after the optional-field separator and unescapes octal', () => {
  const m = parseMountInfo(SAMPLE);
  assert.equal(m.length, 8);
  assert.equal(m[2].fsType, 'cgroup');
  assert.equal(m[2].superOptions, 'rw,name=systemd');
  assert.equal(m[2].device, '0:37');
  assert.equal(m[4].mountPoint, '/var/lib/pp/pods/u1/volumes/kubernetes.io~empty-dir/a b');
  assert.equal(m[3].source, 'shm');
});

test('isPathWithin compares whole path components', () => {
  assert.ok(isPathWithin('/a/b', '/a'));
  assert.ok(isPathWithin('/a', '/a'));
  assert.ok(isPathWithin('/a/b', '/a/'));
  assert.ok(!isPathWithin('/ab', '/a'));
  assert.ok(isPathWithin('/x', '/'));
});

test('mountPointsUnder lists deepest first, stacked mounts newest first, and not siblings with a common prefix', () => {
  const points = mountPointsUnder(parseMountInfo(SAMPLE), '/var/lib/pp/pods/u1');
  assert.deepEqual(points, [
    '/var/lib/pp/pods/u1/volumes/kubernetes.io~empty-dir/a b/inner',
    '/var/lib/pp/pods/u1/volumes/kubernetes.io~empty-dir/a b',
    '/var/lib/pp/pods/u1/shm',
    '/var/lib/pp/pods/u1/shm',
  ]);
});
