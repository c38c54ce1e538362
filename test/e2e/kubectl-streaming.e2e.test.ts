/**
 * The streaming subresources with the real kubectl over HTTPS: `exec -it` through a
 * pseudo-terminal (node-pty) with resize and the exit code, exec over SPDY/3.1 (kubectl 1.32 with
 * WebSockets off, and kubectl 1.27, which speaks only SPDY), and port-forward over WebSocket and
 * SPDY to a pod's two httpd ports with concurrent connections, attach (piped, over SPDY, and to
 * the container's own terminal) and `kubectl run -it --rm`. Skips, saying so, on a machine without kubectl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import pty from 'node-pty';
import { TestDaemon, allRunning } from './helpers/test-daemon.js';
import { readKubeconfig } from './helpers/https-api.js';
import { stretch } from './helpers/time-factor.js';

const KUBECTL = '/usr/bin/kubectl';
// kubectl 1.27 (SPDY only) sits beside the dispatcher in the Google Cloud SDK.
const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) process.stderr.write('\n*** NO KUBECTL at /usr/bin/kubectl: the kubectl streaming e2e tests are SKIPPED ***\n\n');
const opts = { skip: haveKubectl ? false : 'kubectl is not installed on this machine' };
const opts127 = { skip: !haveKubectl ? 'kubectl is not installed' : existsSync(KUBECTL_127) ? false : `no ${KUBECTL_127}` };

let d: TestDaemon;
let cacheN = 0;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...(process.env as Record<string, string>),
  KUBECONFIG: d.kubeconfigPath,
  KUBECACHEDIR: `${d.base}/kcache-${cacheN++}`,
  HOME: `${d.base}/home`,
  ...extra,
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], o: { bin?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin ?? KUBECTL, args, { env: env(o.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), stretch(60_000));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : -1), stdout, stderr });
    });
    child.stdin.end(o.stdin ?? '');
  });
}

const podYaml = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: localhost/busybox:latest
    command: ["sh", "-c", "mkdir -p /www /www2 && echo hello-from-pod > /www/index.html && echo second-port > /www2/index.html && httpd -p 81 -h /www2 && exec httpd -f -p 80 -h /www"]
    ports:
    - containerPort: 80
    - containerPort: 81
`;

before(async () => {
  if (!haveKubectl) return;
  d = new TestDaemon();
  await d.start();
  await readKubeconfig(d.kubeconfigPath);
  await d.importBusybox();
  const r = await kubectl(['create', '-f', '-'], { stdin: podYaml });
  assert.equal(r.code, 0, r.stderr);
  await d.waitForPod('web', allRunning);
});
after(async () => {
  await d?.cleanup();
});

/** Waits until the terminal output matches, or fails with what was seen. */
async function until(out: () => string, re: RegExp, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + stretch(ms);
  while (!re.test(out())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; terminal shows:\n${out()}\n--- daemon log:\n${d.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ttyExec(bin: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const term = pty.spawn(bin, ['exec', '-it', 'web', '--', 'sh'], { name: 'xterm', cols: 100, rows: 30, env: env(extraEnv) });
  let out = '';
  term.onData((c) => (out += c));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  try {
    await until(() => out, /\/ # /, 'the shell prompt');
    term.write('tty; stty size\r');
    await until(() => out, /\/dev\/pts\/\d+\s+30 100/, 'the terminal and its first size');
    term.resize(120, 40);
    // kubectl sends the new size on SIGWINCH; stty then sees it.
    await new Promise((r) => setTimeout(r, stretch(300)));
    term.write('stty size\r');
    await until(() => out, /40 120/, 'the size after a resize');
    term.write('exit 7\r');
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), stretch(15_000)))]);
    assert.equal(code, 7, `exit code through the final Status; terminal:\n${out}`);
    assert.match(out, /command terminated with exit code 7/);
  } finally {
    term.kill();
  }
}

test('kubectl exec -it: a real terminal, resize, exit code (WebSocket v5)', opts, async () => {
  await ttyExec(KUBECTL);
});


const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };

