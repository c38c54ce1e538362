import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from './types.js';
import type { PodSecurityContext, SecurityContext } from 'kubernetes-types/core/v1.js';
import { boundingCapabilities, normalizeSysctlName, podSysctls, resolveContainerSecurity, sysctlRejection } from './security-context.js';

const pod = (psc: PodSecurityContext = {}, extra: Record<string, unknown> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c' }], securityContext: psc, ...extra },
});
const c = (sc: SecurityContext = {}): Container => ({ name: 'c', securityContext: sc });
const files = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n# comment\nweb:x:33:33::/:/bin/false\n',
  group: 'root:x:0:\napp:x:1001:\nwheel:x:10:app,root\naudio:x:29:app\nweb:x:33:\n',
};
const err = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { reason: (e as { reason?: string }).reason, message: (e as Error).message };
  }
  return undefined;
};

describe('user and groups', () => {
  test('image USER name resolved from /etc/passwd; its groups merged from /etc/group', () => {
    const r = resolveContainerSecurity(pod(), c(), 'app', files);
    assert.deepEqual([r.uid, r.gid, r.additionalGids], [1000, 1001, [10, 29]]);
  });
  test('runAsUser/runAsGroup override; container over pod; fsGroup then supplementalGroups first', () => {
    const r = resolveContainerSecurity(pod({ runAsUser: 5, fsGroup: 2000, supplementalGroups: [3000, 10] }), c({ runAsUser: 1000 }), 'web', files);
    assert.deepEqual([r.uid, r.gid, r.additionalGids], [1000, 1001, [2000, 3000, 10, 29]]);
    const g = resolveContainerSecurity(pod({ runAsGroup: 7 }), c(), '', files);
    assert.deepEqual([g.uid, g.gid], [0, 7]);
  });
  test('Strict supplementalGroupsPolicy leaves out the image groups', () => {
    const r = resolveContainerSecurity(pod({ fsGroup: 2000, supplementalGroupsPolicy: 'Strict' } as PodSecurityContext), c(), 'app', files);
    assert.deepEqual(r.additionalGids, [2000]);
  });
  test('numeric USER with group, named group, unknown names', () => {
    assert.deepEqual(resolveContainerSecurity(pod(), c(), '1000:33', files).gid, 33);
    assert.deepEqual(resolveContainerSecurity(pod(), c(), '1234:audio', files).gid, 29);
    assert.deepEqual(resolveContainerSecurity(pod(), c(), '1234', {}).gid, 0);
    assert.deepEqual(err(() => resolveContainerSecurity(pod(), c(), 'nobody', files)), {
      reason: 'CreateContainerConfigError',
      message: 'unable to find user nobody: no matching entries in passwd file',
    });
    assert.match(err(() => resolveContainerSecurity(pod(), c(), '1:nogroup', files))!.message, /unable to find group nogroup/);
  });
});

describe('runAsNonRoot', () => {
  const where = '(pod: "p_ns(u1)", container: c)';
  test('§14.50: root image', () => {
    assert.deepEqual(err(() => resolveContainerSecurity(pod({ runAsNonRoot: true }), c(), '', files)), {
      reason: 'CreateContainerConfigError',
      message: `container has runAsNonRoot and image will run as root ${where}`,
    });
    assert.match(err(() => resolveContainerSecurity(pod(), c({ runAsNonRoot: true }), '0:0', files))!.message, /image will run as root/);
  });
  test('explicit runAsUser 0, non-numeric image user; a numeric non-root user passes', () => {
    assert.equal(err(() => resolveContainerSecurity(pod({ runAsNonRoot: true, runAsUser: 0 }), c(), '1000', files))!.message, `container's runAsUser breaks non-root policy ${where}`);
    assert.equal(
      err(() => resolveContainerSecurity(pod({ runAsNonRoot: true }), c(), 'app', files))!.message,
      `container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root ${where}`,
    );
    assert.equal(resolveContainerSecurity(pod({ runAsNonRoot: true }), c(), '1000', files).uid, 1000);
    assert.equal(resolveContainerSecurity(pod({ runAsNonRoot: true }), c({ runAsUser: 1 }), '', files).uid, 1);
    assert.equal(err(() => resolveContainerSecurity(pod({ runAsNonRoot: true }), c({ runAsNonRoot: false }), '', files)), undefined);
  });
});

