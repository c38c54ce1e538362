/**
 * 20 concurrent clients (half over the unix socket, half over HTTPS with the token) create,
 * patch, replace and delete pods in one namespace while 5 watchers follow it. No update is lost
 * (read-modify-write PUTs on one shared pod retry on 409 Conflict and the counter ends exact),
 * and every watcher sees every write, in strictly increasing resourceVersion order, the same
 * sequence for all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TestDaemon } from './helpers/test-daemon.js';
import { readKubeconfig, type KubeconfigInfo } from './helpers/https-api.js';
import { stretch } from './helpers/time-factor.js';

const NS = 'conc';
const CLIENTS = 20;
const INCREMENTS = 5;
const WATCHERS = 5;

let d: TestDaemon;
let kc: KubeconfigInfo;

type Via = 'unix' | 'https';
interface Reply {
  code: number;
  body: Record<string, unknown>;
}

function open(via: Via, method: string, path: string, headers: Record<string, string>, onRes: (res: IncomingMessage) => void) {
  const opts = { method, path, headers: via === 'https' ? { ...headers, Authorization: `Bearer ${kc.token}` } : headers };
  return via === 'unix' ? httpRequest({ ...opts, socketPath: d.socket }, onRes) : httpsRequest({ ...opts, host: '127.0.0.1', port: kc.port, ca: kc.caPem }, onRes);
}

function call(via: Via, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = data ? { 'Content-Type': contentType, 'Content-Length': String(data.length) } : {};
    const req = open(via, method, path, headers, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(stretch(20_000), () => req.destroy(new Error(`${method} ${path} hung`)));
    req.end(data);
  });
}

interface SeenEvent {
  type: string;
  name: string;
  rv: number;
}

/** A raw watch: collects events; `stop` ends it. */
function watch(via: Via, fromRv: string): { events: SeenEvent[]; stop(): void; errors: string[] } {
  const events: SeenEvent[] = [];
  const errors: string[] = [];
  let buf = '';
  const req = open(via, 'GET', `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${fromRv}&allowWatchBookmarks=false`, {}, (res) => {
    if (res.statusCode !== 200) errors.push(`watch answered ${res.statusCode}`);
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') {
          errors.push(`unexpected ${ev.type}: ${line}`);
          continue;
        }
        events.push({ type: ev.type, name: ev.object.metadata.name, rv: Number(ev.object.metadata.resourceVersion) });
      }
    });
  });
  req.on('error', (e) => {
    if (!stopped) errors.push(String(e));
  });
  req.end();
  let stopped = false;
  return {
    events,
    errors,
    stop() {
      stopped = true;
      req.destroy();
    },
  };
}

const pod = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { app: 'conc' }, annotations: { counter: '0' } },
  spec: {
    terminationGracePeriodSeconds: 0,
    restartPolicy: 'Never',
    // Never pulled and never started: the agent still makes sandboxes and writes statuses, which
    // adds realistic competing writes without the cost of containers.
    containers: [{ name: 'c', image: 'localhost/conc-absent:1', imagePullPolicy: 'Never' }],
  },
});

before(async () => {
  d = new TestDaemon();
  await d.start();
  kc = await readKubeconfig(d.kubeconfigPath);
  await d.client.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});
after(async () => {
  await d?.cleanup();
});

test(`${CLIENTS} concurrent clients lose no update; ${WATCHERS} watchers see every write in resourceVersion order`, async () => {
  const shared = await call('unix', 'POST', `/api/v1/namespaces/${NS}/pods`, pod('shared'));
  assert.equal(shared.code, 201);
  const startRv = (shared.body.metadata as { resourceVersion: string }).resourceVersion;
  const watchers = Array.from({ length: WATCHERS }, (_, i) => watch(i % 2 ? 'https' : 'unix', startRv));
  try {
    const written: number[] = [];
    let conflicts = 0;
    const rvOf = (r: Reply): number => Number((r.body.metadata as { resourceVersion: string }).resourceVersion);

    const client = async (i: number): Promise<void> => {
      const via: Via = i % 2 ? 'https' : 'unix';
      const name = `p${i}`;
      const created = await call(via, 'POST', `/api/v1/namespaces/${NS}/pods`, pod(name));
      assert.equal(created.code, 201, JSON.stringify(created.body));
      written.push(rvOf(created));
      for (let k = 0; k < 3; k++) {
        const p = await call(via, 'PATCH', `/api/v1/namespaces/${NS}/pods/${name}`, { metadata: { labels: { [`step${k}`]: String(i) } } }, 'application/strategic-merge-patch+json');
        assert.equal(p.code, 200, JSON.stringify(p.body));
        written.push(rvOf(p));
      }
      for (let n = 0; n < INCREMENTS; n++) {
        // Read-modify-write with the resourceVersion: a concurrent writer makes this a 409.
        for (;;) {
          const cur = await call(via, 'GET', `/api/v1/namespaces/${NS}/pods/shared`);
          const meta = cur.body.metadata as { annotations: Record<string, string> };
          meta.annotations.counter = String(Number(meta.annotations.counter) + 1);
          const put = await call(via, 'PUT', `/api/v1/namespaces/${NS}/pods/shared`, cur.body);
          if (put.code === 409) {
            assert.equal(put.body.reason, 'Conflict');
            conflicts++;
            continue;
          }
          assert.equal(put.code, 200, JSON.stringify(put.body));
          written.push(rvOf(put));
          break;
        }
      }
      const del = await call(via, 'DELETE', `/api/v1/namespaces/${NS}/pods/${name}`, { gracePeriodSeconds: 0 });
      assert.equal(del.code, 200, JSON.stringify(del.body));
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));

    const final = await call('unix', 'GET', `/api/v1/namespaces/${NS}/pods/shared`);
    assert.equal((final.body.metadata as { annotations: Record<string, string> }).annotations.counter, String(CLIENTS * INCREMENTS), 'no increment lost');
    assert.ok(conflicts > 0, 'the clients did collide (otherwise this proves nothing)');

    // Every watcher sees every pod deleted and every write we got a resourceVersion for.
    const deadline = Date.now() + stretch(15_000);
    const complete = (w: (typeof watchers)[number]): boolean => {
      const rvs = new Set(w.events.map((e) => e.rv));
      const deleted = new Set(w.events.filter((e) => e.type === 'DELETED').map((e) => e.name));
      return written.every((rv) => rvs.has(rv)) && deleted.size >= CLIENTS;
    };
    while (!watchers.every(complete) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const [i, w] of watchers.entries()) {
      assert.deepEqual(w.errors, [], `watcher ${i}`);
      assert.ok(complete(w), `watcher ${i} missed events: saw ${w.events.length}, wrote ${written.length}`);
      for (let k = 1; k < w.events.length; k++) assert.ok(w.events[k].rv > w.events[k - 1].rv, `watcher ${i}: rv ${w.events[k].rv} after ${w.events[k - 1].rv}`);
      for (let c = 0; c < CLIENTS; c++) {
        const mine = w.events.filter((e) => e.name === `p${c}`).map((e) => e.type);
        assert.equal(mine[0], 'ADDED', `watcher ${i}, p${c}: ${mine.join(',')}`);
        assert.equal(mine.at(-1), 'DELETED', `watcher ${i}, p${c}: ${mine.join(',')}`);
      }
    }
    // The same history for everyone, up to the shortest (the agent may still be writing).
    const shortest = Math.min(...watchers.map((w) => w.events.length));
    for (const w of watchers.slice(1)) assert.deepEqual(w.events.slice(0, shortest), watchers[0].events.slice(0, shortest));
  } finally {
    for (const w of watchers) w.stop();
  }
});
