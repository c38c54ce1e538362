/**
 * Pod benchmarks (DESIGN.md §8), each against a private daemon started for the run, and beside
 * `podman kube play` of the same manifest in the same run where podman is installed:
 *   startup   apply → all containers Running with a pod IP, 2-container pod, p50/p99 over N runs,
 *             timed by one long-lived client that watches
 *   delete    delete → gone, for a pod whose app exits on SIGTERM
 *   churn     create → Running → delete, 4 pods at a time, pods/s, then a leak check
 *   rss       daemon RSS with 100 idle pods
 * Run: node --import tsx bench/pods.bench.ts [--runs 20] [--only startup,delete,churn,rss]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TestDaemon, allRunning, podManifest } from '../test/e2e/helpers/test-daemon.js';
import type { Pod } from '../src/core/types.js';
import type { WatchEvent } from '../src/core/ports.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, only: { type: 'string' } } });
const RUNS = Number(values.runs ?? 20);
const only = new Set((values.only ?? 'startup,delete,churn,rss').split(','));
const image = 'localhost/busybox:latest';

function twoContainerPod(name: string): Pod {
  return podManifest(name, {
    terminationGracePeriodSeconds: 5,
    containers: [
      { name: 'web', image, command: ['sh', '-c', "trap 'exit 0' TERM; httpd -f -p 80 & wait $!"] },
      { name: 'sidecar', image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"] },
    ],
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** One watch for the whole run; resolves waiters when a pod reaches a state. */
class PodWatcher {
  private waiters: Array<{ name: string; check: (p: Pod | undefined, type: string) => boolean; resolve: (t: number) => void }> = [];
  private stop: () => void;
  constructor(d: TestDaemon) {
    this.stop = d.client.watchPods('default', {}, (e: WatchEvent<Pod>) => {
      const now = performance.now();
      this.waiters = this.waiters.filter((w) => {
        if (w.name !== e.object.metadata?.name) return true;
        if (!w.check(e.type === 'DELETED' ? undefined : e.object, e.type)) return true;
        w.resolve(now);
        return false;
      });
    });
  }
  until(name: string, check: (p: Pod | undefined, type: string) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ name, check, resolve }));
  }
  close(): void {
    this.stop();
  }
}

const readyWithIP = (p: Pod | undefined): boolean => !!p && allRunning(p) && !!p.status?.podIP;

async function benchStartupAndDelete(d: TestDaemon, w: PodWatcher): Promise<{ start: number[]; del: number[] }> {
  const start: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `bench-${i}`;
    const ready = w.until(name, readyWithIP);
    const t0 = performance.now();
    await d.client.createPod('default', twoContainerPod(name));
    start.push((await ready) - t0);
    const gone = w.until(name, (_p, type) => type === 'DELETED');
    const t1 = performance.now();
    await d.client.deletePod('default', name);
    del.push((await gone) - t1);
  }
  return { start, del };
}

async function benchChurn(d: TestDaemon, w: PodWatcher, total = 40, parallel = 4): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const name = `churn-${next++}`;
      const ready = w.until(name, readyWithIP);
      await d.client.createPod('default', twoContainerPod(name));
      await ready;
      const gone = w.until(name, (_p, type) => type === 'DELETED');
      await d.client.deletePod('default', name);
      await gone;
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return total / ((performance.now() - t0) / 1000);
}

async function benchRss(d: TestDaemon, w: PodWatcher, count = 100): Promise<{ before: number; after: number }> {
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'))![1]) / 1024;
  const before = rss();
  const idle = (name: string): Pod =>
    podManifest(name, { terminationGracePeriodSeconds: 1, containers: [{ name: 'idle', image, command: ['sleep', '100000'] }] });
  for (let i = 0; i < count; i += 5) {
    await Promise.all(
      Array.from({ length: 5 }, async (_, j) => {
        const name = `idle-${i + j}`;
        const ready = w.until(name, readyWithIP);
        await d.client.createPod('default', idle(name));
        await ready;
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 15_000)); // a few relists and resyncs with everything idle
  const after = rss();
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const name = `idle-${i + j}`;
        const gone = w.until(name, (_p, type) => type === 'DELETED');
        await d.client.deletePod('default', name, { gracePeriodSeconds: 0 });
        await gone;
      }),
    );
  }
  return { before, after };
}

