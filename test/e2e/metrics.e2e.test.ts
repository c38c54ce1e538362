/**
 * metrics.k8s.io with the real `kubectl top pod|node` over HTTPS: the figures agree with the
 * cgroup counters read beside them within 10 % (CPU: the rate of cpuacct.usage over the same
 * window, pinned by a CPU limit so it is steady; memory: usage − total_inactive_file). Also the
 * kubelet's /stats/summary shape through the node proxy path, and podprocesses. On cgroup v1 (these
 * machines) and v2 (cpu.stat usage_usec, memory.current − inactive_file) alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTestDaemon, allRunning } from './helpers/test-daemon.js';
import { httpsCall, readKubeconfig, type KubeconfigInfo } from './helpers/https-api.js';
import type { Pod } from '../../src/core/types.js';
import { CGROUP_V2 } from './helpers/cgroup-files.js';
import { stretch } from './helpers/time-factor.js';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) process.stderr.write('\n*** NO KUBECTL at /usr/bin/kubectl: the kubectl top e2e tests are SKIPPED ***\n\n');
const d = useTestDaemon();

function kubectl(args: string[]): Promise<string> {
  return kubectlWithLog(args).then((r) => r.out);
}

/** kubectl's stdout and its stderr (where `-v=8` logs each request and response body). */
function kubectlWithLog(args: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, args, { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, KUBECACHEDIR: `${d.base}/kcache`, HOME: `${d.base}/home` } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ out, err }) : reject(new Error(`kubectl ${args.join(' ')}: exit ${code}\n${err}\n${out}\n${d.log()}`))));
  });
}

/** The controller directory of a container's cgroup (found by its id under the instance root; the one tree on v2). */
function findCgroup(controller: string, containerId: string): string {
  const walk = (dir: string): string | undefined => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === containerId) return `${dir}/${e.name}`;
      const found = walk(`${dir}/${e.name}`);
      if (found) return found;
    }
    return undefined;
  };
  const dir = walk(CGROUP_V2 ? `/sys/fs/cgroup${d.layout.cgroupRoot}` : `/sys/fs/cgroup/${controller}${d.layout.cgroupRoot}`);
  if (!dir) throw new Error(`no ${controller} cgroup for ${containerId}`);
  return dir;
}

async function nodeName(): Promise<string> {
  const kc = await readKubeconfig(d.kubeconfigPath);
  return (JSON.parse((await httpsCall(kc, 'GET', '/api/v1/nodes')).body) as { items: { metadata: { name: string } }[] }).items[0].metadata.name;
}

