/**
 * Services and cluster DNS (issue 13; DESIGN.md §8: DNS ≥ 10,000 queries/s from a pod with p99
 * ≤ 2 ms for cluster names; rules for 1,000 Services × 2 endpoints synced in ≤ 1 s, one Service
 * change in ≤ 50 ms; connection setup through a ClusterIP within 10 % of a direct pod IP).
 *   rules    ServiceProxy + nft: the full sync of 1,000 Services × 2 endpoints and a one-Service
 *            change, beside kube-proxy's iptables mode (the same Services as KUBE-SVC/KUBE-SEP
 *            chains through iptables-restore) in the same run; a private table / chains that no
 *            traffic reaches (TEST-NET addresses), removed afterwards
 *   dns      queries/s and p50/p99 from a pod's network namespace to cluster DNS (a cluster name)
 *            beside dnsmasq (Debian's, on the bridge gateway, a local name) with the same client
 *   connect  TCP connection setup from a pod to a Service's ClusterIP beside the backend pod's IP
 * Run as root: node --import tsx bench/services.bench.ts [--only rules,dns,connect] [--seconds 5] [--concurrency 32] [--connects 500]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { NftRuleset } from '../src/adapters/nft/nft-ruleset.js';
import { systemClock } from '../src/adapters/system/system-clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { EndpointSlice, Pod, Service } from '../src/core/types.js';
import { ServiceProxy } from '../src/network/proxy/service-proxy.js';
import { TestDaemon, allRunning } from '../test/e2e/helpers/test-daemon.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' }, connects: { type: 'string' } } });
const only = new Set((values.only ?? 'rules,dns,connect').split(','));
const SECONDS = Number(values.seconds ?? 5);
const CONCURRENCY = Number(values.concurrency ?? 32);
const CONNECTS = Number(values.connects ?? 500);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
// systemClock's timers never hold the process; hold it while the benchmark waits on them.
const keepAlive = setInterval(() => undefined, 1000);

// --- rules --------------------------------------------------------------------------------------

const N = 1000;
const svc = (i: number): Service => ({
  metadata: { namespace: 'bench', name: `s${i}`, uid: `u${i}`, resourceVersion: '1' },
  spec: { clusterIP: `198.18.${96 + (i >> 8)}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (i: number, ips: string[], rv = '1'): EndpointSlice => ({
  metadata: { namespace: 'bench', name: `s${i}-x`, uid: `e${i}`, resourceVersion: rv, labels: { 'kubernetes.io/service-name': `s${i}` } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'bench' })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});
const ep = (i: number, k: number): string => `198.19.${(i * 2 + k) >> 8}.${(i * 2 + k) & 255}`;

/** The same Services as kube-proxy's iptables mode writes them (KUBE-SVC-* with statistic, KUBE-SEP-* DNAT). */
function iptablesScript(prefix: string, which: number[]): string {
  const lines = ['*nat'];
  const chains: string[] = [];
  const rules: string[] = [];
  if (which.length === N) {
    chains.push(`:${prefix}-SERVICES - [0:0]`);
  }
  for (const i of which) {
    const s = `${prefix}-SVC-${i}`;
    chains.push(`:${s} - [0:0]`);
    if (which.length === N) rules.push(`-A ${prefix}-SERVICES -d 198.18.${96 + (i >> 8)}.${i & 255}/32 -p tcp -m tcp --dport 80 -j ${s}`);
    for (let k = 0; k < 2; k++) {
      const e = `${prefix}-SEP-${i}-${k}`;
      chains.push(`:${e} - [0:0]`);
      rules.push(`-A ${e} -s ${ep(i, k)}/32 -j MARK --set-xmark 0x4000/0x4000`, `-A ${e} -p tcp -m tcp -j DNAT --to-destination ${ep(i, k)}:8080`);
    }
    rules.push(`-A ${s} -m statistic --mode random --probability 0.5 -j ${prefix}-SEP-${i}-0`, `-A ${s} -j ${prefix}-SEP-${i}-1`);
  }
  return `${[...lines, ...chains, ...rules, 'COMMIT'].join('\n')}\n`;
}

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function benchRules(): Promise<void> {
  const table = `peapod-b${randomBytes(3).toString('hex')}`;
  const rules = new NftRuleset(table);
  const prefix = `PPB${randomBytes(2).toString('hex').toUpperCase()}`;
  const cfg = { table, bridge: `pb${randomBytes(3).toString('hex')}`, podCidr: '198.19.0.0/16', serviceCidr: '198.18.96.0/20', nodeName: 'bench' };
  const services = Array.from({ length: N }, (_, i) => svc(i));
  const slices = services.map((_, i) => slice(i, [ep(i, 0), ep(i, 1)]));
  try {
    const full: number[] = [];
    const partial: number[] = [];
    for (let run = 0; run < 3; run++) {
      await rules.remove();
      const proxy = new ServiceProxy({ config: cfg, rules, clock: systemClock, logger: silentLogger });
      const t = performance.now();
      proxy.update(services, slices);
      await proxy.whenSynced();
      full.push(performance.now() - t);
      for (let change = 0; change < 5; change++) {
        const changed = [...slices];
        const i = 100 * change + run;
        changed[i] = slice(i, [ep(i, 0)], `${change + 2}`);
        const t2 = performance.now();
        proxy.update(services, changed);
        await proxy.whenSynced();
        partial.push(performance.now() - t2);
        if (proxy.lastSync?.kind !== 'partial') throw new Error(`expected a partial sync, got ${proxy.lastSync?.kind}`);
      }
      await proxy.stop();
    }
    // kube-proxy's iptables mode, same Services: a full restore, then one Service's chains.
    const ipFull: number[] = [];
    const ipOne: number[] = [];
    const all = Array.from({ length: N }, (_, i) => i);
    for (let run = 0; run < 3; run++) {
      cleanupIptables(prefix);
      ipFull.push(timeMs(() => execFileSync('iptables-restore', ['-w', '--noflush'], { input: iptablesScript(prefix, all) })));
      for (let change = 0; change < 5; change++) ipOne.push(timeMs(() => execFileSync('iptables-restore', ['-w', '--noflush'], { input: iptablesScript(prefix, [100 * change + run]) })));
    }
    console.log(`rules: ${N} Services × 2 endpoints`);
    console.log(`  full sync     nft ${fmt(median(full))}   iptables-restore ${fmt(median(ipFull))}   (nft/iptables ${(median(full) / median(ipFull)).toFixed(2)})`);
    console.log(`  one Service   nft ${fmt(median(partial))}   iptables-restore ${fmt(median(ipOne))}   (nft/iptables ${(median(partial) / median(ipOne)).toFixed(2)})`);
  } finally {
    await rules.remove();
    cleanupIptables(prefix);
  }
}

