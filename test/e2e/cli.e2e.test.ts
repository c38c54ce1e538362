/**
 * The peapod CLI against a real daemon, as a user types it: apply (created / unchanged /
 * configured / refused), get, describe, logs, exec, delete, image commands; and the volume kinds
 * a user meets first (emptyDir on disk and in memory, hostPath with readOnly and subPath); exec -it
 * and attach (-i piped, -it) through a pseudo-terminal (node-pty).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pty from 'node-pty';
import { TestDaemon, allRunning, peapodBin, repoRoot } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const run = promisify(execFile);
let d: TestDaemon;
let dir: string;

async function peapod(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(peapodBin, args, { env: { ...process.env, PEAPOD_SOCKET: d.socket }, timeout: stretch(60_000) });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

before(async () => {
  d = new TestDaemon();
  await d.start();
  dir = mkdtempSync('/var/tmp/peapod-cli-e2e-');
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await d?.cleanup();
});

test('image import, ls and rm through the CLI', async () => {
  const rootfs = `${d.base}/bb`;
  await run(`${repoRoot}/scripts/make-busybox-rootfs.sh`, [rootfs]);
  const imp = await peapod('image', 'import', rootfs, 'busybox', '--change', 'ENV PATH=/bin', '--change', 'CMD ["sh"]');
  assert.equal(imp.code, 0, imp.stderr);
  await peapod('image', 'import', rootfs, 'spare:1', '--change', 'ENV PATH=/bin');
  const ls = await peapod('image', 'ls');
  assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID/m);
  assert.match(ls.stdout, /^localhost\/busybox\s+latest\s+[0-9a-f]{12}/m);
  const rm = await peapod('image', 'rm', 'localhost/spare:1');
  assert.equal(rm.code, 0, rm.stderr);
  assert.doesNotMatch((await peapod('image', 'ls')).stdout, /spare/);
  const bad = await peapod('image', 'import', '/nonexistent/rootfs', 'x');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /nonexistent/);
});

test('apply, get, describe, logs, exec, delete; volumes; immutable fields refused', async () => {
  const host = `${dir}/host`;
  mkdirSync(`${host}/sub`, { recursive: true });
  writeFileSync(`${host}/sub/greeting`, 'hello from the host\n');
  const manifest = (command: string, label = 'one') => `
apiVersion: v1
kind: Pod
metadata:
  name: vols
  labels: { tier: ${label} }
spec:
  terminationGracePeriodSeconds: 1
  volumes:
    - name: scratch
      emptyDir: {}
    - name: mem
      emptyDir: { medium: Memory }
    - name: host
      hostPath: { path: ${host}, type: Directory }
  containers:
    - name: main
      image: localhost/busybox:latest
      command: ["sh", "-c", "${command}"]
      volumeMounts:
        - { name: scratch, mountPath: /scratch }
        - { name: mem, mountPath: /mem }
        - { name: host, mountPath: /greeting, subPath: sub, readOnly: true }
`;
  const file = `${dir}/vols.yaml`;
  writeFileSync(file, manifest('echo started; cat /greeting/greeting; exec sleep 100000'));
  const created = await peapod('apply', '-f', file);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'pod/vols created');
  assert.equal((await peapod('apply', '-f', file)).stdout.trim(), 'pod/vols unchanged');
  await d.waitForPod('vols', allRunning);

  const get = await peapod('get', 'pods');
  assert.match(get.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*$/m);
  assert.match(get.stdout, /^vols\s+1\/1\s+Running\s+0\s+\d+s\s*$/m);
  const wide = await peapod('get', 'pod', 'vols', '-o', 'wide');
  assert.match(wide.stdout, new RegExp(`${d.subnet.replace(/\./g, '\\.')}\\.\\d+`));
  const asJson = JSON.parse((await peapod('get', 'pod', 'vols', '-o', 'json')).stdout);
  assert.equal(asJson.kind, 'Pod');
  assert.equal(asJson.status.phase, 'Running');

  const desc = await peapod('describe', 'pod', 'vols');
  assert.match(desc.stdout, /^Name:\s+vols$/m);
  assert.match(desc.stdout, /^Status:\s+Running$/m);
  assert.match(desc.stdout, /Container ID:\s+peapod:\/\/[0-9a-f]{64}/);

  const logs = await peapod('logs', 'vols');
  assert.equal(logs.stdout, 'started\nhello from the host\n');
  const tail = await peapod('logs', 'vols', '--tail', '1', '--timestamps');
  assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z hello from the host\n$/);

  // Volumes seen from inside: the Memory emptyDir is a tmpfs, the hostPath subPath is read-only.
  const mounts = await peapod('exec', 'vols', '--', 'sh', '-c', 'grep -E " /mem | /greeting " /proc/mounts');
  assert.match(mounts.stdout, /^tmpfs \/mem tmpfs/m);
  assert.match(mounts.stdout, / \/greeting \S+ ro[,\s]/m);
  const ro = await peapod('exec', 'vols', '--', 'sh', '-c', 'echo x > /greeting/new');
  assert.notEqual(ro.code, 0, 'the read-only hostPath refused a write');
  assert.equal((await peapod('exec', 'vols', '--', 'sh', '-c', 'exit 4')).code, 4);
  assert.equal((await peapod('exec', 'vols', '--', 'sh', '-c', 'echo shared > /scratch/f; cat /scratch/f')).stdout, 'shared\n');

  // A label change is applied in place; a command change is refused naming the field.
  writeFileSync(file, manifest('echo started; cat /greeting/greeting; exec sleep 100000', 'two'));
  assert.equal((await peapod('apply', '-f', file)).stdout.trim(), 'pod/vols configured');
  writeFileSync(file, manifest('exec sleep 5', 'two'));
  const refused = await peapod('apply', '-f', file);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /spec\.containers\[0\]\.command/);
  assert.match(refused.stderr, /Forbidden: pod updates may not change fields/);

  const del = await peapod('delete', 'pod', 'vols');
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout.trim(), 'pod "vols" deleted');
  const none = await peapod('get', 'pod', 'vols');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Error from server \(NotFound\): pods "vols" not found/);
  assert.equal(readFileSync(`${host}/sub/greeting`, 'utf8'), 'hello from the host\n', 'deleting the pod left the hostPath alone');
});

test('bad input: malformed YAML, unknown kind, invalid pod; nothing is stored', async () => {
  const file = `${dir}/bad.yaml`;
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n');
  const yaml = await peapod('apply', '-f', file);
  assert.notEqual(yaml.code, 0);
  assert.match(yaml.stderr, /line \d+/);
  writeFileSync(file, 'apiVersion: v1\nkind: Gizmo\nmetadata: {name: x}\n');
  assert.match((await peapod('apply', '-f', file)).stderr, /Gizmo/);
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: a, image: localhost/busybox}\n  - {name: a, image: localhost/busybox}\n');
  const dup = await peapod('apply', '-f', file);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /spec\.containers\[1\]\.name: Duplicate value: "a"/);
  assert.match((await peapod('get', 'pods')).stderr + (await peapod('get', 'pods')).stdout, /No resources found in default namespace/);
  const flag = await peapod('get', 'pods', '--bogus');
  assert.equal(flag.code, 2);
});

// exec -it / attach through a real pseudo-terminal ------------------------------------------------

/** Waits until the terminal output matches, or fails with what was seen. */
async function until(out: () => string, re: RegExp, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + stretch(ms);
  while (!re.test(out())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; terminal shows:\n${out()}\n--- daemon log:\n${d.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ptyPeapod(args: string[], cols: number, rows: number) {
  const term = pty.spawn(peapodBin, args, { name: 'xterm', cols, rows, env: { ...(process.env as Record<string, string>), PEAPOD_SOCKET: d.socket } });
  let out = '';
  term.onData((c) => (out += c));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  const exitCode = () => Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), stretch(15_000)))]);
  return { term, out: () => out, exitCode };
}

