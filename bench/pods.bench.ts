/**
 * Pod benchmarks (DESIGN.md §8), each against a private daemon started for the run, beside
 * `podman kube play` of the same manifest where podman is installed and, with `--compare DIR`,
 * beside another built peapod checkout (an earlier commit: "before"). Runs are interleaved, one
 * of each contender in turn (the order rotating), so a machine whose load drifts during the run
 * (another job, a CPU hog) weighs on every contender alike:
 *   startup   apply → all containers Running with a pod IP, 2-container pod, p50/p99 over N runs,
 *             timed by one long-lived client that watches (podman: `kube play` returns)
 *   delete    delete → gone, for a pod whose app exits on SIGTERM (podman: `kube down`)
 *   churn     create → Running → delete, 4 pods at a time, pods/s, then a leak check
 *             (deletes wait TRAP_SET_MS after Running, for every contender: see there)
 *   rss       daemon RSS with 100 idle pods
 * Run: node --import tsx bench/pods.bench.ts [--runs 20] [--only startup,delete,churn,rss] [--compare DIR]
 * Under a slower host: scripts/slow-host.sh node --import tsx bench/pods.bench.ts ...
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TestDaemon, allRunning, podManifest } from '../test/e2e/helpers/test-daemon.js';
import type { Pod } from '../src/core/types.js';
import type { WatchEvent } from '../src/core/ports.js';
import { CGROUP_VERSION } from '../test/e2e/helpers/cgroup-files.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, only: { type: 'string' }, compare: { type: 'string' } } });
const RUNS = Number(values.runs ?? 20);
const only = new Set((values.only ?? 'startup,delete,churn,rss').split(','));
const image = 'localhost/busybox:latest';

function twoContainerPod(name: string, img = image): Pod {
  return podManifest(name, {
    terminationGracePeriodSeconds: 5,
    containers: [
      { name: 'web', image: img, command: ['sh', '-c', "trap 'exit 0' TERM; httpd -f -p 80 & wait $!"] },
      { name: 'sidecar', image: img, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"] },
    ],
  });
}

/**
 * The apps are `sh` as PID 1 of their PID namespace, which ignores a TERM it has no handler for:
 * one that arrives before `trap` has run (a delete right as the pod turns Running) waits out the
 * 5 s grace, a race of the benchmark, not of the runtime, that the quicker start and kill lose
 * more often. Every contender deletes this long after Running, so each delete measures the same
 * thing: an app that exits on TERM.
 */
const TRAP_SET_MS = 300;
const trapSet = (): Promise<void> => new Promise((r) => setTimeout(r, TRAP_SET_MS));

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
const deleted = (_p: Pod | undefined, type: string): boolean => type === 'DELETED';

/** Something that starts and deletes one pod at a time; times in ms. */
interface Contender {
  name: string;
  start(name: string): Promise<number>;
  delete(name: string): Promise<number>;
  close(): Promise<void>;
}

/** A peapod daemon (this checkout's, or another build's with `bin`). */
class PeapodContender implements Contender {
  readonly d: TestDaemon;
  readonly w: PodWatcher;
  private constructor(
    readonly name: string,
    d: TestDaemon,
  ) {
    this.d = d;
    this.w = new PodWatcher(d);
  }

  static async open(name: string, bin?: string): Promise<PeapodContender> {
    const d = new TestDaemon(bin ? { bin, serveFlags: [] } : {});
    await d.start();
    await d.importBusybox();
    const c = new PeapodContender(name, d);
    // One warm-up pod: the first one also creates the bridge and the network's chains.
    await c.start('warmup');
    await trapSet();
    await c.delete('warmup');
    return c;
  }

  async start(name: string): Promise<number> {
    const ready = this.w.until(name, readyWithIP);
    const t0 = performance.now();
    await this.d.client.createPod('default', twoContainerPod(name));
    return (await ready) - t0;
  }

  async delete(name: string): Promise<number> {
    const gone = this.w.until(name, deleted);
    const t0 = performance.now();
    await this.d.client.deletePod('default', name);
    return (await gone) - t0;
  }

  async close(): Promise<void> {
    this.w.close();
    await this.d.cleanup(); // also asserts nothing leaked
  }
}

/**
 * podman kube play of the same manifest: play returns once every container has started. Podman
 * is pointed at the OCI runtime peapod drives in the same run (runc on cgroup-v1-hybrid hosts,
 * which podman's default crun refuses; crun on cgroup v2) and at rlimits this VM lets root set (it
 * withholds CAP_SYS_RESOURCE, so podman's default nofile 1048576 fails), the same limits peapod's
 * containers get here.
 */
