/**
 * Contract test of RuncRuntime with the real conmon + runc: a catatonit sandbox in a netns made
 * for the test, app containers joining it, exits, signals, logs, exec, adoption by a new runtime
 * object, create failures and a clean remove.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Layout } from '../../src/core/layout.js';
import { buildContainerSpec, buildSandboxSpec } from '../../src/core/oci-spec.js';
import { CreateContainerError, ExecTimeoutError, RuncRuntime } from '../../src/adapters/runc/runc-runtime.js';
import { removeCgroupRoot } from '../../src/adapters/system/cgroup-fs.js';
import { readMountInfo, isPathWithin } from '../../src/adapters/system/mountinfo.js';
import { CriLogReader } from '../../src/adapters/conmon/cri-log-reader.js';
import { readdirSync } from 'node:fs';
import { checkLeaksAfter } from './helpers/leaks.js';
import { stretch } from './helpers/time-factor.js';

const isRoot = process.getuid?.() === 0;
const RUNC = '/usr/sbin/runc';
const hex = (n: number) => randomBytes(n).toString('hex');

function makeRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'data']) mkdirSync(`${dir}/${d}`, { recursive: true });
  copyFileSync('/bin/busybox', `${dir}/bin/busybox`);
  chmodSync(`${dir}/bin/busybox`, 0o755);
  for (const a of ['sh', 'sleep', 'echo', 'cat', 'ls', 'true', 'hostname', 'ps', 'pwd', 'id', 'yes', 'head']) symlinkSync('busybox', `${dir}/bin/${a}`);
  writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(`${dir}/etc/group`, 'root:x:0:\n');
  chmodSync(`${dir}/tmp`, 0o1777);
}

function makeInfraRootfs(dir: string): void {
  for (const d of ['proc', 'sys', 'dev', 'etc']) mkdirSync(`${dir}/${d}`, { recursive: true });
  copyFileSync('/usr/bin/catatonit', `${dir}/catatonit`);
  chmodSync(`${dir}/catatonit`, 0o755);
}

function waitExit(rt: RuncRuntime, id: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no exit event for ${id}`));
    }, stretch(timeoutMs));
    const stop = rt.onExit((got) => {
      if (got !== id) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

async function runcState(layout: Layout, id: string): Promise<number> {
  try {
    execFileSync(RUNC, ['--root', layout.runcRoot, 'state', id], { stdio: 'ignore' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

test('RuncRuntime with conmon + runc', { skip: !isRoot && 'needs root' }, async (t) => {
  const tmp = mkdtempSync('/tmp/pp-runc-');
  const layout = new Layout({
    dataDir: `${tmp}/data`,
    runDir: `${tmp}/run`,
    socketPath: `${tmp}/run/sock`,
    podCidr: '10.93.0.0/16',
    bridge: '',
    instance: `pptest-${hex(3)}`,
    nodeName: 'test',
  });
  const podUid = `uid-${hex(4)}`;
  const sandboxId = hex(32);
  const netns = layout.netnsName(sandboxId);
  const rootfs = `${tmp}/busybox`;
  const infraRootfs = `${tmp}/infra`;
  makeRootfs(rootfs);
  makeInfraRootfs(infraRootfs);
  execFileSync('ip', ['netns', 'add', netns]);
  let rt = new RuncRuntime({ layout, runtimePath: RUNC });
  const made = new Set<string>();

  t.after(async () => {
    const cleaner = new RuncRuntime({ layout, runtimePath: RUNC });
    for (const id of made) await cleaner.remove(id).catch(() => {});
    try {
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    await removeCgroupRoot(layout).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  });
  checkLeaksAfter(t, layout, { skipIptables: true });

  const logPath = (name: string) => layout.containerLogPath(podUid, name, 0);
  const annotations = (name: string, type: string) => ({ 'io.kubernetes.container.name': name, 'io.peapod.container.type': type, 'io.kubernetes.pod.uid': podUid });

  // --- sandbox
  made.add(sandboxId);
  const sb = await rt.create({
    id: sandboxId,
    spec: buildSandboxSpec({
      rootfs: infraRootfs,
      netnsPath: `/run/netns/${netns}`,
      hostname: 'pod-host',
      cgroupsPath: layout.containerCgroup(podUid, sandboxId),
      annotations: annotations('POD', 'sandbox'),
    }),
    logPath: `${layout.podLogDir(podUid)}/infra.log`,
  });
  assert.ok(sb.pid > 0);
  assert.equal((await rt.inspect(sandboxId))?.status, 'created');
  await rt.start(sandboxId);
  const infraPid = sb.pid;
  const sbInfo = await rt.inspect(sandboxId);
  assert.equal(sbInfo?.status, 'running');
  assert.equal(sbInfo?.pid, infraPid);
  assert.ok(sbInfo?.startedAt);
  assert.equal(sbInfo?.annotations['io.peapod.container.type'], 'sandbox');

  const app = async (name: string, args: string[], extra: { sharePid?: boolean } = {}, logSizeMax?: number) => {
    const id = hex(32);
    made.add(id);
    await rt.create({
      id,
      spec: buildContainerSpec({
        rootfs,
        args,
        env: ['PATH=/bin', 'GREETING=hi'],
        cwd: '/',
        uid: 0,
        gid: 0,
        infraPid,
        netnsPath: `/run/netns/${netns}`,
        cgroupsPath: layout.containerCgroup(podUid, id),
        annotations: annotations(name, 'app'),
        ...extra,
      }),
      logPath: logPath(name),
      ...(logSizeMax !== undefined ? { logSizeMax } : {}),
    });
    return id;
  };

  await t.test('exit code, CRI log, hostname of the pod', async () => {
    const id = await app('exit3', ['sh', '-c', 'echo out-line; echo err-line >&2; hostname; exit 3']);
    const exited = waitExit(rt, id);
    await rt.start(id);
    await exited;
    const info = await rt.inspect(id);
    assert.equal(info?.status, 'stopped');
    assert.equal(info?.exitCode, 3);
    assert.equal(info?.oomKilled, false);
    assert.ok(info?.finishedAt && info.startedAt && info.finishedAt >= info.createdAt);
    const log = readFileSync(logPath('exit3'), 'utf8');
    assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d stdout F out-line$/m);
    assert.match(log, / stderr F err-line$/m);
    assert.match(log, / stdout F pod-host$/m);
  });

  let sleeper = '';
  await t.test('TERM → 143 in a shared pid namespace, KILL → 137', async () => {
    const term = await app('term', ['sleep', '1000'], { sharePid: true });
    await rt.start(term);
    const termExit = waitExit(rt, term);
    await rt.kill(term, 'SIGTERM');
    await termExit;
    assert.equal((await rt.inspect(term))?.exitCode, 143);

    sleeper = await app('sleeper', ['sleep', '1000']);
    await rt.start(sleeper);
    const killed = await app('killed', ['sleep', '1000']);
    await rt.start(killed);
    const killExit = waitExit(rt, killed);
    await rt.kill(killed, 'KILL');
    await killExit;
    const info = await rt.inspect(killed);
    assert.equal(info?.exitCode, 137);
    assert.equal(info?.oomKilled, false);
    // Signalling what is already dead is not an error.
    await rt.kill(killed, 'KILL');
  });

  await t.test('exec: output, exit code, env, cwd, timeout', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await rt.exec(sleeper, { args: ['sh', '-c', 'echo "$GREETING $EXTRA $(pwd)"; exit 5'], env: ['EXTRA=there'], cwd: '/tmp' }, { stdout: out });
    assert.equal(code, 5);
    assert.equal(Buffer.concat(chunks).toString(), 'hi there /tmp\n');
    const input = new PassThrough();
    const got: Buffer[] = [];
    const o2 = new PassThrough();
    o2.on('data', (c: Buffer) => got.push(c));
    const p = rt.exec(sleeper, { args: ['cat'] }, { stdin: input, stdout: o2 });
    input.end('piped\n');
    assert.equal(await p, 0);
    assert.equal(Buffer.concat(got).toString(), 'piped\n');
    const started = Date.now();
    await assert.rejects(rt.exec(sleeper, { args: ['sleep', '30'], timeoutMs: 300 }, {}), ExecTimeoutError);
    assert.ok(Date.now() - started < stretch(5000));
    await assert.rejects(rt.exec(sleeper, { args: ['/nonexistent'] }, {}), /nonexistent/);
  });

  await t.test('list, and a new runtime object adopts what runs', async () => {
    const listed = await rt.list();
    const byId = new Map(listed.map((c) => [c.id, c]));
    assert.equal(byId.get(sandboxId)?.status, 'running');
    assert.equal(byId.get(sleeper)?.status, 'running');
    assert.ok([...byId.values()].some((c) => c.exitCode === 3 && c.annotations['io.kubernetes.container.name'] === 'exit3'));
    rt = new RuncRuntime({ layout, runtimePath: RUNC });
    const again = await rt.list();
    assert.deepEqual(
      again.map((c) => [c.id, c.status, c.exitCode]).sort(),
      listed.map((c) => [c.id, c.status, c.exitCode]).sort(),
    );
    const info = await rt.inspect(sleeper);
    assert.equal(info?.status, 'running');
    assert.equal(info?.annotations['io.kubernetes.container.name'], 'sleeper');
    assert.equal(await rt.inspect(hex(32)), undefined);
  });

  await t.test('create failure rejects with the runtime message and leaves nothing', async () => {
    const err = await app('bad', ['/nonexistent']).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CreateContainerError, String(err));
    assert.match(err.message, /nonexistent/);
    assert.doesNotMatch(err.message, /level=warning|freezer/);
    // A second create with a live container's id is refused and leaves that container alone.
    await assert.rejects(rt.create({ id: sleeper, spec: { ociVersion: '1.0.2', process: {}, root: { path: rootfs } }, logPath: logPath('dup') }), /already exists/);
    assert.equal((await rt.inspect(sleeper))?.status, 'running');
    const badIds = (await rt.list()).filter((c) => c.annotations['io.kubernetes.container.name'] === 'bad');
    assert.deepEqual(badIds, []);
  });

  await t.test('a host reboot look-alike reads as unknown; persisted exit survives', async () => {
    // Simulate: the run dir (tmpfs) lost its exit file but the persist dir kept its copy.
    const exited = (await rt.list()).find((c) => c.exitCode === 3)!;
    rmSync(`${layout.exitDir}/${exited.id}`);
    const info = await rt.inspect(exited.id);
    assert.equal(info?.status, 'stopped');
    assert.equal(info?.exitCode, 3);
    // Nothing but the bundle left: what runs at reboot time looks like this.
    execFileSync(RUNC, ['--root', layout.runcRoot, 'delete', exited.id]);
    rmSync(`${layout.containerDir(exited.id)}/persist/exit`);
    const lost = await rt.inspect(exited.id);
    assert.equal(lost?.status, 'unknown');
    assert.equal(lost?.exitCode, undefined);
  });

  await t.test('created, and its conmon gone (a daemon killed before conmon reported the create): unknown, and killed at once', async () => {
    const id = await app('orphan', ['sleep', '1000']);
    assert.equal((await rt.inspect(id))?.status, 'created');
    const conmonPid = Number(readFileSync(`${layout.containerDir(id)}/conmon.pid`, 'utf8').trim());
    assert.ok(conmonPid > 0);
    process.kill(conmonPid, 'SIGKILL');
    for (let i = 0; i < 100 && existsSync(`/proc/${conmonPid}/cmdline`) && !/\) Z/.test(readFileSync(`/proc/${conmonPid}/stat`, 'utf8')); i++) await sleep(20);
    assert.equal((await rt.inspect(id))?.status, 'unknown', 'a created container nobody watches can never run');
    assert.equal((await rt.list()).find((c) => c.id === id)?.status, 'unknown');
    await rt.kill(id, 'SIGKILL', true);
    assert.equal((await rt.inspect(id))?.status, 'unknown', 'still no exit code: nobody recorded one');
    await rt.remove(id);
    assert.equal(await rt.inspect(id), undefined);
    assert.notEqual(await runcState(layout, id), 0);
  });

  await t.test('logs: follow until exit; the size limit keeps a single file', async () => {
    const id = await app('chatty', ['sh', '-c', 'for i in 1 2 3; do echo tick-$i; sleep 0.2; done; echo bye >&2']);
    const exited = waitExit(rt, id);
    await rt.start(id);
    let out = '';
    for await (const c of new CriLogReader().read(logPath('chatty'), { follow: true, until: exited, timestamps: true })) out += c;
    assert.match(out, /^\S+Z tick-1\n\S+Z tick-2\n\S+Z tick-3\n\S+Z bye\n$/);

    const big = await app('big', ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done'], {}, 4096);
    const bigExit = waitExit(rt, big);
    await rt.start(big);
    await bigExit;
    // conmon 2.1.6 starts the file afresh at the limit: one file, the newest lines only.
    assert.deepEqual(readdirSync(`${layout.podLogDir(podUid)}/big`), ['0.log']);
    const text = readFileSync(logPath('big'), 'utf8');
    assert.ok(text.length <= 4096 + 200, `log is ${text.length} bytes`);
    assert.match(text, /line-399-/);
    assert.doesNotMatch(text, /line-0-/);
  });

  await t.test('remove leaves no conmon, no runc state, no files, no mounts', async () => {
    const conmonPid = Number(readFileSync(`${layout.containerDir(sleeper)}/conmon.pid`, 'utf8'));
    await rt.remove(sleeper);
    await rt.remove(sleeper); // idempotent
    assert.notEqual(await runcState(layout, sleeper), 0);
    assert.equal(existsSync(layout.containerDir(sleeper)), false);
    assert.equal(existsSync(`${layout.exitDir}/${sleeper}`), false);
    assert.equal(existsSync(`${layout.conmonSocketDir}/${sleeper}`), false);
    const stat = existsSync(`/proc/${conmonPid}/stat`) ? readFileSync(`/proc/${conmonPid}/stat`, 'utf8') : '';
    assert.ok(stat === '' || /\) Z /.test(stat) || !stat.includes('conmon'), `conmon ${conmonPid} still alive: ${stat}`);
    assert.equal(await rt.inspect(sleeper), undefined);
    for (const id of made) await rt.remove(id);
    assert.deepEqual(await rt.list(), []);
    const mounts = (await readMountInfo()).filter((m) => isPathWithin(m.mountPoint, tmp));
    assert.deepEqual(mounts, []);
    await sleep(10);
  });
});