function cleanupIptables(prefix: string): void {
  const saved = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' });
  const chains = saved.split('\n').filter((l) => l.startsWith(`:${prefix}-`)).map((l) => l.slice(1).split(' ')[0]);
  if (chains.length === 0) return;
  execFileSync('iptables-restore', ['-w', '--noflush'], { input: `*nat\n${chains.map((c) => `-F ${c}`).join('\n')}\n${chains.map((c) => `-X ${c}`).join('\n')}\nCOMMIT\n` });
}

// --- daemon-backed parts ---------------------------------------------------------------------

/** Runs a Node script inside a network namespace; resolves to its JSON output. */
function inNetns(netns: string, script: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load script exited ${code}`))));
  });
}

/** A closed-loop DNS load: `concurrency` queries in flight for `seconds`, one A question repeated. */
const DNS_LOAD = `
import { createSocket } from 'node:dgram';
const [host, port, name, seconds, concurrency] = process.argv.slice(1);
const q = (id) => { const labels = name.split('.'); const parts = [Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l)); parts.push(Buffer.from([0, 0, 1, 0, 1])); return Buffer.concat(parts); };
const s = createSocket('udp4'); const sent = new Map(); const lat = []; let next = 0; let errors = 0;
const end = Date.now() + Number(seconds) * 1000;
const fire = () => { if (Date.now() > end) return; const id = next++ & 0xffff; sent.set(id, process.hrtime.bigint()); s.send(q(id), Number(port), host); };
s.on('message', (m) => { const id = m.readUInt16BE(0); const t = sent.get(id); if (t === undefined) return; sent.delete(id);
  if ((m[3] & 15) !== 0 || m.readUInt16BE(6) === 0) errors++; lat.push(Number(process.hrtime.bigint() - t) / 1e6); fire(); });
for (let i = 0; i < Number(concurrency); i++) fire();
setInterval(() => { for (const [id, t] of sent) if (Number(process.hrtime.bigint() - t) > 1e9) { sent.delete(id); errors++; fire(); } }, 200);
setTimeout(() => { lat.sort((a, b) => a - b); const p = (x) => lat[Math.min(lat.length - 1, Math.floor(lat.length * x))] ?? NaN;
  console.log(JSON.stringify({ qps: lat.length / Number(seconds), p50: p(0.5), p99: p(0.99), errors })); process.exit(0); }, Number(seconds) * 1000 + 300);
