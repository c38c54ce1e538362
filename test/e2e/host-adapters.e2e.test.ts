/**
 * Root e2e for adapters/system and adapters/rootfs: real tmpfs and overlay mounts, real cgroupfs,
 * real netns/veth/iptables for the leak checker. Every test has its own temp dir and instance name
 * and removes what it made in t.after, even on failure; then the leak checker must find nothing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Layout } from '../../src/core/layout.js';
import { HostPodHost } from '../../src/adapters/system/pod-host.js';
import { OverlaySnapshotter } from '../../src/adapters/rootfs/overlay-snapshotter.js';
import { listCgroupHierarchies, removeCgroupRoot, removeCgroupTree } from '../../src/adapters/system/cgroup-fs.js';
import { readMountInfo, unmountAllUnder } from '../../src/adapters/system/mountinfo.js';
import { ensureInfraRootfs } from '../../src/adapters/system/infra-rootfs.js';
import { findHostLeaks } from '../../src/adapters/system/host-leaks.js';
import { checkLeaksAfter } from './helpers/leaks.js';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const shOk = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
};
const hex = (n: number) => randomBytes(n).toString('hex');
const mode = async (p: string) => (await stat(p)).mode & 0o7777;
const mountsAt = async (p: string) => (await readMountInfo()).filter((m) => m.mountPoint === p);

interface Scratch {
  base: string;
  layout: Layout;
  /** Registers cleanup that runs (last registered first) before the shared cleanup and the leak check. */
  defer(fn: () => unknown): void;
}

/** A fresh instance on temp dirs; everything it could leave is removed after the test, then checked. */
async function scratch(t: TestContext): Promise<Scratch> {
  assert.equal(process.getuid?.(), 0, 'this e2e test needs root (mounts, cgroups)');
  const base = await mkdtemp(`${tmpdir()}/peapod-host-`);
  const instance = `pptest-${hex(3)}`;
  const layout = new Layout({
    dataDir: `${base}/data`,
    runDir: `${base}/run`,
    socketPath: `${base}/run/peapod.sock`,
    podCidr: '10.93.0.0/24',
    bridge: `pptest${hex(2)}`,
    instance,
    nodeName: 'test',
  });
  const deferred: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of deferred.reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error('cleanup step failed:', e);
      }
    }
    await unmountAllUnder(base).catch((e) => console.error('cleanup unmount failed:', e));
    await removeCgroupRoot(layout).catch((e) => console.error('cleanup cgroup failed:', e));
    await rm(base, { recursive: true, force: true });
  });
  checkLeaksAfter(t, layout, { includeCgroupRoot: true, includeBridge: true });
  return { base, layout, defer: (fn) => deferred.push(fn) };
}

