/**
 * @module A real `peapod serve` for one e2e test file: private data/run dirs, socket, bridge and
 * pod CIDR (so test files run side by side), the busybox image imported, and a cleanup that stops
 * the daemon, runs `peapod reset --force` with the same flags and asserts nothing is left.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { Writable } from 'node:stream';
import { PeapodClient } from '../../../src/client/peapod-client.js';
import { Layout } from '../../../src/core/layout.js';
import { instanceName } from '../../../src/daemon/config.js';
import { findHostLeaks } from '../../../src/adapters/system/host-leaks.js';
import type { Event, Pod } from '../../../src/core/types.js';
import { cgroupVersionOf, planCgroupRoot } from '../../../src/core/cgroup-mode.js';
import { parseMountInfo } from '../../../src/adapters/system/mountinfo.js';
import { stretch } from './time-factor.js';

export { stretch, TIME_FACTOR } from './time-factor.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const peapodBin = `${repoRoot}/bin/peapod`;
/** Where the daemons' logs stay after each e2e file, for a look after a failure. */
export const LOG_KEEP_DIR = '/var/tmp/peapod-e2e-logs';

/** The cgroup root the daemon of `instance` uses on this host (core/cgroup-mode.ts). */
export function hostCgroupRoot(instance: string): string {
  const version = cgroupVersionOf(parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  return planCgroupRoot({ version, systemd: existsSync('/run/systemd/system'), instance }).root;
}

const E2E_RUNTIMES: Record<string, string> = { runc: 'runc /usr/sbin/runc', crun: 'crun /usr/bin/crun' };
if (process.env.PEAPOD_E2E_RUNTIME && !E2E_RUNTIMES[process.env.PEAPOD_E2E_RUNTIME]) {
  throw new Error(`PEAPOD_E2E_RUNTIME must be runc or crun, not ${JSON.stringify(process.env.PEAPOD_E2E_RUNTIME)}`);
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this e2e test needs root (it runs real runc, conmon, CNI and mounts): run scripts/test.sh as root');
  }
}

/**
 * `serve` flags that are not the instance's (reset does not take them). The relist is a safety
 * net that hides a lost wake-up for up to its period: made long here, a missed exit or timer
 * costs a minute, which every bound in the tests catches.
 */
const SERVE_ONLY_FLAGS = ['--relist-period', '60s'];

/**
 * A random 10.x.y.0/24 no interface of the host routes yet (test files run side by side, each
 * with its daemon's bridge). 10.96.0.0/16 is left out: it is the Services' default range.
 */
