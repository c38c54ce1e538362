/**
 * Probe cost (issue 3: "100 pods, each with an httpGet readiness probe every second and an exec
 * liveness probe every 10 s, keep the CPU of the daemon and of every process it starts under one
 * core"). CPU is this process's user+system plus that of its waited-for children (runc exec and
 * what it runs), from /proc/self/stat; the probe targets (busybox httpd, the containers) are not
 * counted, as they are the pods' own work.
 *   single   CPU ms and wall ms of one exec (runc exec `true` in a real container), httpGet, tcpSocket probe
 *   load     the ProberManager with 100 targets (real runc exec into --containers real containers,
 *            real HTTP to a local busybox httpd) for --seconds, in cores; plus the projection from `single`
 * Run as root: node --import tsx bench/probes.bench.ts [--only single,load] [--seconds 30] [--containers 10]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { NetProber } from '../src/adapters/prober/net-prober.js';
import { RuncRuntime } from '../src/adapters/runc/runc-runtime.js';
import { removeCgroupRoot } from '../src/adapters/system/cgroup-fs.js';
import { systemClock } from '../src/adapters/system/system-clock.js';
import { ProberManager } from '../src/agent/prober.js';
import type { ProbeExec } from '../src/agent/probe-handlers.js';
import { Layout } from '../src/core/layout.js';
import { silentLogger } from '../src/core/logger.js';
import { buildContainerSpec, buildSandboxSpec } from '../src/core/oci-spec.js';
import type { Container, Pod } from '../src/core/types.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, seconds: { type: 'string' }, containers: { type: 'string' }, pods: { type: 'string' } } });
const only = new Set((values.only ?? 'single,load').split(','));
const SECONDS = Number(values.seconds ?? 30);
const CONTAINERS = Number(values.containers ?? 10);
const PODS = Number(values.pods ?? 100);
const RUNC = '/usr/sbin/runc';
const hex = (n: number) => randomBytes(n).toString('hex');
const TICK_MS = 1000 / 100; // USER_HZ

/** CPU ms of this process and its reaped children so far. */
function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14–17 (utime stime cutime cstime), counted from 1 with state at 3.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
}

function makeRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(`${dir}/${d}`, { recursive: true });
  copyFileSync('/bin/busybox', `${dir}/bin/busybox`);
  chmodSync(`${dir}/bin/busybox`, 0o755);
  for (const a of ['sh', 'sleep', 'true', 'test']) symlinkSync('busybox', `${dir}/bin/${a}`);
  writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/:/bin/sh\n');
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** `alias` maps the probed ids to real containers, so many targets can share a few containers. */
function execPort(rt: RuncRuntime, alias = new Map<string, string>()): ProbeExec {
  return async (probedId, argv, timeoutMs) => {
    const id = alias.get(probedId) ?? probedId;
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    });
    const exitCode = await rt.exec(id, { args: argv, timeoutMs }, { stdout: sink, stderr: sink });
    return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
  };
}