test('emptyDir on disk and in memory, shm, pod files', async (t) => {
  const { layout } = await scratch(t);
  const host = new HostPodHost({ layout });
  const uid = `u-${hex(4)}`;

  const disk = await host.ensureEmptyDir(uid, 'cache', '');
  assert.equal(disk, layout.emptyDirPath(uid, 'cache'));
  assert.equal(await mode(disk), 0o777);
  assert.equal((await mountsAt(disk)).length, 0, 'a disk emptyDir is no mount');
  await writeFile(`${disk}/kept`, 'x');
  assert.equal(await host.ensureEmptyDir(uid, 'cache', ''), disk);
  assert.equal(await readFile(`${disk}/kept`, 'utf8'), 'x', 'idempotent: content survives');

  const mem = await host.ensureEmptyDir(uid, 'scratch', 'Memory', 4 * 1024 * 1024);
  await host.ensureEmptyDir(uid, 'scratch', 'Memory', 4 * 1024 * 1024);
  const memMounts = await mountsAt(mem);
  assert.equal(memMounts.length, 1, 'one tmpfs, not stacked by the second call');
  assert.equal(memMounts[0].fsType, 'tmpfs');
  assert.match(memMounts[0].superOptions, /size=4096k/);
  assert.equal(await mode(mem), 0o777);

  const shm = await host.ensureShm(uid);
  await host.ensureShm(uid);
  const shmMounts = await mountsAt(shm);
  assert.equal(shmMounts.length, 1);
  assert.equal(shmMounts[0].fsType, 'tmpfs');
  assert.match(shmMounts[0].superOptions, /size=65536k/);
  assert.match(shmMounts[0].mountOptions, /nosuid.*nodev.*noexec/);
  assert.equal(await mode(shm), 0o1777);

  const files = await host.writePodFiles(uid, { hostname: 'web-0', hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 10.96.0.10\n' });
  assert.equal(files.hosts, `${layout.podDir(uid)}/etc-hosts`);
  assert.equal(await readFile(files.hostname, 'utf8'), 'web-0\n');
  assert.equal(await readFile(files.hosts, 'utf8'), '127.0.0.1\tlocalhost\n');
  assert.equal(await readFile(files.resolvConf, 'utf8'), 'nameserver 10.96.0.10\n');
  assert.equal(await mode(files.resolvConf), 0o644);
  assert.ok(!(await readdir(layout.podDir(uid))).some((n) => n.includes('.tmp-')), 'no temp files left');

  assert.deepEqual(await host.listPodDirs(), [uid]);
  await host.removePodDir(uid);
  assert.ok(!existsSync(layout.podDir(uid)));
  assert.deepEqual(await host.listPodDirs(), []);
  await host.removePodDir(uid); // idempotent
});

test('hostPath type checks create, accept and reject like the kubelet', async (t) => {
  const { base, layout } = await scratch(t);
  const host = new HostPodHost({ layout });
  const hp = `${base}/hostpaths`;
  await mkdir(hp);

  await host.checkHostPath(`${hp}/made/deep/dir`, 'DirectoryOrCreate');
  assert.ok((await stat(`${hp}/made/deep/dir`)).isDirectory());
  assert.equal(await mode(`${hp}/made/deep/dir`), 0o755);
  await host.checkHostPath(`${hp}/made/deep/dir`, 'Directory');

  await host.checkHostPath(`${hp}/made/file.txt`, 'FileOrCreate');
  const st = await stat(`${hp}/made/file.txt`);
  assert.ok(st.isFile());
  assert.equal(st.size, 0);
  assert.equal(st.mode & 0o777, 0o644);
  await host.checkHostPath(`${hp}/made/file.txt`, 'File');
  await host.checkHostPath(`${hp}/anything-missing`, '');

  await assert.rejects(host.checkHostPath(`${hp}/nope/file.txt`, 'FileOrCreate'), /nope\/file\.txt/);
  await assert.rejects(host.checkHostPath(`${hp}/made/file.txt`, 'Directory'), {
    message: `hostPath type check failed: ${hp}/made/file.txt is not a directory`,
  });
  await assert.rejects(host.checkHostPath(`${hp}/made/file.txt`, 'DirectoryOrCreate'), /is not a directory/);
  await assert.rejects(host.checkHostPath(`${hp}/missing`, 'Directory'), /is not a directory/);
  await assert.rejects(host.checkHostPath(`${hp}/made`, 'File'), { message: `hostPath type check failed: ${hp}/made is not a file` });
  await assert.rejects(host.checkHostPath(`${hp}/made/file.txt`, 'Socket'), /is not a socket file/);
  await assert.rejects(host.checkHostPath('/dev/null', 'BlockDevice'), /\/dev\/null is not a block device/);
  await host.checkHostPath('/dev/null', 'CharDevice');
  await assert.rejects(host.checkHostPath(`${hp}/made`, 'CharDevice'), /is not a character device/);

  const sock = `${hp}/s.sock`;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    await host.checkHostPath(sock, 'Socket');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('subPath is created inside the volume and escapes are refused', async (t) => {
  const { layout } = await scratch(t);
  const host = new HostPodHost({ layout });
  const uid = `u-${hex(4)}`;
  const vol = await host.ensureEmptyDir(uid, 'data', '');

  const p = await host.ensureSubPath(vol, 'a/b/c');
  assert.equal(p, `${vol}/a/b/c`);
  assert.ok((await stat(p)).isDirectory());
  assert.equal(await mode(`${vol}/a`), 0o777, "missing dirs get the volume root's mode");
  assert.equal(await host.ensureSubPath(vol, 'a/b/c'), p, 'idempotent');

  await writeFile(`${vol}/file.conf`, 'k=v');
  assert.equal(await host.ensureSubPath(vol, 'file.conf'), `${vol}/file.conf`);

  await symlink('a/b', `${vol}/inside`);
  assert.equal(await host.ensureSubPath(vol, 'inside/c'), `${vol}/a/b/c`, 'a symlink within the volume is followed');

  await symlink('/etc', `${vol}/escape`);
  await symlink('../../..', `${vol}/a/up`);
  await assert.rejects(host.ensureSubPath(vol, 'escape'), /failed to prepare subPath.*outside the volume/);
  await assert.rejects(host.ensureSubPath(vol, 'escape/newdir'), /outside the volume/);
  await assert.rejects(host.ensureSubPath(vol, 'a/up/x'), /outside the volume/);
  assert.ok(!existsSync('/etc/newdir'), 'nothing created through the escaping link');
  await assert.rejects(host.ensureSubPath(vol, '/etc'), /relative/);
  await assert.rejects(host.ensureSubPath(vol, 'a/../../x'), /'\.\.'/);
  await host.removePodDir(uid);
});

test('removePodDir unmounts tmpfs and binds and never touches hostPath content', async (t) => {
  const { base, layout, defer } = await scratch(t);
  const host = new HostPodHost({ layout });
  const uid = `u-${hex(4)}`;
  const hostDir = `${base}/host-data`;
  await mkdir(hostDir);
  await writeFile(`${hostDir}/precious`, 'keep me');

  const mem = await host.ensureEmptyDir(uid, 'mem', 'Memory');
  await writeFile(`${mem}/in-tmpfs`, 'x');
  const shm = await host.ensureShm(uid);
  // A process with its cwd in shm keeps it busy: only a lazy unmount gets it off the pod dir.
  const busy = spawn('/bin/sh', ['-c', 'read x'], { cwd: shm, stdio: ['pipe', 'ignore', 'ignore'] });
  defer(() => busy.pid !== undefined && shOk('kill', ['-9', String(busy.pid)]));
  await new Promise((r) => busy.once('spawn', r));
  // A hostPath bind-mounted into the pod dir, a nested mount inside it, and a symlink to it:
  // removal must unmount, never recurse into them.
  const bindPoint = `${layout.podDir(uid)}/volumes/kubernetes.io~host-path/h`;
  await mkdir(bindPoint, { recursive: true });
  sh('mount', ['--bind', hostDir, bindPoint]);
  await mkdir(`${hostDir}/sub`);
  sh('mount', ['-t', 'tmpfs', 'tmpfs', `${bindPoint}/sub`]);
  await symlink(hostDir, `${layout.podDir(uid)}/link-to-host`);

  await host.removePodDir(uid);
  assert.ok(!existsSync(layout.podDir(uid)));
  assert.equal(await readFile(`${hostDir}/precious`, 'utf8'), 'keep me');
  assert.ok(existsSync(`${hostDir}/sub`));
  const left = (await readMountInfo()).filter((m) => m.mountPoint.startsWith(base));
  assert.deepEqual(left, []);
  assert.equal(busy.exitCode, null, 'the busy process was not killed, its mount was detached');
});

test('removePodCgroup removes the pod cgroup and leftover children in every hierarchy', async (t) => {
  const { layout } = await scratch(t);
  const host = new HostPodHost({ layout });
  const uid = `u-${hex(4)}`;
  const other = `u-${hex(4)}`;
  const hierarchies = await listCgroupHierarchies();
  assert.ok(hierarchies.length >= 1);
  for (const h of hierarchies) {
    await mkdir(`${h}${layout.containerCgroup(uid, 'c1')}/leftover`, { recursive: true });
    await mkdir(`${h}${layout.containerCgroup(uid, 'c2')}`, { recursive: true });
    await mkdir(`${h}${layout.podCgroup(other)}`, { recursive: true });
  }
  const before = await findHostLeaks(layout, { skipIptables: true });
  assert.ok(before.some((l) => l.includes(`pod${uid}/c1/leftover`)), 'leak checker sees the pod cgroups');

  await host.removePodCgroup(uid);
  for (const h of hierarchies) {
    assert.ok(!existsSync(`${h}${layout.podCgroup(uid)}`), `${h} still has the pod cgroup`);
    assert.ok(existsSync(`${h}${layout.podCgroup(other)}`), 'another pod is untouched');
  }
  await host.removePodCgroup(uid); // idempotent

  await removeCgroupRoot(layout);
  for (const h of hierarchies) assert.ok(!existsSync(`${h}${layout.cgroupRoot}`));
  await removeCgroupTree(layout.cgroupRoot); // idempotent
});

test('removePodCgroup finds the pod cgroup under its QoS level or directly under the root (older daemons); QoS levels are not leaks', async (t) => {
  const { layout } = await scratch(t);
  const host = new HostPodHost({ layout });
  const burstable = `u-${hex(4)}`;
  const bestEffort = `u-${hex(4)}`;
  const legacy = `u-${hex(4)}`;
  const hierarchies = await listCgroupHierarchies();
  for (const h of hierarchies) {
    await mkdir(`${h}${layout.containerCgroup(burstable, 'c1', 'Burstable')}`, { recursive: true });
    await mkdir(`${h}${layout.containerCgroup(bestEffort, 'c1', 'BestEffort')}`, { recursive: true });
    await mkdir(`${h}${layout.cgroupRoot}/pod${legacy}/c1`, { recursive: true });
  }
  const before = await findHostLeaks(layout, { skipIptables: true });
  assert.ok(before.some((l) => l.endsWith(`/burstable/pod${burstable}/c1`)), 'leak checker sees a pod under burstable');
  for (const uid of [burstable, bestEffort, legacy]) await host.removePodCgroup(uid);
  for (const h of hierarchies) {
    assert.ok(!existsSync(`${h}${layout.podCgroup(burstable, 'Burstable')}`), `${h}: Burstable pod cgroup removed`);
    assert.ok(!existsSync(`${h}${layout.podCgroup(bestEffort, 'BestEffort')}`), `${h}: BestEffort pod cgroup removed`);
    assert.ok(!existsSync(`${h}${layout.cgroupRoot}/pod${legacy}`), `${h}: pre-QoS pod cgroup removed`);
    assert.ok(existsSync(`${h}${layout.qosCgroup('Burstable')}`), 'the QoS level stays, as the kubelet keeps it');
  }
  assert.deepEqual(await findHostLeaks(layout, { skipIptables: true }), [], 'empty QoS levels are not pod leftovers');
  const withRoot = await findHostLeaks(layout, { skipIptables: true, includeCgroupRoot: true });
  assert.ok(withRoot.some((l) => l.endsWith(`${layout.cgroupRoot}/besteffort`)), 'but the instance view lists them');
  await removeCgroupRoot(layout);
  for (const h of hierarchies) assert.ok(!existsSync(`${h}${layout.cgroupRoot}`), `${h}: reset removes the QoS levels with the root`);
});

test('overlay snapshot: two lowers, a whiteout, writes to upper, idempotent prepare and remove', async (t) => {
  const { base, layout } = await scratch(t);
  const snaps = new OverlaySnapshotter({ layout });
  const l0 = `${base}/layers/0`;
  const l1 = `${base}/layers/1`;
  await mkdir(`${l0}/etc`, { recursive: true });
  await mkdir(`${l0}/data`);
  await writeFile(`${l0}/etc/motd`, 'hello');
  await writeFile(`${l0}/etc/passwd`, 'root:x:0:0::/:/bin/sh\n');
  await writeFile(`${l0}/data/a.txt`, 'a0');
  await mkdir(`${l1}/etc`, { recursive: true });
  await mkdir(`${l1}/data`);
  await writeFile(`${l1}/data/a.txt`, 'a1');
  await writeFile(`${l1}/data/b.txt`, 'b1');
  sh('mknod', [`${l1}/etc/motd`, 'c', '0', '0']);

  const id = `c${hex(6)}`;
  await mkdir(layout.containerDir(id), { recursive: true });
  await writeFile(`${layout.containerDir(id)}/config.json`, '{}'); // the runtime adapter's file
  const root = await snaps.prepare(id, [l1, l0]);
  assert.equal(root, `${layout.containerDir(id)}/rootfs`);
  assert.equal(await snaps.prepare(id, [l1, l0]), root);
  assert.equal((await mountsAt(root)).length, 1, 'prepare twice mounts once');
  assert.equal((await mountsAt(root))[0].fsType, 'overlay');

  assert.ok(!existsSync(`${root}/etc/motd`), 'the whiteout hides the lower file');
  assert.equal(await readFile(`${root}/etc/passwd`, 'utf8'), 'root:x:0:0::/:/bin/sh\n');
  assert.equal(await readFile(`${root}/data/a.txt`, 'utf8'), 'a1', 'top layer wins');
  assert.equal(await readFile(`${root}/data/b.txt`, 'utf8'), 'b1');
  await writeFile(`${root}/data/new.txt`, 'n');
  await rm(`${root}/data/a.txt`);
  assert.ok(existsSync(`${layout.containerDir(id)}/snapshot/upper/data/new.txt`));
  assert.equal(await readFile(`${l1}/data/a.txt`, 'utf8'), 'a1', 'lower layers are never written');
  assert.deepEqual(await snaps.list(), [id]);

  await snaps.remove(id);
  assert.equal((await mountsAt(root)).length, 0);
  assert.ok(!existsSync(`${layout.containerDir(id)}/snapshot`));
  assert.ok(!existsSync(root));
  assert.ok(existsSync(`${layout.containerDir(id)}/config.json`), 'the container dir itself is left');
  assert.ok(existsSync(`${l0}/etc/motd`) && existsSync(`${l1}/data/a.txt`), 'layers intact');
  assert.deepEqual(await snaps.list(), []);
  await snaps.remove(id); // idempotent
});

test('overlay snapshot with 60 lowers on long paths stays under the mount option limit', async (t) => {
  const { base, layout } = await scratch(t);
  const snaps = new OverlaySnapshotter({ layout });
  const lowers: string[] = [];
  for (let i = 0; i < 60; i++) {
    const dir = `${base}/images/layers/sha256-${hex(32)}/${'long-directory-name-'.repeat(4)}${i}`;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/f${i}`, String(i));
    await writeFile(`${dir}/same`, String(i));
    lowers.push(dir);
  }
  assert.ok(lowers.join(':').length > 4096, 'absolute paths alone would overflow one page');
  const id = `c${hex(6)}`;
  const root = await snaps.prepare(id, lowers); // lowers[0] is the top layer
  try {
    assert.equal(await readFile(`${root}/same`, 'utf8'), '0');
    for (let i = 0; i < 60; i++) assert.ok(existsSync(`${root}/f${i}`), `f${i} visible`);
  } finally {
    await snaps.remove(id);
  }
  assert.equal((await mountsAt(root)).length, 0);
});

test('infra rootfs holds catatonit and the mount points, once', async (t) => {
  const { layout } = await scratch(t);
  const root = await ensureInfraRootfs(layout);
  assert.equal(root, layout.infraRootfs);
  assert.equal(await mode(`${root}/catatonit`), 0o755);
  for (const d of ['proc', 'sys', 'dev', 'etc']) assert.ok((await stat(`${root}/${d}`)).isDirectory(), d);
  const { mtimeMs } = await stat(`${root}/catatonit`);
  assert.equal(await ensureInfraRootfs(layout), root);
  assert.equal((await stat(`${root}/catatonit`)).mtimeMs, mtimeMs, 'not rebuilt when present');
  const siblings = await readdir(`${layout.dataDir}/infra`);
  assert.deepEqual(siblings, ['rootfs'], 'no temp build dirs left');
  assert.match(sh(`${root}/catatonit`, ['--version']), /catatonit/);
});

test('leak checker finds planted leftovers of its own instance only', async (t) => {
  const { base, layout, defer } = await scratch(t);
  const inst = layout.config.instance;
  const bridge = layout.config.bridge;
  const netns = `${inst}-${hex(3)}`;
  const veth = `ppv${hex(3)}`;
  const chain = `PPT-${hex(4)}`;
  const fakeConmon = `${base}/bin/conmon`;
  let pid: number | undefined;
  defer(() => {
    if (pid !== undefined) shOk('kill', ['-9', String(pid)]);
    shOk('iptables', ['-F', chain]);
    shOk('iptables', ['-X', chain]);
    shOk('ip', ['link', 'del', veth]);
    shOk('ip', ['link', 'del', bridge]);
    shOk('ip', ['netns', 'del', netns]);
  });

  assert.deepEqual(await findHostLeaks(layout), [], 'a fresh instance is clean');

  await mkdir(`${layout.podsDir}/p/shm`, { recursive: true });
  sh('mount', ['-t', 'tmpfs', 'tmpfs', `${layout.podsDir}/p/shm`]);
  sh('ip', ['netns', 'add', netns]);
  sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
  sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
  sh('ip', ['link', 'set', veth, 'master', bridge]);
  sh('iptables', ['-N', chain]);
  sh('iptables', ['-A', chain, '-s', '10.93.0.7/32', '-m', 'comment', '--comment', `name: "${inst}" id: "x"`, '-j', 'RETURN']);
  const [h] = await listCgroupHierarchies();
  await mkdir(`${h}${layout.podCgroup('zz')}`, { recursive: true });
  await mkdir(`${base}/bin`);
  // A shell named conmon, blocked in the `read` builtin until we kill it (or our stdin closes).
  await copyFile('/bin/sh', fakeConmon);
  await chmod(fakeConmon, 0o755);
  const child = spawn(fakeConmon, ['-c', 'read x', `${layout.runDir}/exits`], { stdio: ['pipe', 'ignore', 'ignore'] });
  pid = child.pid;
  await new Promise((r) => child.once('spawn', r));

  const leaks = await findHostLeaks(layout, { includeBridge: true });
  const has = (re: RegExp) => assert.ok(leaks.some((l) => re.test(l)), `expected ${re} in:\n${leaks.join('\n')}`);
  has(/^mount: tmpfs on .*\/pods\/p\/shm$/);
  has(new RegExp(`^netns: /run/netns/${netns}$`));
  has(new RegExp(`^veth: ${veth} attached to bridge ${bridge}$`));
  has(new RegExp(`^bridge: ${bridge}$`));
  has(/^iptables: -A PPT-.*name: /);
  has(new RegExp(`^cgroup: ${h}${layout.podCgroup('zz')}$`));
  has(new RegExp(`^process: conmon pid ${pid} `));

  const other = new Layout({ ...layout.config, instance: `pptest-${hex(3)}`, dataDir: `${base}/other`, runDir: `${base}/other-run`, bridge: 'pptestnone' });
  assert.deepEqual(await findHostLeaks(other), [], "another instance's view is clean");
});