class PodmanContender implements Contender {
  readonly name = 'podman kube play';
  private constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static open(runtime: string): PodmanContender | undefined {
    if (spawnSync('podman', ['--version']).status !== 0) return undefined;
    const dir = mkdtempSync('/tmp/peapod-bench-podman-');
    const conf = `${dir}/containers.conf`;
    writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n[engine]\nruntime = "${runtime}"\n`);
    const env = { ...process.env, CONTAINERS_CONF: conf };
    const rootfs = `${dir}/rootfs`;
    execFileSync('scripts/make-busybox-rootfs.sh', [rootfs]);
    execFileSync('sh', ['-c', `tar -C ${rootfs} -cf ${dir}/bb.tar . && podman import --change 'ENV PATH=/bin' ${dir}/bb.tar localhost/peapod-bench-busybox:latest`], { stdio: 'ignore', env });
    return new PodmanContender(dir, env);
  }

  private file(name: string): string {
    const file = `${this.dir}/${name}.json`;
    writeFileSync(file, JSON.stringify(twoContainerPod(`podman-${name}`, 'localhost/peapod-bench-busybox:latest')));
    return file;
  }

  async start(name: string): Promise<number> {
    const file = this.file(name);
    const t0 = performance.now();
    await run('podman', ['kube', 'play', file], this.env);
    return performance.now() - t0;
  }

  async delete(name: string): Promise<number> {
    const t0 = performance.now();
    await run('podman', ['kube', 'down', `${this.dir}/${name}.json`], this.env);
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    spawnSync('podman', ['rmi', 'localhost/peapod-bench-busybox:latest'], { stdio: 'ignore', env: this.env });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env }, (err, _stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve()));
  });
}

/** Create → Running → delete, `parallel` lanes, `total` pods: pods per second. */
async function churn(c: Contender, total = 40, parallel = 4): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const name = `churn-${next++}`;
      await c.start(name);
      await trapSet();
      await c.delete(name);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return total / ((performance.now() - t0) / 1000);
}

async function rss(c: PeapodContender, count = 100): Promise<{ before: number; after: number }> {
  const { d, w } = c;
  const read = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'))![1]) / 1024;
  const before = read();
  const idle = (name: string): Pod => podManifest(name, { terminationGracePeriodSeconds: 1, containers: [{ name: 'idle', image, command: ['sleep', '100000'] }] });
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
  await new Promise((r) => setTimeout(r, 15_000)); // a few relists with everything idle
  const after = read();
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const name = `idle-${i + j}`;
        const gone = w.until(name, deleted);
        await d.client.deletePod('default', name, { gracePeriodSeconds: 0 });
        await gone;
      }),
    );
  }
  return { before, after };
}

function describeRev(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).trim();
  } catch {
    return dir;
  }
}

async function main(): Promise<void> {
  const peapod = await PeapodContender.open('peapod');
  const before = values.compare ? await PeapodContender.open(`peapod before (${describeRev(values.compare)})`, `${values.compare}/bin/peapod`) : undefined;
  // The runtime peapod chose here (or PEAPOD_E2E_RUNTIME pinned), as its run dir keeps it.
  const runtime = readFileSync(`${peapod.d.base}/run/oci-runtime`, 'utf8').split(' ')[0];
  const podman = PodmanContender.open(runtime);
  const contenders: Contender[] = [peapod, ...(before ? [before] : []), ...(podman ? [podman] : [])];
  const report: string[] = [`cgroup ${CGROUP_VERSION}, runtime ${runtime}; contenders: ${contenders.map((c) => c.name).join(', ')}${podman ? '' : ' (podman: not installed; apt-get install podman for a side-by-side figure)'}`];
  const ratio = (a: number, b: number): string => `${(b / a).toFixed(1)}×`;
  try {
    if (only.has('startup') || only.has('delete')) {
      const times = new Map(contenders.map((c) => [c, { start: [] as number[], del: [] as number[] }]));
      for (let i = 0; i < RUNS; i++) {
        // Rotate who goes first, so a drifting load favours nobody.
        for (let k = 0; k < contenders.length; k++) {
          const c = contenders[(i + k) % contenders.length];
          const t = times.get(c)!;
          t.start.push(await c.start(`bench-${i}`));
          await trapSet();
          t.del.push(await c.delete(`bench-${i}`));
        }
      }
      const mine = times.get(peapod)!;
      for (const c of contenders) {
        const t = times.get(c)!;
        const vs = c === peapod ? '' : ` (peapod ${ratio(pct(mine.start, 50), pct(t.start, 50))} quicker to start, ${ratio(pct(mine.del, 50), pct(t.del, 50))} to delete)`;
        report.push(
          `${c.name}, ${RUNS} runs: startup (2 containers Running with pod IP) p50 ${pct(t.start, 50).toFixed(0)} ms, p99 ${pct(t.start, 99).toFixed(0)} ms; ` +
            `delete → gone p50 ${pct(t.del, 50).toFixed(0)} ms, p99 ${pct(t.del, 99).toFixed(0)} ms${vs}`,
        );
      }
    }
    if (only.has('churn')) {
      for (const c of contenders) report.push(`${c.name}: churn (create → Running → ${TRAP_SET_MS} ms → delete, 4 at a time, 40 pods) ${(await churn(c)).toFixed(2)} pods/s`);
    }
    if (only.has('rss')) {
      for (const c of [peapod, ...(before ? [before] : [])]) {
        const r = await rss(c);
        report.push(`${c.name}: daemon RSS ${r.before.toFixed(0)} MB idle with no pods, ${r.after.toFixed(0)} MB with 100 idle pods`);
      }
    }
  } finally {
    for (const c of contenders) await c.close();
  }
  report.push('leak check after the run: nothing left');
  console.log(report.join('\n'));
}

await main();