async function measure(n: number, fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return { cpu: (cpuMs() - c0) / n, wall: (performance.now() - t0) / n };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const tmp = mkdtempSync('/tmp/pp-probebench-');
  const layout = new Layout({ dataDir: `${tmp}/data`, runDir: `${tmp}/run`, socketPath: `${tmp}/run/sock`, podCidr: '10.94.0.0/16', bridge: '', instance: `ppbench-${hex(3)}`, nodeName: 'bench' });
  const rt = new RuncRuntime({ layout, runtimePath: RUNC });
  const made: string[] = [];
  const netns = layout.netnsName(hex(32));
  const podUid = `uid-${hex(4)}`;
  let httpd: ReturnType<typeof spawn> | undefined;
  let tcpd: ReturnType<typeof spawn> | undefined;
  try {
    makeRootfs(`${tmp}/rootfs`);
    mkdirSync(`${tmp}/infra/proc`, { recursive: true });
    for (const d of ['sys', 'dev', 'etc']) mkdirSync(`${tmp}/infra/${d}`, { recursive: true });
    copyFileSync('/usr/bin/catatonit', `${tmp}/infra/catatonit`);
    chmodSync(`${tmp}/infra/catatonit`, 0o755);
    execFileSync('ip', ['netns', 'add', netns]);
    const sandboxId = hex(32);
    made.push(sandboxId);
    const sb = await rt.create({
      id: sandboxId,
      spec: buildSandboxSpec({ rootfs: `${tmp}/infra`, netnsPath: `/run/netns/${netns}`, hostname: 'bench', cgroupsPath: layout.containerCgroup(podUid, sandboxId), annotations: { 'io.kubernetes.pod.uid': podUid } }),
      logPath: `${layout.podLogDir(podUid)}/infra.log`,
    });
    await rt.start(sandboxId);
    const containers: string[] = [];
    for (let i = 0; i < CONTAINERS; i++) {
      const id = hex(32);
      made.push(id);
      await rt.create({
        id,
        spec: buildContainerSpec({ rootfs: `${tmp}/rootfs`, args: ['sleep', '100000'], env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0, infraPid: sb.pid, netnsPath: `/run/netns/${netns}`, cgroupsPath: layout.containerCgroup(podUid, id), annotations: { 'io.kubernetes.pod.uid': podUid } }),
        logPath: layout.containerLogPath(podUid, `c${i}`, 0),
      });
      await rt.start(id);
      containers.push(id);
    }
    const www = `${tmp}/www`;
    mkdirSync(www);
    writeFileSync(`${www}/index.html`, 'ok\n');
    const httpPort = await freePort();
    httpd = spawn('/bin/busybox', ['httpd', '-f', '-p', `127.0.0.1:${httpPort}`, '-h', www], { stdio: 'ignore' });
    await sleep(300);

    const exec = execPort(rt);
    const net = new NetProber();
    const http = () => net.httpGet({ scheme: 'HTTP', host: '127.0.0.1', port: httpPort, path: '/', headers: [['User-Agent', 'kube-probe/1.32'], ['Accept', '*/*']], timeoutMs: 1000 });
    const tcpPort = await freePort();
    tcpd = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.destroy()).listen(${tcpPort}, '127.0.0.1')`], { stdio: 'ignore' });
    await sleep(300);
    const tcp = () => net.tcp({ host: '127.0.0.1', port: tcpPort, timeoutMs: 1000 });
    const check = await http();
    if (check.result !== 'success') throw new Error(`httpd not answering: ${check.message}`);
    const execCheck = await exec(containers[0]!, ['true'], 1000);
    if (execCheck.exitCode !== 0) throw new Error('exec probe does not work');

    let perExec = 0;
    let perHttp = 0;
    if (only.has('single') || only.has('load')) {
      await measure(5, () => exec(containers[0]!, ['true'], 1000)); // warm-up
      const e = await measure(50, () => exec(containers[0]!, ['true'], 1000));
      const h = await measure(1000, http);
      const t = await measure(1000, tcp);
      perExec = e.cpu;
      perHttp = h.cpu;
      console.log('one probe (CPU ms of daemon + children, wall ms), sequential:');
      console.log(`  exec (runc exec true)  cpu ${e.cpu.toFixed(2)} ms  wall ${e.wall.toFixed(2)} ms`);
      console.log(`  httpGet                cpu ${h.cpu.toFixed(3)} ms  wall ${h.wall.toFixed(3)} ms`);
      console.log(`  tcpSocket              cpu ${t.cpu.toFixed(3)} ms  wall ${t.wall.toFixed(3)} ms`);
      const projected = (PODS * perHttp * 1 + (PODS / 10) * perExec) / 1000;
      console.log(`projection, ${PODS} pods × (httpGet every 1 s + exec every 10 s): ${projected.toFixed(3)} cores`);
    }

    if (only.has('load')) {
      const alias = new Map<string, string>();
      const prober = new ProberManager({ clock: systemClock, exec: execPort(rt, alias), network: net, logger: silentLogger });
      let unhealthy = 0;
      prober.onChange((uid) => (unhealthy += prober.takeEvents(uid).length));
      const started = Date.now() - 60_000; // adopted long after start: random ticker phases, as pods created over time
      for (let i = 0; i < PODS; i++) {
        const container: Container = {
          name: 'app',
          image: 'busybox',
          readinessProbe: { httpGet: { port: httpPort, path: '/', host: '127.0.0.1' }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['true'] }, periodSeconds: 10 },
        };
        const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, uid: `bench-${i}` }, spec: { containers: [container] } };
        const containerId = `target-${i}`;
        alias.set(containerId, containers[i % containers.length]!);
        prober.track({ pod, container, containerId, startedAt: started, podIP: '127.0.0.1' });
      }
      // Warm up one period, then measure.
      await sleep(2000);
      const c0 = cpuMs();
      const t0 = performance.now();
      await sleep(SECONDS * 1000);
      const cores = (cpuMs() - c0) / (performance.now() - t0);
      const ready = Array.from({ length: PODS }, (_, i) => prober.isReady(`target-${i}`)).filter(Boolean).length;
      prober.stop();
      console.log(`load, ${PODS} targets on ${containers.length} containers for ${SECONDS} s: ${cores.toFixed(3)} cores (daemon + children), ${ready}/${PODS} ready, ${unhealthy} Unhealthy events`);
    }
  } finally {
    if (httpd?.pid) httpd.kill('SIGKILL');
    if (tcpd?.pid) tcpd.kill('SIGKILL');
    for (const id of made.reverse()) await rt.remove(id).catch(() => {});
    try {
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    await removeCgroupRoot(layout).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
