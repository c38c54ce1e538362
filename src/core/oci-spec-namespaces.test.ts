import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildContainerSpec, buildSandboxSpec, type ContainerSpecInput } from './oci-spec.js';
import { defaultSeccompProfile } from './seccomp-default.js';

type Any = Record<string, any>;

const base: ContainerSpecInput = {
  rootfs: '/c/1/rootfs',
  args: ['sh'],
  env: [],
  cwd: '/',
  uid: 0,
  gid: 0,
  infraPid: 4242,
  netnsPath: '/run/netns/x',
  cgroupsPath: '/peapod/podu1/c1',
};
const container = (over: Partial<ContainerSpecInput> = {}) => buildContainerSpec({ ...base, ...over }) as Any;

test('hostNetwork sandbox: no network or UTS namespace and no hostname; sysctls on the sandbox', () => {
  const s = buildSandboxSpec({ rootfs: '/i', hostname: 'vm', cgroupsPath: '/p/s', hostNetwork: true, sysctl: { 'kernel.shm_rmid_forced': '1' } }) as Any;
  assert.deepEqual(s.linux.namespaces, [{ type: 'pid' }, { type: 'ipc' }, { type: 'mount' }]);
  assert.equal(s.hostname, undefined);
  assert.deepEqual(s.linux.sysctl, { 'kernel.shm_rmid_forced': '1' });
});

test('hostPID and hostIPC sandbox: those namespaces are the host ones', () => {
  const s = buildSandboxSpec({ rootfs: '/i', hostname: 'h', netnsPath: '/run/netns/x', cgroupsPath: '/p/s', hostPID: true, hostIPC: true }) as Any;
  assert.deepEqual(s.linux.namespaces, [{ type: 'network', path: '/run/netns/x' }, { type: 'uts' }, { type: 'mount' }]);
  assert.equal(s.hostname, 'h');
  assert.throws(() => buildSandboxSpec({ rootfs: '/i', hostname: 'h', cgroupsPath: '/p/s' }), /network namespace/);
});

test('containers join the sandbox namespaces but not the host ones', () => {
  assert.deepEqual(container({ hostNetwork: true, netnsPath: undefined }).linux.namespaces, [
    { type: 'pid' },
    { type: 'ipc', path: '/proc/4242/ns/ipc' },
    { type: 'mount' },
  ]);
  assert.deepEqual(container({ hostPID: true, hostIPC: true, sharePid: false }).linux.namespaces, [
    { type: 'network', path: '/run/netns/x' },
    { type: 'uts', path: '/proc/4242/ns/uts' },
    { type: 'mount' },
  ]);
  assert.deepEqual(container({ sharePid: true }).linux.namespaces[0], { type: 'pid', path: '/proc/4242/ns/pid' });
});

test('seccomp passes through unless privileged; privileged opens devices and /sys', () => {
  const profile = defaultSeccompProfile(['CAP_CHOWN']);
  assert.equal(container({ seccomp: profile }).linux.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(container({}).linux.seccomp, undefined);
  const p = container({ seccomp: profile, privileged: true });
  assert.equal(p.linux.seccomp, undefined);
  assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  const dev = p.mounts.find((m: Any) => m.destination === '/dev');
  assert.deepEqual([dev.type, dev.source], ['bind', '/dev']);
  // /dev/pts and /dev/shm still come after /dev, on top of the host's.
  const order = p.mounts.map((m: Any) => m.destination);
  assert.ok(order.indexOf('/dev') < order.indexOf('/dev/pts'));
  assert.ok(!p.mounts.find((m: Any) => m.destination === '/sys').options.includes('ro'));
  assert.deepEqual(p.linux.maskedPaths, []);
  assert.ok(container({}).mounts.find((m: Any) => m.destination === '/sys').options.includes('ro'));
});

test('privileged and add ALL stop at the capabilities the node has', () => {
  const available = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'];
  assert.deepEqual(container({ privileged: true, availableCapabilities: available }).process.capabilities.effective, available);
  assert.deepEqual(container({ capabilities: { add: ['ALL'] }, availableCapabilities: available }).process.capabilities.bounding, available);
  assert.deepEqual(container({ availableCapabilities: available }).process.capabilities.permitted, ['CAP_CHOWN', 'CAP_KILL']);
});

test('procMount Unmasked clears masked and read-only paths only', () => {
  const c = container({ unmaskedProc: true });
  assert.deepEqual([c.linux.maskedPaths, c.linux.readonlyPaths], [[], []]);
  assert.deepEqual(c.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
});

test('default seccomp profile: allow-list, host-wide calls only with their capability, clone namespaces gated', () => {
  const plain = defaultSeccompProfile(['CAP_CHOWN', 'CAP_SYS_CHROOT']);
  const allowed = new Set(plain.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
  for (const n of ['read', 'openat', 'execve', 'socket', 'futex', 'chroot', 'setuid']) assert.ok(allowed.has(n), n);
  for (const n of ['mount', 'unshare', 'setns', 'reboot', 'init_module', 'kexec_load', 'bpf', 'clone', 'ptrace', 'keyctl', 'add_key']) {
    assert.ok(!allowed.has(n), n);
  }
  assert.deepEqual(plain.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(plain.syscalls.find((r) => r.names.includes('clone'))!.args, [{ index: 0, value: 0x7e020080, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.equal(plain.syscalls.find((r) => r.names.includes('clone3'))!.errnoRet, 38);
  const admin = defaultSeccompProfile(['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
  const adminAllowed = new Set(admin.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
  for (const n of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'ptrace']) assert.ok(adminAllowed.has(n), n);
  assert.ok(!adminAllowed.has('reboot'));
});

test('cgroup v2: a cgroup namespace of its own when asked (unprivileged containers, the infra), none otherwise', () => {
  const types = (s: Any) => s.linux.namespaces.map((n: { type: string }) => n.type);
  assert.ok(types(container({ cgroupNamespace: true })).includes('cgroup'));
  assert.ok(!types(container()).includes('cgroup'), 'v1 hosts keep the host cgroup namespace');
  const s = buildSandboxSpec({ rootfs: '/i', hostname: 'h', netnsPath: '/run/netns/x', cgroupsPath: '/p/s', cgroupNamespace: true }) as Any;
  assert.deepEqual(s.linux.namespaces.at(-1), { type: 'cgroup' });
  // /sys/fs/cgroup is mounted from the container's own namespace: runc mounts the cgroup2 view of it
  assert.ok(container({ cgroupNamespace: true }).mounts.some((m: Any) => m.destination === '/sys/fs/cgroup' && m.type === 'cgroup'));
});
