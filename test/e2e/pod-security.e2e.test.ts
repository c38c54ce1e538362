/**
 * Networking/identity and the security context against a real daemon and runc (issue 4, items
 * 4 and 7; spec/pod-semantics.md §9, §11 and §14 scenarios 39, 42, 43, 44, 50). Every effect is
 * read from inside the container: /etc/hosts, resolv.conf, hostname, `id`, /proc/self/status,
 * /proc/sys, file modes and owners, the host's interfaces and processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { hostname, networkInterfaces } from 'node:os';
import type { Container, Pod } from '../../src/core/types.js';
import { parseResolvConf } from '../../src/core/pod-files.js';
import { nthServiceAddress } from '../../src/core/service-allocation.js';
import { TestDaemon, allRunning, collect, podManifest } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';
const appImage = 'localhost/bbapp:latest';
let d: TestDaemon;
let appRootfs: string | undefined;

before(async () => {
  d = new TestDaemon();
  await d.start();
  await d.importBusybox();
  // An image whose USER is a name, resolved from its own /etc/passwd and /etc/group.
  appRootfs = `${d.layout.dataDir}/../bbapp-rootfs`;
  execFileSync(`${process.cwd()}/scripts/make-busybox-rootfs.sh`, [appRootfs]);
  appendFileSync(`${appRootfs}/etc/passwd`, 'app:x:1234:1235::/home:/bin/sh\n');
  appendFileSync(`${appRootfs}/etc/group`, 'app:x:1235:\nextra:x:777:root,app\n');
  await d.client.importImage({ source: appRootfs, name: 'bbapp', changes: ['ENV PATH=/bin', 'USER app', 'CMD ["sh"]'] });
});
after(async () => {
  if (appRootfs) rmSync(appRootfs, { recursive: true, force: true });
  await d?.cleanup();
});

const sleeper = (extra: Partial<Container> = {}): Container => ({ name: 'main', image, command: ['sleep', '3600'], ...extra });

async function sh(pod: string, script: string, namespace = 'default'): Promise<string> {
  const out = collect();
  const err = collect();
  const res = await d.client.exec(namespace, pod, { container: 'main', command: ['sh', '-c', script], stdout: out.stream, stderr: err.stream });
  assert.equal(res.exitCode, 0, `exec ${script} exited ${res.exitCode}: ${err.text()}`);
  return out.text();
}

async function runPod(name: string, spec: Partial<Pod['spec']>, namespace = 'default'): Promise<Pod> {
  const manifest = podManifest(name, spec);
  manifest.metadata!.namespace = namespace;
  await d.client.createPod(namespace, manifest);
  return d.waitForPod(name, allRunning, 20_000, namespace);
}

/** `Field:\tvalue` lines of /proc/1/status. */
async function procStatus(pod: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await sh(pod, 'cat /proc/1/status')).split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