describe('confinement', () => {
  test('flags and seccomp; privileged is always unconfined', () => {
    const r = resolveContainerSecurity(pod({ seccompProfile: { type: 'RuntimeDefault' } }), c({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } }), '');
    assert.deepEqual([r.noNewPrivileges, r.readOnlyRootfs, r.seccomp, r.privileged], [true, true, 'RuntimeDefault', false]);
    assert.deepEqual(r.capabilities, { add: ['NET_ADMIN'], drop: ['ALL'] });
    assert.equal(resolveContainerSecurity(pod({ seccompProfile: { type: 'RuntimeDefault' } }), c({ seccompProfile: { type: 'Unconfined' } }), '').seccomp, 'Unconfined');
    assert.equal(resolveContainerSecurity(pod({ seccompProfile: { type: 'RuntimeDefault' } }), c({ privileged: true }), '').seccomp, 'Unconfined');
    assert.equal(resolveContainerSecurity(pod(), c(), '').seccomp, 'Unconfined');
    assert.equal(resolveContainerSecurity(pod(), c({ procMount: 'Unmasked' }), '').unmaskedProc, true);
  });
  test('what the node cannot enforce is refused by name', () => {
    assert.match(err(() => resolveContainerSecurity(pod(), c({ seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } }), ''))!.message, /Localhost \("x\.json"\) is not supported/);
    assert.match(err(() => resolveContainerSecurity(pod({ appArmorProfile: { type: 'RuntimeDefault' } }), c(), ''))!.message, /AppArmor is not available/);
    assert.equal(err(() => resolveContainerSecurity(pod(), c({ appArmorProfile: { type: 'Unconfined' } }), '')), undefined);
    assert.match(err(() => resolveContainerSecurity(pod({ seLinuxOptions: { level: 's0' } }), c(), ''))!.message, /SELinux is not available/);
  });
});

describe('capabilities the node has', () => {
  test('CapBnd mask to names; an explicit add the node lacks is refused', () => {
    const caps = boundingCapabilities('Name:\tx\nCapBnd:\t000001fffeffffff\n')!;
    assert.equal(caps.length, 40);
    assert.ok(!caps.includes('CAP_SYS_RESOURCE') && caps.includes('CAP_CHECKPOINT_RESTORE') && caps.includes('CAP_CHOWN'));
    assert.equal(boundingCapabilities('no caps here'), undefined);
    assert.equal(
      err(() => resolveContainerSecurity(pod(), c({ capabilities: { add: ['SYS_RESOURCE'] } }), '', {}, caps))!.message,
      "capability SYS_RESOURCE cannot be granted: this node does not have it (not in peapod's bounding set)",
    );
    assert.equal(err(() => resolveContainerSecurity(pod(), c({ capabilities: { add: ['ALL', 'CAP_NET_ADMIN'] } }), '', {}, caps)), undefined);
  });
});

describe('sysctls', () => {
  const withSysctls = (names: string[], extra: Record<string, unknown> = {}) => pod({ sysctls: names.map((name) => ({ name, value: '1' })) }, extra);
  test('safe ones pass and go to linux.sysctl with dotted names', () => {
    const p = withSysctls(['kernel.shm_rmid_forced', 'net/ipv4/tcp_syncookies']);
    assert.equal(sysctlRejection(p), undefined);
    assert.deepEqual(podSysctls(p), { 'kernel.shm_rmid_forced': '1', 'net.ipv4.tcp_syncookies': '1' });
    assert.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  });
  test('unsafe ones need allowedUnsafeSysctls; node-wide ones never pass', () => {
    assert.deepEqual(sysctlRejection(withSysctls(['kernel.msgmax'])), { reason: 'SysctlForbidden', message: 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted' });
    assert.equal(sysctlRejection(withSysctls(['kernel.msgmax', 'net.core.somaxconn']), ['kernel.msg*', 'net.core.somaxconn']), undefined);
    assert.match(sysctlRejection(withSysctls(['vm.swappiness']), ['vm.*'])!.message, /"vm\.swappiness" not allowlisted/);
  });
  test('net.* with hostNetwork and ipc ones with hostIPC are refused', () => {
    assert.equal(sysctlRejection(withSysctls(['net.ipv4.tcp_syncookies'], { hostNetwork: true }))!.message, 'Pod was rejected: forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled');
    assert.match(sysctlRejection(withSysctls(['kernel.shm_rmid_forced'], { hostIPC: true }))!.message, /not allowed with host ipc enabled/);
  });
});
