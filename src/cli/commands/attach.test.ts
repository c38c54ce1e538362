import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { Pod } from '../../core/types.js';
import type { LocalTerminal } from '../local-terminal.js';
import { runCli } from '../run-cli.js';
import { attachRefusal } from './attach.js';

// A pods GET plus exec/attach upgrades that report the query and each resize on stdout; stdin "q" ends the session.
const pods = new Map<string, Pod>();
let dir: string;
let socket: string;
let server: http.Server;
const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });

const runningPod = (name: string, container: Record<string, unknown>, restartPolicy = 'Always'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox', ...container }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: {} } }] },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peapod-attach-'));
  socket = join(dir, 's.sock');
  server = http.createServer((req, res) => {
    const m = /^\/api\/v1\/namespaces\/default\/pods\/([^/?]+)$/.exec(new URL(req.url ?? '', 'http://x').pathname);
    const pod = m ? pods.get(m[1]) : undefined;
    res.writeHead(pod ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(pod ?? { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'pods not found' }));
  });
  server.on('upgrade', (req, sock, head) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname.includes('/pods/broken/')) {
      sock.end('HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
        JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'InternalError', message: 'runtime exploded', code: 500 }));
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => {
      const frame = (ch: number, data: string) => ws.send(Buffer.concat([Buffer.of(ch), Buffer.from(data)]));
      url.searchParams.delete('command');
      frame(1, `${url.pathname.split('/').pop()} ${url.searchParams.toString()}\n`);
      const end = () => {
        frame(3, JSON.stringify({ metadata: {}, status: 'Success' }));
        ws.close(1000);
      };
      if (url.searchParams.get('stdin') !== 'true') return end();
      ws.on('message', (raw: Buffer) => {
        if (raw[0] === 4) frame(1, `resize ${raw.subarray(1).toString()}\n`);
        else if (raw[0] === 0 && raw.subarray(1).toString() === 'q') end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(async () => {
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

class FakeTerminal implements LocalTerminal {
  raw = false;
  rawCalls = 0;
  private listener: (() => void) | undefined;
  width = 80;
  constructor(readonly isTerminal: boolean) {}
  size() {
    return { width: this.width, height: 24 };
  }
  onResize(listener: () => void) {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  makeRaw() {
    this.raw = true;
    this.rawCalls++;
    return () => (this.raw = false);
  }
  resize(width: number) {
    this.width = width;
    this.listener?.();
  }
}

async function cli(args: string[], terminal: FakeTerminal, input?: (stdin: PassThrough, out: () => string) => Promise<void>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = runCli(args, { stdout, stderr, stdin, env: { PEAPOD_SOCKET: socket }, cwd: dir, now: () => Date.now(), terminal });
  if (input) await input(stdin, () => out);
  return { code: await code, stdout: () => out, stderr: () => err };
}

async function waitFor(out: () => string, text: string): Promise<void> {
  while (!out().includes(text)) await new Promise((r) => setTimeout(r, 5));
}

test('attach -it: raw terminal during the session only, first size and a resize sent, hint and resume line', async () => {
  pods.set('sh', runningPod('sh', { stdin: true, tty: true }));
  const term = new FakeTerminal(true);
  const r = await cli(['attach', '-it', 'sh'], term, async (stdin, out) => {
    await waitFor(out, 'resize {"Width":80,"Height":24}');
    assert.equal(term.raw, true, 'raw while attached');
    term.resize(100);
    await waitFor(out, 'resize {"Width":100,"Height":24}');
    stdin.write('q');
  });
  assert.equal(r.code, 0, r.stderr());
  assert.equal(term.raw, false, 'restored after the session');
  assert.match(r.stdout(), /^attach container=main&stdin=true&stdout=true&tty=true\n/);
  assert.match(r.stdout(), /Session ended, resume using 'peapod attach sh -c main -i -t' command when the pod is running\n$/);
  assert.equal(r.stderr(), "If you don't see a command prompt, try pressing enter.\n");
});

test('attach -i to a container without stdin: warned, attached without stdin, exit 0', async () => {
  pods.set('plain', runningPod('plain', {}, 'Never'));
  const r = await cli(['attach', '-i', 'plain'], new FakeTerminal(false));
  assert.equal(r.code, 0, r.stderr());
  assert.equal(r.stdout(), 'attach container=main&stdout=true&stderr=true&tty=false\n');
  assert.equal(r.stderr(), "Unable to use stdin - container main did not allocate one\nIf you don't see a command prompt, try pressing enter.\n");
});

test('attach to a completed pod, a waiting container or a missing one is refused', async () => {
  pods.set('done', { ...runningPod('done', {}), status: { phase: 'Succeeded' } });
  const r = await cli(['attach', 'done'], new FakeTerminal(false));
  assert.equal(r.code, 1);
  assert.equal(r.stderr(), 'error: cannot attach a container in a completed pod; current phase is Succeeded\n');
  const missing = await cli(['attach', 'plain', '-c', 'nope'], new FakeTerminal(false));
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr(), 'error: cannot attach to the container: container not found (nope)\n');
});

test('attachRefusal words the reason from the container state', () => {
  const pod = runningPod('p', {});
  assert.equal(attachRefusal(pod, 'main'), undefined);
  const waiting: Pod = { ...pod, status: { phase: 'Pending', containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] } };
  assert.equal(attachRefusal(waiting, 'main'), 'cannot attach to container "main" in pod "p": it is not running (waiting: ContainerCreating)');
  assert.equal(attachRefusal({ ...pod, status: { phase: 'Pending' } }, 'main'), 'cannot attach to container "main" in pod "p": it is not running (pod phase Pending)');
});

test('exec -it from a pipe: kubectl warning, no TTY asked, stderr kept separate', async () => {
  pods.set('web', runningPod('web', {}));
  const term = new FakeTerminal(false);
  const r = await cli(['exec', '-it', 'web', '--', 'sh'], term, async (stdin) => {
    stdin.write('q');
  });
  assert.equal(r.code, 0, r.stderr());
  assert.equal(term.rawCalls, 0);
  assert.equal(r.stdout(), 'exec container=main&stdin=true&stdout=true&stderr=true&tty=false\n');
  assert.equal(r.stderr(), 'Unable to use a TTY - input is not a terminal or the right kind of file\n');
});

test('exec -it: a failed session still puts the terminal back', async () => {
  pods.set('broken', runningPod('broken', {}));
  const term = new FakeTerminal(true);
  const r = await cli(['exec', '-it', 'broken', '--', 'sh'], term);
  assert.equal(r.code, 1);
  assert.equal(term.rawCalls, 1);
  assert.equal(term.raw, false);
  assert.match(r.stderr(), /runtime exploded/);
});