const readNum = (path: string): number => Number(readFileSync(path, 'utf8').trim());
const statOf = (path: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'))?.[1] ?? NaN);
const workingSet = (memDir: string): number =>
  CGROUP_V2
    ? Math.max(0, readNum(`${memDir}/memory.current`) - statOf(`${memDir}/memory.stat`, 'inactive_file'))
    : Math.max(0, readNum(`${memDir}/memory.usage_in_bytes`) - statOf(`${memDir}/memory.stat`, 'total_inactive_file'));
/** CPU time used by the cgroup, ns: v1 cpuacct.usage, v2 cpu.stat usage_usec. */
const cpuUsage = (cpuDir: string): number => (CGROUP_V2 ? statOf(`${cpuDir}/cpu.stat`, 'usage_usec') * 1000 : readNum(`${cpuDir}/cpuacct.usage`));

function cpuMillis(cell: string): number {
  const m = /^(\d+)m$/.exec(cell);
  return m ? Number(m[1]) : Number(cell) * 1000;
}
function memBytes(cell: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(cell);
  if (!m) return Number(cell);
  return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki' | 'Mi' | 'Gi'];
}

function within(actual: number, expected: number, what: string, floor = 0): void {
  const tolerance = Math.max(expected * 0.1, floor);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: kubectl top says ${actual}, the cgroup ${expected.toFixed(1)} (±${tolerance.toFixed(1)})`);
}

test('kubectl top pod --containers agrees with the container cgroup (CPU rate, working set) within 10 %', { skip: !haveKubectl && 'kubectl is not installed' }, async () => {
  await d.client.createPod('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'burner' },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'spin',
          image: 'localhost/busybox:latest',
          // 40 MB of shared memory (anonymous, in the working set), then a busy loop held at 200m by the CFS quota.
          command: ['sh', '-c', 'head -c 41943040 /dev/zero > /dev/shm/fill; while :; do :; done'],
          resources: { limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
    },
  } as Pod);
  const pod = await d.waitForPod('burner', allRunning, 30_000);
  const id = pod.status!.containerStatuses![0].containerID!.replace(/^[a-z]+:\/\//, '');
  const cpuDir = findCgroup('cpuacct', id);
  const memDir = findCgroup('memory', id);
  // the shm file is written
  const deadline = Date.now() + stretch(15_000);
  while (workingSet(memDir) < 40 * 1024 * 1024 && Date.now() < deadline) await sleep(200);

  await kubectl(['top', 'pod', 'burner', '--containers']); // primes the reading the next rate starts from
  const u0 = cpuUsage(cpuDir);
  const t0 = performance.now();
  await sleep(5000);
  const u1 = cpuUsage(cpuDir);
  const t1 = performance.now();
  const out = await kubectl(['top', 'pod', 'burner', '--containers']);
  const ws = workingSet(memDir);
  const row = out.split('\n').find((l) => /^burner\s+spin\s/.test(l));
  assert.ok(row, `no row for burner/spin in:\n${out}`);
  const [, , cpu, mem] = row.trim().split(/\s+/);
  const cgroupMillicores = (u1 - u0) / 1e6 / ((t1 - t0) / 1000);
  within(cpuMillis(cpu), cgroupMillicores, 'CPU (millicores)', 5);
  within(memBytes(mem), ws, 'memory working set (bytes)');
  assert.ok(cgroupMillicores > 100 && cgroupMillicores < 230, `the busy loop runs at its 200m limit (${cgroupMillicores})`);
});

/** A metrics.k8s.io CPU quantity ("1961411829n", "250m", "2") in nanocores. */
function nanoCores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m|)$/.exec(q);
  assert.ok(m, `CPU quantity ${q}`);
  return Number(m[1]) * { n: 1, u: 1e3, m: 1e6, '': 1e9 }[m[2] as 'n' | 'u' | 'm' | ''];
}

interface NodeMetrics {
  metadata: { name: string };
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** The NodeMetricsList bodies kubectl logged at -v=8 (klog's `"Response Body" body="…"`, or the older `Response Body: …`). */
function loggedNodeMetrics(log: string): NodeMetrics[] {
  const out: NodeMetrics[] = [];
  for (const line of log.split('\n')) {
    const quoted = /"Response Body" body=("(?:[^"\\]|\\.)*")\s*$/.exec(line)?.[1];
    const raw = quoted !== undefined ? (JSON.parse(quoted) as string) : /Response Body: (\{.*\})\s*$/.exec(line)?.[1];
    if (!raw?.includes('"NodeMetricsList"')) continue;
    out.push(...(JSON.parse(raw) as { items: NodeMetrics[] }).items);
  }
  return out;
}

/** The root cgroup's CPU counter and working set, read every few ms; each reading with the wall-clock ms it happened between. */
function sampleRoot(periodMs = 10): { samples: { before: number; after: number; cpuNs: number; ws: number }[]; take(): void; stop(): void } {
  const samples: { before: number; after: number; cpuNs: number; ws: number }[] = [];
  const take = (): void => {
    const before = Date.now();
    const cpuNs = readNum('/sys/fs/cgroup/cpuacct/cpuacct.usage');
    const ws = workingSet('/sys/fs/cgroup/memory');
    samples.push({ before, cpuNs, ws, after: Date.now() });
  };
  take();
  const timer = setInterval(take, periodMs);
  return { samples, take, stop: () => clearInterval(timer) };
}

function withinRange(actual: number, lo: number, hi: number, what: string, floor = 0): void {
  const below = Math.max(lo * 0.1, floor);
  const above = Math.max(hi * 0.1, floor);
  assert.ok(actual >= lo - below && actual <= hi + above, `${what}: the daemon says ${actual.toFixed(1)}, the cgroup ${lo.toFixed(1)}–${hi.toFixed(1)} (−${below.toFixed(1)}/+${above.toFixed(1)})`);
}

// On cgroup v2 the node's figures come from /proc/stat and /proc/meminfo, not a root cgroup: the
// unit tests of CgroupFsStats cover that reading; this compares with the v1 root cgroup only.
//
// The node's CPU is a rate between two readings the daemon takes on request (at most one a second,
// src/agent/stats-provider.ts), and the whole machine's load moves: the cgroup's rate is taken over
// the very window the NodeMetrics names. Our request opens it (the daemon reads the counter while
// it runs), kubectl's closes it; `window` is its exact length, so the end lies `window` after our
// request, and the root counter, read every 10 ms, brackets both ends.
test('kubectl top node agrees with the root cgroup (CPU rate, working set) within 10 %', { skip: (!haveKubectl && 'kubectl is not installed') || (CGROUP_V2 && 'cgroup v2: no root cgroup counters to compare with') }, async (t) => {
  const kc = await readKubeconfig(d.kubeconfigPath);
  const node = await nodeName();
  // The bracket is narrow enough to judge by when our request and the sampling's gaps are short,
  // so that a rate 15 % off cannot hide in it. On a saturated host the sampler itself is starved
  // now and then: such a measurement says nothing, and is taken again (at most three times).
  for (let attempt = 1; ; attempt++) {
    const m = await measureTopNode(kc, node);
    t.diagnostic(`window ${m.window}, end known to ${m.endSpreadMs} ms; CPU: daemon ${m.rate.toFixed(1)}m, cgroup ${m.lo.toFixed(1)}–${m.hi.toFixed(1)}m; working set: daemon ${m.memory}, cgroup ${m.wsLo}–${m.wsHi}; ${m.samples} samples`);
    const narrow = m.hi - m.lo <= Math.max(0.05 * m.hi, 30);
    if (!narrow && attempt < 3) continue;
    assert.ok(narrow, `cgroup CPU rate only known to ${m.lo.toFixed(1)}–${m.hi.toFixed(1)}m, in each of ${attempt} measurements`);
    // the whole machine's CPU moves with everything else running on it: 10 %, or 30m when nearly idle
    withinRange(m.rate, m.lo, m.hi, 'node CPU (millicores)', 30);
    withinRange(m.memory, m.wsLo, m.wsHi, 'node memory working set (bytes)');
    return;
  }
});

/**
 * One `kubectl top node` over a window our own request opens, with the root cgroup's counter read
 * around both ends; what kubectl printed is checked against the NodeMetrics it was given, and the
 * window against the two requests.
 */
async function measureTopNode(kc: KubeconfigInfo, node: string) {
  const sampler = sampleRoot();
  let a0: number, a1: number, b0: number, b1: number, out: string, log: string;
  const path = `/apis/metrics.k8s.io/v1beta1/nodes/${node}`;
  try {
    // The daemon has read the node before (a first reading waits a second for its rate), and that
    // reading ages past a second, so our request reads afresh, at once.
    assert.equal((await httpsCall(kc, 'GET', path)).code, 200);
    await sleep(1100);
    sampler.take();
    a0 = Date.now();
    const opening = await httpsCall(kc, 'GET', path);
    a1 = Date.now();
    sampler.take();
    assert.equal(opening.code, 200, opening.body);
    await sleep(5000);
    sampler.take();
    b0 = Date.now();
    ({ out, err: log } = await kubectlWithLog(['top', 'node', '--no-headers', '-v=8']));
    b1 = Date.now();
    sampler.take();
  } finally {
    sampler.stop();
  }

  // kubectl top node shows the NodeMetrics it was given: millicores (rounded up) and MiB.
  const [metrics] = loggedNodeMetrics(log).filter((m) => m.metadata.name === node);
  assert.ok(metrics, `no NodeMetrics for ${node} in kubectl's log:\n${log.slice(-4000)}`);
  const [name, cpu, , mem] = out.trim().split(/\s+/);
  assert.equal(name, node);
  const rate = nanoCores(metrics.usage.cpu) / 1e6;
  const memory = memBytes(metrics.usage.memory);
  assert.ok(Math.abs(cpuMillis(cpu) - rate) <= 1, `kubectl top shows ${cpu}, its NodeMetrics ${metrics.usage.cpu}`);
  assert.ok(Math.abs(memBytes(mem) - memory) <= 1024 ** 2, `kubectl top shows ${mem}, its NodeMetrics ${metrics.usage.memory}`);

  // Where the window ends (ms): during kubectl's request, within the timestamp's second, and
  // `window` after our request (its reading is the one before).
  const w = /^(\d+(?:\.\d+)?)s$/.exec(metrics.window)?.[1];
  assert.ok(w, `window ${metrics.window}`);
  const windowMs = Math.round(Number(w) * 1000);
  const ts = Date.parse(metrics.timestamp);
  const endLo = Math.max(b0, ts, a0 + windowMs);
  const endHi = Math.min(b1, ts + 999, a1 + windowMs);
  assert.ok(endLo <= endHi, `the window (${metrics.window} up to ${metrics.timestamp}) is not the one between our request [${a0}, ${a1}] and kubectl's [${b0}, ${b1}]`);
  const { samples } = sampler;
  const lastBy = (ms: number) => samples.filter((s) => s.after <= ms).at(-1)!;
  const firstFrom = (ms: number) => samples.find((s) => s.before >= ms)!;
  // The least and the most the counter can have moved in a window of that length ending there.
  const least = lastBy(endLo).cpuNs - firstFrom(endHi - windowMs).cpuNs;
  const most = firstFrom(endHi).cpuNs - lastBy(endLo - windowMs).cpuNs;
  const [lo, hi] = [least / windowMs / 1e3, most / windowMs / 1e3];
  const atEnd = samples.filter((s) => s.before >= lastBy(endLo).before && s.after <= firstFrom(endHi).after).map((s) => s.ws);
  return {
    window: metrics.window,
    endSpreadMs: endHi - endLo,
    rate,
    memory,
    lo,
    hi,
    wsLo: Math.min(...atEnd),
    wsHi: Math.max(...atEnd),
    samples: samples.length,
  };
}

test('/stats/summary through the node proxy, metrics discovery, podprocesses of a pod', async () => {
  const kc = await readKubeconfig(d.kubeconfigPath);
  const node = await nodeName();
  const summary = JSON.parse((await httpsCall(kc, 'GET', `/api/v1/nodes/${node}/proxy/stats/summary`)).body) as {
    node: { nodeName: string; cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number } };
    pods: { podRef: { name: string }; containers: { name: string; memory: { workingSetBytes: number } }[] }[];
  };
  assert.equal(summary.node.nodeName, node);
  assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0 && summary.node.memory.workingSetBytes > 0);
  const burner = summary.pods.find((p) => p.podRef.name === 'burner');
  assert.ok(burner && burner.containers[0].name === 'spin' && burner.containers[0].memory.workingSetBytes > 30 * 1024 * 1024, JSON.stringify(summary.pods));
  assert.equal((await httpsCall(kc, 'GET', '/api/v1/nodes/other/proxy/stats/summary')).code, 404);

  const groups = JSON.parse((await httpsCall(kc, 'GET', '/apis')).body) as { groups: { name: string }[] };
  assert.ok(groups.groups.some((g) => g.name === 'metrics.k8s.io'));
  const missing = await httpsCall(kc, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
  assert.equal(missing.code, 404);

  const procs = JSON.parse((await httpsCall(kc, 'GET', '/apis/node.peapod.io/v1alpha1/namespaces/default/podprocesses/burner')).body) as {
    containers: { name: string; type: string; processes: { command: string; rssBytes: number }[] }[];
  };
  assert.deepEqual(procs.containers.map((c) => [c.name, c.type]), [['infra', 'sandbox'], ['spin', 'app']]);
  assert.ok(procs.containers[0].processes.some((p) => p.command.includes('catatonit')), JSON.stringify(procs.containers[0]));
  assert.ok(procs.containers[1].processes.some((p) => p.command.startsWith('sh -c head')), JSON.stringify(procs.containers[1]));
  await d.removePod('burner');
});