const HOSTS_HEADER =
  '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('networking and identity', { concurrency: 4 }, () => {
  test('§14.42 /etc/hosts with subdomain and hostAliases; hostname; FQDN with setHostnameAsFQDN', async () => {
    const spec = { hostname: 'web', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }], containers: [sleeper()] };
    const [plain, fqdn] = await Promise.all([runPod('hosts', spec), runPod('hosts-fqdn', { ...spec, setHostnameAsFQDN: true })]);
    const ip = plain.status!.podIP!;
    assert.equal(
      await sh('hosts', 'cat /etc/hosts'),
      `${HOSTS_HEADER}${ip}\tweb.sub.default.svc.cluster.local\tweb\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n`,
    );
    assert.equal(await sh('hosts', 'hostname'), 'web\n');
    assert.equal(await sh('hosts', 'cat /etc/hostname'), 'web\n');
    assert.equal(await sh('hosts-fqdn', 'hostname'), 'web.sub.default.svc.cluster.local\n');
    assert.match(await sh('hosts-fqdn', 'cat /etc/hosts'), new RegExp(`\n${fqdn.status!.podIP!.replace(/\./g, '\\.')}\tweb\\.sub\\.default\\.svc\\.cluster\\.local\tweb\n`));
  });

  test('an FQDN over 64 characters fails the sandbox', async () => {
    const name = 'h'.repeat(40);
    await d.client.createPod('default', podManifest('longfqdn', { hostname: name, subdomain: 'sub', setHostnameAsFQDN: true, containers: [sleeper()] }));
    const deadline = Date.now() + stretch(15_000);
    for (;;) {
      const events = await d.client.listEvents('default');
      const e = events.items.find((x) => x.involvedObject?.name === 'longfqdn' && x.reason === 'FailedCreatePodSandBox');
      if (e) {
        assert.match(e.message ?? '', /is too long \(64 characters is the max, 70 characters requested\)/);
        break;
      }
      assert.ok(Date.now() < deadline, 'no FailedCreatePodSandBox event');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test('§14.43 resolv.conf: ClusterFirst in ns team gets cluster DNS, the kubelet search path and ndots:5; None is exactly dnsConfig', async () => {
    await d.client.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as never).catch(() => undefined);
    await Promise.all([
      runPod('dns-cf', { containers: [sleeper()] }, 'team'),
      runPod('dns-none', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }] }, containers: [sleeper()] }),
    ]);
    assert.equal(await sh('dns-none', 'cat /etc/resolv.conf'), 'search a.b\nnameserver 1.1.1.1\noptions ndots:2\n');
    const node = parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
    const got = parseResolvConf(await sh('dns-cf', 'cat /etc/resolv.conf', 'team'));
    // kube-dns gets the tenth address of the service CIDR, as kubeadm gives it.
    assert.deepEqual(got.nameservers, [nthServiceAddress(d.serviceCidr, 10)]);
    assert.deepEqual(got.searches, [...new Set(['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', ...node.searches])]);
    assert.deepEqual(got.options, ['ndots:5']);
  });

  test('hostNetwork: the host interfaces and hostname, pod IP = host IP; hostPID sees host processes', async () => {
    const pod = await runPod('hostnet', { hostNetwork: true, hostPID: true, hostIPC: true, containers: [sleeper()] });
    assert.equal(pod.status!.podIP, pod.status!.hostIP);
    // The interface holding the host IP exists only in the host's network namespace.
    const iface = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => a.address === pod.status!.hostIP))?.[0];
    assert.ok(iface, `no host interface has ${pod.status!.hostIP}`);
    assert.match(await sh('hostnet', 'cat /proc/net/dev'), new RegExp(`^\\s*${iface}:`, 'm'));
    assert.equal(await sh('hostnet', 'readlink /proc/self/ns/net'), execFileSync('readlink', ['/proc/self/ns/net']).toString());
    assert.equal(await sh('hostnet', 'hostname'), `${hostname()}\n`);
    assert.match(await sh('hostnet', 'head -1 /etc/hosts'), /^# Kubernetes-managed hosts file \(host network\)\.\n$/);
    assert.equal(await sh('hostnet', `cat /proc/${process.pid}/comm`), readFileSync(`/proc/${process.pid}/comm`, 'utf8'));
    assert.equal(await sh('hostnet', 'readlink /proc/self/ns/ipc'), `${execFileSync('readlink', ['/proc/self/ns/ipc']).toString()}`);
  });

  test('§14.44 shareProcessNamespace: pause is PID 1 and the other container is visible', async () => {
    await runPod('sharepid', { shareProcessNamespace: true, containers: [sleeper(), { name: 'c2', image, command: ['sleep', '1234'] }] });
    assert.match(await sh('sharepid', 'cat /proc/1/cmdline | tr "\\0" " "'), /catatonit/);
    assert.match(await sh('sharepid', 'ps -o args'), /sleep 1234/);
  });
});

const CAP_DEFAULT = '00000000a80425fb';