`;

/** Sequential TCP connects to each target in turn; connect latency per target. */
const CONNECT_LOAD = `
import { connect } from 'node:net';
const [n, ...targets] = process.argv.slice(1);
const lat = targets.map(() => []);
const once = (t) => new Promise((resolve, reject) => { const [h, p] = t.split(':'); const start = process.hrtime.bigint();
  const c = connect({ host: h, port: Number(p) }, () => { const ms = Number(process.hrtime.bigint() - start) / 1e6; c.destroy(); resolve(ms); }); c.on('error', reject); });
for (let i = 0; i < Number(n); i++) for (let k = 0; k < targets.length; k++) lat[k].push(await once(targets[k]));
const out = {}; targets.forEach((t, k) => { const l = lat[k].sort((a, b) => a - b); out[t + ' p50'] = l[Math.floor(l.length / 2)]; out[t + ' p99'] = l[Math.floor(l.length * 0.99)]; });
console.log(JSON.stringify(out));
`;

async function benchDaemon(): Promise<void> {
  const d = new TestDaemon({ dnsUpstream: '127.0.0.1:9' });
  let dnsmasq: ReturnType<typeof spawn> | undefined;
  try {
    await d.start();
    await d.importBusybox();
    const web = (name: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'h', image: 'localhost/busybox:latest', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'], ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
    await d.client.createPod('default', web('web-1'));
    await d.client.createPod('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:latest', command: ['sleep', '3600'] }] } });
    await d.client.createObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } });
    const backend = await d.waitForPod('web-1', allRunning, 60_000);
    const client = await d.waitForPod('client', allRunning, 60_000);
    const svc = (await d.client.getObject('v1', 'Service', 'default', 'web')) as Service;
    await sleep(1000);
    const netns = readdirSync('/run/netns').filter((n) => n.startsWith(`${d.layout.config.instance}-`));
    const clientNetns = netns.find((n) => execFileSync('ip', ['-n', n, '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).includes(`${client.status!.podIP}/`))!;
    const gateway = d.subnet + '.1';
    const dnsIP = d.serviceCidr.replace(/\.0\/\d+$/, '.10');
    if (only.has('dns')) {
      const conf = `${d.base}/dnsmasq.conf`;
      writeFileSync(conf, `no-resolv\nno-hosts\nlisten-address=${gateway}\nbind-interfaces\nport=5353\naddress=/bench.example/192.0.2.55\ncache-size=10000\n`);
      dnsmasq = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${conf}`, `--pid-file=${d.base}/dnsmasq.pid`], { stdio: 'ignore' });
      await sleep(500);
      const cluster = await inNetns(clientNetns, DNS_LOAD, [dnsIP, '53', 'web.default.svc.cluster.local', String(SECONDS), String(CONCURRENCY)]);
      const local = await inNetns(clientNetns, DNS_LOAD, [gateway, '5353', 'web.bench.example', String(SECONDS), String(CONCURRENCY)]);
      console.log(`dns: from a pod, ${CONCURRENCY} in flight, ${SECONDS} s each`);
      console.log(`  cluster DNS (web.default.svc.cluster.local via ${dnsIP})  ${cluster.qps.toFixed(0)} q/s  p50 ${fmt(cluster.p50)}  p99 ${fmt(cluster.p99)}  errors ${cluster.errors}`);
      console.log(`  dnsmasq     (web.bench.example via ${gateway}:5353)   ${local.qps.toFixed(0)} q/s  p50 ${fmt(local.p50)}  p99 ${fmt(local.p99)}  errors ${local.errors}`);
      console.log(`  cluster DNS / dnsmasq: ${(cluster.qps / local.qps).toFixed(2)}× the queries/s, ${(cluster.p99 / local.p99).toFixed(2)}× the p99`);
    }
    if (only.has('connect')) {
      const via = `${svc.spec!.clusterIP}:80`;
      const direct = `${backend.status!.podIP}:8080`;
      const r = await inNetns(clientNetns, CONNECT_LOAD, [String(CONNECTS), via, direct]);
      console.log(`connect: ${CONNECTS} TCP connection setups from a pod, alternating`);
      console.log(`  through the ClusterIP ${via}   p50 ${fmt(r[`${via} p50`])}  p99 ${fmt(r[`${via} p99`])}`);
      console.log(`  direct to the pod    ${direct}   p50 ${fmt(r[`${direct} p50`])}  p99 ${fmt(r[`${direct} p99`])}`);
      console.log(`  ClusterIP / direct p50: ${(r[`${via} p50`] / r[`${direct} p50`]).toFixed(2)}`);
    }
  } finally {
    dnsmasq?.kill();
    await d.cleanup();
  }
}

try {
  if (only.has('rules')) await benchRules();
  if (only.has('dns') || only.has('connect')) await benchDaemon();
} finally {
  clearInterval(keepAlive);
}
