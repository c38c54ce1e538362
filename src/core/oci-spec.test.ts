import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildContainerSpec, buildSandboxSpec, type ContainerSpecInput, DEFAULT_CAPABILITIES } from './oci-spec.js';

type Any = Record<string, any>;

const sandbox = () =>
  buildSandboxSpec({
    rootfs: '/var/lib/peapod/infra/rootfs',
    netnsPath: '/run/netns/peapod-abc',
    hostname: 'web-0',
    cgroupsPath: '/peapod/podu1/sb1',
    annotations: { 'io.peapod.container.type': 'sandbox' },
  }) as Any;

const base: ContainerSpecInput = {
  rootfs: '/c/1/rootfs',
  args: ['/bin/sh', '-c', 'echo hi'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/work',
  uid: 1000,
  gid: 1000,
  additionalGids: [10, 20],
  infraPid: 4242,
  netnsPath: '/run/netns/peapod-abc',
  cgroupsPath: '/peapod/podu1/c1',
};
const container = (over: Partial<ContainerSpecInput> = {}) => buildContainerSpec({ ...base, ...over }) as Any;

test('sandbox: catatonit -P from a read-only root, new namespaces except the pinned netns', () => {
  const s = sandbox();
  assert.deepEqual(s.process.args, ['/catatonit', '-P']);
  assert.deepEqual(s.root, { path: '/var/lib/peapod/infra/rootfs', readonly: true });
  assert.equal(s.process.terminal, false);
  assert.equal(s.hostname, 'web-0');
  assert.equal(s.linux.cgroupsPath, '/peapod/podu1/sb1');
  assert.deepEqual(s.linux.namespaces, [
    { type: 'pid' },
    { type: 'network', path: '/run/netns/peapod-abc' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
  ]);
  assert.equal(s.annotations['io.peapod.container.type'], 'sandbox');
  assert.ok(s.mounts.some((m: Any) => m.destination === '/proc' && m.type === 'proc'));
});

test('container: joins the infra namespaces, private pid by default', () => {
  const c = container();
  assert.deepEqual(c.linux.namespaces, [
    { type: 'pid' },
    { type: 'network', path: '/run/netns/peapod-abc' },
    { type: 'ipc', path: '/proc/4242/ns/ipc' },
    { type: 'uts', path: '/proc/4242/ns/uts' },
    { type: 'mount' },
  ]);
  assert.equal(c.linux.cgroupsPath, '/peapod/podu1/c1');
});

test('container: sharePid joins the infra pid namespace', () => {
  const c = container({ sharePid: true });
  assert.deepEqual(c.linux.namespaces[0], { type: 'pid', path: '/proc/4242/ns/pid' });
});

test('container: never sets hostname (P16)', () => {
  const c = container();
  assert.equal('hostname' in c, false);
});

test('container: process fields as resolved by the caller', () => {
  const c = container();
  assert.deepEqual(c.process.args, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(c.process.env, ['PATH=/bin', 'A=1']);
  assert.equal(c.process.cwd, '/work');
  assert.deepEqual(c.process.user, { uid: 1000, gid: 1000, additionalGids: [10, 20] });
  assert.equal(c.process.terminal, false);
  assert.equal(c.process.noNewPrivileges, false);
  assert.equal(container({ noNewPrivileges: true }).process.noNewPrivileges, true);
  assert.deepEqual(c.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
  assert.deepEqual(c.root, { path: '/c/1/rootfs', readonly: false });
});

test('container: default capabilities are the 14 of containerd, add/drop apply', () => {
  const c = container();
  assert.equal(c.process.capabilities.bounding.length, 14);
  assert.deepEqual([...c.process.capabilities.effective].sort(), [...DEFAULT_CAPABILITIES].sort());
  const changed = container({ capabilities: { add: ['NET_ADMIN'], drop: ['CHOWN', 'CAP_KILL'] } }).process.capabilities;
  assert.ok(changed.bounding.includes('CAP_NET_ADMIN'));
  assert.ok(!changed.bounding.includes('CAP_CHOWN'));
  assert.ok(!changed.bounding.includes('CAP_KILL'));
  const onlyBind = container({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }).process.capabilities;
  assert.deepEqual(onlyBind.bounding, ['CAP_NET_BIND_SERVICE']);
  assert.ok(container({ privileged: true }).process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
});

test('container: standard mounts, /sys read-only, and masked/readonly paths', () => {
  const c = container();
  const byDest = new Map<string, Any>(c.mounts.map((m: Any) => [m.destination, m]));
  for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']) assert.ok(byDest.has(d), d);
  assert.ok(byDest.get('/sys')!.options.includes('ro'));
  assert.ok(byDest.get('/sys/fs/cgroup')!.options.includes('ro'));
  assert.ok(c.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(c.linux.readonlyPaths.includes('/proc/sys'));
});

test('container: caller mounts replace defaults at the same destination and come parent-first', () => {
  const c = container({
    mounts: [
      { destination: '/data/sub', source: '/v/sub', type: 'bind' },
      { destination: '/etc/hosts', source: '/p/hosts', type: 'bind', readOnly: true },
      { destination: '/dev/shm', source: '/p/shm', type: 'bind' },
      { destination: '/data', source: '/v/data', type: 'bind' },
      { destination: '/cache', source: '', type: 'tmpfs', options: ['size=1m'] },
    ],
  });
  const shm = c.mounts.filter((m: Any) => m.destination === '/dev/shm');
  assert.equal(shm.length, 1);
  assert.equal(shm[0].source, '/p/shm');
  assert.equal(shm[0].type, 'bind');
  const dests: string[] = c.mounts.map((m: Any) => m.destination);
  assert.ok(dests.indexOf('/data') < dests.indexOf('/data/sub'));
  const hosts = c.mounts.find((m: Any) => m.destination === '/etc/hosts');
  assert.deepEqual(hosts, { destination: '/etc/hosts', type: 'bind', source: '/p/hosts', options: ['rbind', 'rprivate', 'ro'] });
  const cache = c.mounts.find((m: Any) => m.destination === '/cache');
  assert.equal(cache.type, 'tmpfs');
  assert.ok(cache.options.includes('size=1m'));
});

test('resources and annotations pass through; devices deny-all by default', () => {
  const resources = { memory: { limit: 67108864 }, cpu: { shares: 512 } };
  const c = container({ resources, annotations: { a: 'b' }, sysctl: { 'net.ipv4.ip_forward': '1' } });
  assert.deepEqual(c.linux.resources.memory, { limit: 67108864 });
  assert.deepEqual(c.linux.resources.cpu, { shares: 512 });
  assert.deepEqual(c.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
  assert.deepEqual(c.annotations, { a: 'b' });
  assert.deepEqual(c.linux.sysctl, { 'net.ipv4.ip_forward': '1' });
  // The input object is not shared with the output.
  resources.memory.limit = 1;
  assert.equal(c.linux.resources.memory.limit, 67108864);
});