export function freeSubnet(): string {
  const routes = execFileSync('ip', ['-4', '-o', 'route', 'show'], { encoding: 'utf8' });
  const seconds = [91, 92, 93, 94, 95, 97, 98, 99];
  for (;;) {
    const subnet = `10.${seconds[randomInt(seconds.length)]}.${randomInt(256)}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
}

/** Daemons not cleaned up yet: a test file that times out is ended with SIGTERM, before its hooks. */
const liveDaemons = new Set<TestDaemon>();
let cleanUpOnTerm = false;

function cleanUpWhenTerminated(d: TestDaemon): void {
  liveDaemons.add(d);
  if (cleanUpOnTerm) return;
  cleanUpOnTerm = true;
  process.once('SIGTERM', () => {
    void Promise.allSettled([...liveDaemons].map((x) => x.cleanup())).finally(() => process.exit(143));
  });
}

export class TestDaemon {
  readonly base: string;
  readonly flags: string[];
  readonly layout: Layout;
  readonly client: PeapodClient;
  readonly socket: string;
  readonly logFile: string;
  readonly subnet: string;
  private child: ChildProcess | undefined;

  /** The peapod command this daemon runs (another checkout's for a benchmark's comparison). */
  readonly bin: string;
  private readonly serveFlags: string[];
  /** The service CIDR (`--service-cidr`): a /24 of its own, so side-by-side daemons' ClusterIPs never clash. */
  readonly serviceCidr: string;

  /**
   * `podCidrBits`: the pod CIDR's prefix length (default 24); /30 leaves one pod address. `bin`:
   * another build's `bin/peapod`, with `serveFlags` instead of ours (it may not know them).
   * `dnsUpstream`: where cluster DNS forwards other names (default 127.0.0.1:9, where nothing
   * answers: tests never send DNS traffic off the machine).
   */
  constructor(opts: { podCidrBits?: number; bin?: string; serveFlags?: string[]; dnsUpstream?: string } = {}) {
    requireRoot();
    this.bin = opts.bin ?? peapodBin;
    const podCidrBits = opts.podCidrBits ?? 24;
    this.base = mkdtempSync('/var/tmp/peapod-e2e-');
    const tag = randomBytes(3).toString('hex');
    this.subnet = freeSubnet();
    this.serviceCidr = `10.${110 + randomInt(40)}.${randomInt(256)}.0/24`;
    // A service CIDR of its own, and cluster DNS forwarding nowhere (127.0.0.1:9): no DNS traffic leaves the machine.
    this.serveFlags = opts.serveFlags ?? [...SERVE_ONLY_FLAGS, '--service-cidr', this.serviceCidr, '--dns-upstream', opts.dnsUpstream ?? '127.0.0.1:9'];
    this.socket = `${this.base}/run/peapod.sock`;
    this.logFile = `${this.base}/daemon.log`;
    this.flags = [
      '--data-dir', `${this.base}/data`,
      '--run-dir', `${this.base}/run`,
      '--socket', this.socket,
      '--bridge', `pp${tag}`,
      '--pod-cidr', `${this.subnet}.0/${podCidrBits}`,
      // A free port per daemon: files run side by side; the port is in the kubeconfig.
      '--listen', '127.0.0.1:0',
    ];
    this.layout = new Layout({
      dataDir: `${this.base}/data`,
      runDir: `${this.base}/run`,
      socketPath: this.socket,
      podCidr: `${this.subnet}.0/${podCidrBits}`,
      bridge: `pp${tag}`,
      instance: instanceName(`${this.base}/run`),
      nodeName: 'test',
      cgroupRoot: hostCgroupRoot(instanceName(`${this.base}/run`)),
    });
    this.client = new PeapodClient({ socketPath: this.socket });
    cleanUpWhenTerminated(this);
  }

  /**
   * Starts `bin/peapod serve` and waits until the API answers. PEAPOD_E2E_RUNTIME=runc|crun pins
   * the OCI runtime the daemon would otherwise choose (both must pass the same tests): written as
   * the run dir's kept choice before the first start, as a daemon keeps its own.
   */
  async start(): Promise<void> {
    const pinned = E2E_RUNTIMES[process.env.PEAPOD_E2E_RUNTIME ?? ''];
    if (pinned && !existsSync(`${this.base}/run/oci-runtime`)) {
      mkdirSync(`${this.base}/run`, { recursive: true, mode: 0o700 });
      writeFileSync(`${this.base}/run/oci-runtime`, `${pinned}\n`);
    }
    const log = openSync(this.logFile, 'a');
    this.child = spawn(this.bin, ['serve', '--log-level', 'debug', ...this.flags, ...this.serveFlags], { stdio: ['ignore', log, log] });
    // Start-up makes the bridge, cluster DNS, the API's keys and certificates: seconds on a busy
    // 2-core host. This bounds a hang, not the speed.
    const deadline = Date.now() + stretch(60_000);
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      if (existsSync(this.socket)) {
        try {
          await this.client.getVersion();
          return;
        } catch {
          /* not yet */
        }
      }
      await sleep(50);
    }
    throw new Error(`daemon did not start:\n${this.log()}`);
  }

  /** The daemon's static pod manifests directory (its default for a private run dir). */
  get manifestsDir(): string {
    return `${this.base}/data/manifests`;
  }

  /** The admin kubeconfig the daemon wrote for its HTTPS API. */
  get kubeconfigPath(): string {
    return `${this.base}/data/admin.kubeconfig`;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** SIGKILL the daemon (containers must survive), wait for it to be gone. */
  async kill9(): Promise<void> {
    const c = this.child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait for a clean exit; returns the exit code. */
  async stop(): Promise<number | null> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    return exited;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-60).join('\n');
    } catch {
      return '';
    }
  }

  /** The local busybox image, as `localhost/busybox:latest`. */
  async importBusybox(): Promise<void> {
    const rootfs = `${this.base}/busybox-rootfs`;
    execFileSync(`${repoRoot}/scripts/make-busybox-rootfs.sh`, [rootfs]);
    await this.client.importImage({ source: rootfs, name: 'busybox', changes: ['ENV PATH=/bin', 'CMD ["sh"]'] });
  }

  /** Stops the daemon, resets the instance, asserts nothing is left, removes the temp dir. */
  async cleanup(): Promise<void> {
    liveDaemons.delete(this);
    this.client.close();
    await this.stop();
    let reset = '';
    try {
      reset = execFileSync(this.bin, ['reset', '--force', ...this.flags], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      reset = String((err as { stderr?: string }).stderr ?? err);
    }
    const leaks = await findHostLeaks(this.layout, { includeBridge: true, includeCgroupRoot: true });
    // Keep the daemon's log for a post-mortem (CI prints where it is).
    mkdirSync(LOG_KEEP_DIR, { recursive: true });
    const kept = `${LOG_KEEP_DIR}/${basename(this.base)}.log`;
    copyFileSync(this.logFile, kept);
    const missed = readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.includes('the periodic resync found work'));
    try {
      rmSync(this.base, { recursive: true, force: true });
    } catch (err) {
      leaks.push(`${this.base} could not be removed: ${(err as Error).message}`);
    }
    assert.deepEqual(leaks, [], `left on the host after reset:\n${leaks.join('\n')}\nreset said:\n${reset}`);
    assert.deepEqual(missed, [], `work no event announced (a lost wake-up; log in ${kept})`);
  }

  /** Polls the pod until `check` passes (returns the pod) or the timeout (stretched) ends. */
  async waitForPod(name: string, check: (pod: Pod) => boolean, timeoutMs = 20_000, namespace = 'default'): Promise<Pod> {
    timeoutMs = stretch(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    let pod: Pod | undefined;
    while (Date.now() < deadline) {
      pod = await this.client.getPod(namespace, name).catch(() => undefined);
      if (pod && check(pod)) return pod;
      await sleep(100);
    }
    throw new Error(`pod ${name} did not reach the expected state in ${timeoutMs} ms; last seen:\n${JSON.stringify(pod?.status, null, 1)}\ndaemon log:\n${this.log()}`);
  }

  /** Polls until the pod is gone from the API, within the timeout (stretched). */
  async waitForPodGone(name: string, timeoutMs = 30_000, namespace = 'default'): Promise<void> {
    timeoutMs = stretch(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pod = await this.client.getPod(namespace, name).catch(() => undefined);
      if (!pod) return;
      await sleep(100);
    }
    throw new Error(`pod ${name} was not removed in ${timeoutMs} ms\n${this.log()}`);
  }

  /** The pod's Events, as `describe` shows them. */
  async events(pod: string, namespace = 'default'): Promise<Event[]> {
    const p = await this.client.getPod(namespace, pod);
    return (await this.client.listEvents(namespace, { fieldSelector: `involvedObject.uid=${p.metadata!.uid}` })).items as Event[];
  }

  /** Force-deletes the pod (grace 0) and waits until it is gone. */
  async removePod(name: string, namespace = 'default'): Promise<void> {
    await this.client.deletePod(namespace, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    await this.waitForPodGone(name, 30_000, namespace);
  }

  /** Output of a program run in the host (for curl-like checks use `httpGet`). */
  async logs(pod: string, container: string): Promise<string> {
    const stream = await this.client.podLogs('default', pod, { container });
    let out = '';
    for await (const chunk of stream) out += String(chunk);
    return out;
  }
}

/**
 * One daemon for the whole test file, with `localhost/busybox:latest` imported: started before
 * the file's tests, reset (and checked for leaks) after them.
 */
export function useTestDaemon(opts: ConstructorParameters<typeof TestDaemon>[0] = {}): TestDaemon {
  const d = new TestDaemon(opts);
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.cleanup());
  return d;
}

export function allRunning(pod: Pod): boolean {
  const st = pod.status?.containerStatuses ?? [];
  return pod.status?.phase === 'Running' && st.length === pod.spec!.containers.length && st.every((c) => c.state?.running);
}

export function podManifest(name: string, spec: Partial<Pod['spec']>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: spec as Pod['spec'] };
}

/** A writable that keeps what is written to it. */
export function collect(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** GET over plain HTTP with node's http (host side). */
export async function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(stretch(timeoutMs)) });
  return { status: res.status, body: await res.text() };
}