test('exec over SPDY/3.1 (kubectl 1.32 with WebSockets off): stdout, stderr, stdin, exit code', opts, async () => {
  const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env: SPDY });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /^err$/m);
  assert.match(r.stderr, /command terminated with exit code 3/);
  const piped = await kubectl(['exec', '-i', 'web', '--', 'cat'], { env: SPDY, stdin: 'piped through spdy\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'piped through spdy\n');
});

test('kubectl exec -it over SPDY: terminal, resize, exit code', opts, async () => {
  await ttyExec(KUBECTL, SPDY);
});

test('kubectl 1.27 (SPDY only): exec, exec -i, exec -it', opts127, async () => {
  const r = await kubectl(['exec', 'web', '--', 'echo', 'hi'], { bin: KUBECTL_127 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  const piped = await kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; exit 4'], { bin: KUBECTL_127, stdin: 'x'.repeat(200_000) });
  assert.equal(piped.code, 4, piped.stderr);
  assert.equal(piped.stdout.length, 200_000);
  await ttyExec(KUBECTL_127);
});

test('kubectl 1.27 cp both ways (tar over SPDY exec)', opts127, async () => {
  const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
  writeFileSync(`${d.base}/cp-src.txt`, payload);
  const up = await kubectl(['cp', `${d.base}/cp-src.txt`, 'web:/tmp/cp-dst.txt'], { bin: KUBECTL_127 });
  assert.equal(up.code, 0, up.stderr);
  const sum = await kubectl(['exec', 'web', '--', 'wc', '-c', '/tmp/cp-dst.txt'], { bin: KUBECTL_127 });
  assert.match(sum.stdout, new RegExp(`^\\s*${payload.length}\\s`));
  const down = await kubectl(['cp', 'web:/tmp/cp-dst.txt', `${d.base}/cp-back.txt`], { bin: KUBECTL_127 });
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(readFileSync(`${d.base}/cp-back.txt`), payload);
});

/** Starts `kubectl port-forward pod/web :80 :81` (kubectl picks the local ports) and reads them back. */
async function portForward(bin: string, extraEnv: Record<string, string>): Promise<{ child: ChildProcess; ports: Map<number, number>; output: () => string }> {
  const child = spawn(bin, ['port-forward', 'pod/web', ':80', ':81'], { env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await until(() => out, /127\.0\.0\.1:\d+ -> 80[\s\S]*127\.0\.0\.1:\d+ -> 81|127\.0\.0\.1:\d+ -> 81[\s\S]*127\.0\.0\.1:\d+ -> 80/, 'kubectl to listen');
  const ports = new Map<number, number>();
  for (const m of out.matchAll(/127\.0\.0\.1:(\d+) -> (\d+)/g)) ports.set(Number(m[2]), Number(m[1]));
  return { child, ports, output: () => out };
}

async function checkPortForward(bin: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const pf = await portForward(bin, extraEnv);
  try {
    const get = async (port: number): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${pf.ports.get(port)}/`, { signal: AbortSignal.timeout(stretch(10_000)) });
      assert.equal(res.status, 200);
      return res.text();
    };
    assert.equal(await get(80), 'hello-from-pod\n');
    assert.equal(await get(81), 'second-port\n');
    // Concurrent connections on both ports, each its own pair of streams.
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => get(i % 2 ? 81 : 80)));
    assert.deepEqual(many, Array.from({ length: 12 }, (_, i) => (i % 2 ? 'second-port\n' : 'hello-from-pod\n')));
    assert.equal(pf.child.exitCode, null, `kubectl port-forward exited:\n${pf.output()}`);
  } finally {
    pf.child.kill('SIGTERM');
  }
}

test('kubectl port-forward over SPDY tunnelled in WebSocket: two ports, concurrent connections', opts, async () => {
  await checkPortForward(KUBECTL);
});

test('kubectl port-forward over plain SPDY (WebSockets off)', opts, async () => {
  await checkPortForward(KUBECTL, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
});

test('kubectl 1.27 port-forward (SPDY only)', opts127, async () => {
  await checkPortForward(KUBECTL_127);
});

// attach: the container's own stdio through conmon's attach socket ------------------------------

const attachPodYaml = (name: string, o: { tty: boolean; command: string }) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: localhost/busybox:latest
    command: ["sh", "-c", ${JSON.stringify(o.command)}]
    stdin: true
    stdinOnce: true
    tty: ${o.tty}
`;

async function runAttachPod(name: string, o: { tty: boolean; command: string }): Promise<void> {
  const r = await kubectl(['create', '-f', '-'], { stdin: attachPodYaml(name, o) });
  assert.equal(r.code, 0, r.stderr);
  await d.waitForPod(name, allRunning);
}

/**
 * `kubectl attach -i` to `cat`: what kubectl reads goes to the container's stdin, the end of it
 * closes that stdin (stdinOnce), the container's stdout and stderr come back separately, and the
 * session ends when the container exits.
 */
async function pipedAttach(name: string, bin: string, extraEnv: Record<string, string> = {}): Promise<void> {
  await runAttachPod(name, { tty: false, command: 'cat; echo stdin-closed; echo to-stderr >&2' });
  const input = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const r = await kubectl(['attach', '-i', name], { bin, env: extraEnv, stdin: input });
  assert.equal(r.code, 0, `${r.stderr}\n--- daemon log:\n${d.log()}`);
  assert.equal(r.stdout, `${input}stdin-closed\n`);
  assert.match(r.stderr, /^to-stderr$/m);
  const pod = await d.waitForPod(name, (p) => p.status?.phase === 'Succeeded');
  assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  await d.removePod(name);
}

test('kubectl attach -i: stdin in, stdout and stderr out, stdinOnce closes stdin (WebSocket v5)', opts, async () => {
  await pipedAttach('att-ws', KUBECTL);
});

test('kubectl attach -i over SPDY (kubectl 1.32 with WebSockets off, and kubectl 1.27)', opts, async () => {
  await pipedAttach('att-spdy', KUBECTL, SPDY);
  if (existsSync(KUBECTL_127)) await pipedAttach('att-127', KUBECTL_127);
});

test("kubectl attach -it: the container's own terminal, resize, the session ends with the container", opts, async () => {
  await runAttachPod('att-tty', { tty: true, command: 'exec sh' });
  const term = pty.spawn(KUBECTL, ['attach', '-it', 'att-tty'], { name: 'xterm', cols: 90, rows: 25, env: env() });
  let out = '';
  term.onData((c) => (out += c));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  try {
    await until(() => out, /If you don't see a command prompt/, 'kubectl to attach');
    term.write('echo $((6*7)); tty; stty size\r');
    await until(() => out, /\n42\s+\/dev\/(pts\/\d+|console)\s+25 90/, 'the shell on its own terminal with the first size');
    term.resize(110, 33);
    await new Promise((r) => setTimeout(r, stretch(300)));
    term.write('stty size\r');
    await until(() => out, /33 110/, 'the size after a resize');
    term.write('exit 0\r');
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), stretch(15_000)))]);
    assert.equal(code, 0, `terminal:\n${out}`);
  } finally {
    term.kill();
  }
  const pod = await d.waitForPod('att-tty', (p) => p.status?.phase === 'Succeeded');
  assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  // What the terminal showed is in the container's log too.
  const logs = await kubectl(['logs', 'att-tty']);
  assert.match(logs.stdout, /42/);
  await d.removePod('att-tty');
});

test('kubectl run -it --rm: creates the pod, attaches to its terminal, deletes it afterwards', opts, async () => {
  const args = ['run', 'att-run', '--image=localhost/busybox:latest', '--restart=Never', '-it', '--rm', '--', 'sh'];
  const term = pty.spawn(KUBECTL, args, { name: 'xterm', cols: 80, rows: 24, env: env() });
  let out = '';
  term.onData((c) => (out += c));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  try {
    await until(() => out, /If you don't see a command prompt/, 'kubectl to attach', 30_000);
    term.write('echo run-$((40+2))\r');
    await until(() => out, /run-42/, 'the shell answering');
    term.write('exit\r');
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), stretch(30_000)))]);
    assert.equal(code, 0, `terminal:\n${out}`);
    assert.match(out, /pod "att-run" deleted/);
  } finally {
    term.kill();
  }
  await d.waitForPodGone('att-run');
});