/** The first test imports busybox through the CLI; these tests may run on their own (--test-name-pattern). */
async function ensureBusybox(): Promise<void> {
  if (!/^localhost\/busybox\s+latest/m.test((await peapod('image', 'ls')).stdout)) await d.importBusybox();
}

async function applyPod(name: string, container: string): Promise<void> {
  await ensureBusybox();
  const file = `${dir}/${name}.yaml`;
  writeFileSync(file, `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: localhost/busybox:latest\n${container}`);
  const r = await peapod('apply', '-f', file);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForPod(name, allRunning);
}

test('peapod exec -it: a real terminal, its size and a resize, the exit code', async () => {
  await applyPod('tty-exec', '    command: ["sleep", "100000"]\n');
  const { term, out, exitCode } = ptyPeapod(['exec', '-it', 'tty-exec', '--', 'sh'], 100, 30);
  try {
    await until(out, /\/ # /, 'the shell prompt');
    term.write('tty; stty size\r');
    await until(out, /\/dev\/pts\/\d+\s+30 100/, 'the terminal and its first size');
    term.resize(120, 40);
    // peapod sends the new size on SIGWINCH; stty then sees it.
    await new Promise((r) => setTimeout(r, stretch(300)));
    term.write('stty size\r');
    await until(out, /40 120/, 'the size after a resize');
    term.write('exit 7\r');
    assert.equal(await exitCode(), 7, `terminal:\n${out()}`);
    assert.match(out(), /command terminated with exit code 7/);
  } finally {
    term.kill();
  }
  // Killed mid-session, peapod still puts the terminal back (cooked mode, echo) before dying of the
  // signal. SIGHUP because node itself resets the terminal on SIGINT/SIGTERM, not on SIGHUP.
  const shell = pty.spawn('/bin/sh', ['-c', `${peapodBin} exec -it tty-exec -- sh; echo rc=$?; stty -a`], {
    name: 'xterm',
    cols: 100,
    rows: 30,
    env: { ...(process.env as Record<string, string>), PEAPOD_SOCKET: d.socket },
  });
  let shellOut = '';
  shell.onData((c) => (shellOut += c));
  try {
    await until(() => shellOut, /\/ # /, 'the shell prompt under a wrapper');
    const children = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    assert.equal(children.length, 1, 'peapod is the wrapper shell\'s only child');
    process.kill(children[0], 'SIGHUP');
    // stty's output arrives in pieces: wait for the local-modes line (icanon and echo, set or not).
    await until(() => shellOut, /rc=129[\s\S]*\s-?icanon\s[\s\S]*\s-?echo\s/, 'the wrapper to report and print the terminal modes');
    const after = shellOut.slice(shellOut.indexOf('rc=129'));
    assert.match(after, /(^|\s)icanon(\s|$)/m, `canonical mode is back:\n${after}`);
    assert.match(after, /(^|\s)echo(\s|$)/m, `echo is back:\n${after}`);
  } finally {
    shell.kill();
  }

  // Without a terminal on stdin, -t is dropped with kubectl's warning and the command still runs.
  const piped = await peapod('exec', '-it', 'tty-exec', '--', 'sh', '-c', 'tty; true');
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file$/m);
  assert.equal(piped.stdout, 'not a tty\n');
  await d.removePod('tty-exec');
});

test('echo x | peapod attach -i: stdin reaches the container, its end closes it (stdinOnce), exit 0', async () => {
  await applyPod('att-pipe', '    command: ["sh", "-c", "cat; echo done"]\n    stdin: true\n    stdinOnce: true\n');
  const child = spawn(peapodBin, ['attach', '-i', 'att-pipe'], { env: { ...process.env, PEAPOD_SOCKET: d.socket }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), stretch(30_000));
  const code = await new Promise<number>((resolve) => {
    child.on('close', (c) => resolve(c ?? -1));
    child.stdin.end('x\n');
  });
  clearTimeout(timer);
  assert.equal(code, 0, `${stderr}\n--- daemon log:\n${d.log()}`);
  assert.equal(stdout, 'x\ndone\n');
  assert.match(stderr, /If you don't see a command prompt, try pressing enter\./);
  const pod = await d.waitForPod('att-pipe', (p) => p.status?.phase === 'Succeeded');
  assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  const late = await peapod('attach', 'att-pipe');
  assert.equal(late.code, 1);
  assert.match(late.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/);
  await d.removePod('att-pipe');
});

test("peapod attach -it: the container's own terminal, resize, the session ends with the container", async () => {
  await applyPod('att-tty', '    command: ["sh"]\n    stdin: true\n    tty: true\n');
  const { term, out, exitCode } = ptyPeapod(['attach', '-it', 'att-tty'], 90, 25);
  try {
    await until(out, /If you don't see a command prompt/, 'peapod to attach');
    term.write('echo $((6*7)); tty; stty size\r');
    await until(out, /\n42\s+\/dev\/(pts\/\d+|console)\s+25 90/, 'the shell on its own terminal with the first size');
    term.resize(110, 33);
    await new Promise((r) => setTimeout(r, stretch(300)));
    term.write('stty size\r');
    await until(out, /33 110/, 'the size after a resize');
    term.write('exit 0\r');
    assert.equal(await exitCode(), 0, `terminal:\n${out()}`);
  } finally {
    term.kill();
  }
  const pod = await d.waitForPod('att-tty', (p) => p.status?.phase === 'Succeeded');
  assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  await d.removePod('att-tty');
});