/**
 * podman kube play of the same manifest: play returns once every container has started. Podman
 * is pointed at runc (its default crun refuses cgroup-v1-hybrid hosts) and at rlimits this VM lets
 * root set (it withholds CAP_SYS_RESOURCE, so podman's default nofile 1048576 fails), the same
 * limits peapod's containers get here.
 */
function podmanStartup(runs: number): number[] | undefined {
  if (spawnSync('podman', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync('/tmp/peapod-bench-podman-');
  const conf = `${dir}/containers.conf`;
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  try {
    const rootfs = `${dir}/rootfs`;
    execFileSync('scripts/make-busybox-rootfs.sh', [rootfs]);
    execFileSync('sh', ['-c', `tar -C ${rootfs} -cf ${dir}/bb.tar . && podman import --change 'ENV PATH=/bin' ${dir}/bb.tar localhost/peapod-bench-busybox:latest`], { stdio: 'ignore' });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const pod = twoContainerPod(`podman-bench-${i}`);
      for (const c of pod.spec!.containers) c.image = 'localhost/peapod-bench-busybox:latest';
      const file = `${dir}/pod.json`;
      writeFileSync(file, JSON.stringify(pod));
      const t0 = performance.now();
      try {
        execFileSync('podman', ['kube', 'play', file], { stdio: 'pipe', env });
        times.push(performance.now() - t0);
      } finally {
        execFileSync('podman', ['kube', 'down', file], { stdio: 'ignore', env });
      }
    }
    return times;
  } finally {
    spawnSync('podman', ['rmi', 'localhost/peapod-bench-busybox:latest'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const d = new TestDaemon();
  await d.start();
  await d.importBusybox();
  const w = new PodWatcher(d);
  const report: string[] = [];
  try {
    // One warm-up pod: the first one also creates the bridge.
    const warm = w.until('warmup', readyWithIP);
    await d.client.createPod('default', twoContainerPod('warmup'));
    await warm;
    const warmGone = w.until('warmup', (_p, t) => t === 'DELETED');
    await d.client.deletePod('default', 'warmup', { gracePeriodSeconds: 0 });
    await warmGone;

    if (only.has('startup') || only.has('delete')) {
      const { start, del } = await benchStartupAndDelete(d, w);
      report.push(`startup (apply → 2 containers Running with pod IP), ${RUNS} runs: p50 ${pct(start, 50).toFixed(0)} ms, p99 ${pct(start, 99).toFixed(0)} ms`);
      report.push(`delete → gone (app exits on SIGTERM), ${RUNS} runs: p50 ${pct(del, 50).toFixed(0)} ms, p99 ${pct(del, 99).toFixed(0)} ms`);
      const podman = podmanStartup(Math.min(RUNS, 10));
      if (podman) {
        const ratio = pct(podman, 50) / pct(start, 50);
        report.push(`podman kube play, same manifest, ${podman.length} runs: p50 ${pct(podman, 50).toFixed(0)} ms → peapod is ${ratio.toFixed(1)}× quicker`);
      } else {
        report.push('podman: not installed, no side-by-side figure (apt-get install podman to get one)');
      }
    }
    if (only.has('churn')) {
      const rate = await benchChurn(d, w);
      report.push(`churn (create → Running → delete, 4 at a time, 40 pods): ${rate.toFixed(2)} pods/s`);
    }
    if (only.has('rss')) {
      const { before, after } = await benchRss(d, w);
      report.push(`daemon RSS: ${before.toFixed(0)} MB idle with no pods, ${after.toFixed(0)} MB with 100 idle pods`);
    }
  } finally {
    w.close();
    await d.cleanup(); // also asserts nothing leaked
  }
  report.push('leak check after the run: nothing left');
  console.log(report.join('\n'));
}

await main();