describe('security context', { concurrency: 4 }, () => {
  test('§14.39 fsGroup: secret 0400 becomes 0440 group 2000, emptyDir setgid; `id` has the groups', async () => {
    await d.client.createObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'fsg', namespace: 'default' }, stringData: { key: 'sekret' } } as never);
    await runPod('fsgroup', {
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
      volumes: [{ name: 's', secret: { secretName: 'fsg', defaultMode: 0o400 } }, { name: 'e', emptyDir: {} }],
      containers: [sleeper({ volumeMounts: [{ name: 's', mountPath: '/s' }, { name: 'e', mountPath: '/e' }] })],
    });
    assert.equal(await sh('fsgroup', 'id'), 'uid=1000 gid=3000 groups=2000,4000\n');
    assert.equal(await sh('fsgroup', 'stat -L -c "%a %g" /s/key; cat /s/key'), '440 2000\nsekret');
    assert.equal(await sh('fsgroup', 'stat -c "%a %g" /e; touch /e/f; stat -c "%u %g" /e/f'), '2777 2000\n1000 2000\n');
  });

  test('USER name from the image /etc/passwd, its groups from /etc/group', async () => {
    await runPod('username', { containers: [sleeper({ image: appImage })] });
    assert.equal(await sh('username', 'id'), 'uid=1234(app) gid=1235(app) groups=777(extra)\n');
  });

  test('§14.50 drop ALL + allowPrivilegeEscalation false: CapEff 0, NoNewPrivs 1; defaults; add; RuntimeDefault seccomp', async () => {
    await Promise.all([
      runPod('caps-none', { containers: [sleeper({ securityContext: { capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false } })] }),
      runPod('caps-default', { containers: [sleeper()] }),
      runPod('caps-add', {
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [sleeper({ securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] } } })],
      }),
    ]);
    const none = await procStatus('caps-none');
    assert.deepEqual([none.CapEff, none.CapBnd, none.NoNewPrivs, none.Seccomp], ['0000000000000000', '0000000000000000', '1', '0']);
    await sh('caps-default', 'test ! -e /dev/kmsg');
    assert.match(await sh('caps-default', 'grep " /sys sysfs " /proc/mounts'), / \/sys sysfs ro[, ]/);
    const def = await procStatus('caps-default');
    assert.deepEqual([def.CapEff, def.CapBnd, def.NoNewPrivs, def.Seccomp], [CAP_DEFAULT, CAP_DEFAULT, '0', '0']);
    const add = await procStatus('caps-add');
    const want = ((BigInt(`0x${CAP_DEFAULT}`) | (1n << 12n)) & ~(1n << 27n)).toString(16).padStart(16, '0');
    assert.deepEqual([add.CapEff, add.Seccomp], [want, '2']);
    // Blocked by the profile even for root with CAP_NET_ADMIN: unshare(2) needs CAP_SYS_ADMIN's calls.
    const out = collect();
    const res = await d.client.exec('default', 'caps-add', { container: 'main', command: ['unshare', '-n', 'true'], stdout: out.stream, stderr: out.stream });
    assert.notEqual(res.exitCode, 0);
    assert.match(out.text(), /Operation not permitted/);
  });

  test('privileged: every capability and host devices, unconfined', async () => {
    await runPod('priv', { containers: [sleeper({ securityContext: { privileged: true } })] });
    const st = await procStatus('priv');
    assert.equal(st.CapEff, readFileSync('/proc/self/status', 'utf8').match(/CapBnd:\s*(\w+)/)![1]);
    assert.equal(st.Seccomp, '0');
    await sh('priv', 'test -c /dev/kmsg && exec 3</dev/kmsg');
    assert.match(await sh('priv', 'grep " /sys sysfs " /proc/mounts'), / \/sys sysfs rw[, ]/);
  });

  test('readOnlyRootFilesystem: writes to / fail, volumes stay writable', async () => {
    await runPod('rofs', { volumes: [{ name: 'e', emptyDir: {} }], containers: [sleeper({ securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'e', mountPath: '/e' }] })] });
    assert.match(await sh('rofs', 'touch /x 2>&1; echo rc=$?; touch /e/y && echo ok'), /Read-only file system\nrc=1\nok\n/);
  });

  test('safe sysctls are set in the pod namespaces', async () => {
    await runPod('sysctl', {
      securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }, { name: 'net.ipv4.ip_local_port_range', value: '40000 50000' }] },
      containers: [sleeper()],
    });
    assert.equal(await sh('sysctl', 'cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_local_port_range'), '1\n40000\t50000\n');
  });

  test('an unsafe sysctl rejects the pod at admission: Failed, SysctlForbidden, nothing started', async () => {
    await d.client.createPod('default', podManifest('unsafe-sysctl', { securityContext: { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] }, containers: [sleeper()] }));
    const p = await d.waitForPod('unsafe-sysctl', (x) => x.status?.phase === 'Failed');
    assert.equal(p.status!.reason, 'SysctlForbidden');
    assert.match(p.status!.message!, /^Pod was rejected: forbidden sysctl: "net.core.somaxconn" not allowlisted/);
    assert.equal(p.status!.containerStatuses?.[0]?.containerID, undefined);
  });

  test('§14.50 runAsNonRoot with a root image, and with a named image user', async () => {
    await d.client.createPod('default', podManifest('nonroot', { securityContext: { runAsNonRoot: true }, containers: [sleeper()] }));
    await d.client.createPod('default', podManifest('nonroot-name', { securityContext: { runAsNonRoot: true }, containers: [sleeper({ image: appImage })] }));
    const waiting = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError';
    const [root, named] = await Promise.all([d.waitForPod('nonroot', waiting), d.waitForPod('nonroot-name', waiting)]);
    const where = (p: Pod) => `(pod: "${p.metadata!.name}_default(${p.metadata!.uid})", container: main)`;
    assert.equal(root.status!.containerStatuses![0]!.state!.waiting!.message, `container has runAsNonRoot and image will run as root ${where(root)}`);
    assert.equal(
      named.status!.containerStatuses![0]!.state!.waiting!.message,
      `container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root ${where(named)}`,
    );
  });
});
