/**
 * The Pod design-pattern examples under examples/ (README, "Pod patterns"), applied as a user
 * applies them (`peapod apply -f`) to a real daemon, each test asserting the behaviour its
 * manifest's comments promise. One daemon for the file; the examples run side by side.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTestDaemon, allRunning, collect, httpGet, peapodBin, repoRoot } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';
import type { Pod } from '../../src/core/types.js';

const d = useTestDaemon();

/** `peapod ARGS...` against this file's daemon, `input` on its stdin; rejects on a non-zero exit. */
function peapod(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      peapodBin,
      args,
      { cwd: repoRoot, env: { ...process.env, PEAPOD_SOCKET: d.socket }, timeout: stretch(30_000) },
      (err, stdout, stderr) => (err ? reject(new Error(`peapod ${args.join(' ')}: ${String(err)}\n${stderr}`)) : resolve(stdout)),
    );
    child.stdin!.end(input ?? '');
  });
}

/** Runs argv in the container; its stdout (the exit code must be 0). */
async function exec(pod: string, container: string, command: string[]): Promise<string> {
  const out = collect();
  const err = collect();
  const { exitCode } = await d.client.exec('default', pod, { container, command, stdout: out.stream, stderr: err.stream });
  assert.equal(exitCode, 0, `${command.join(' ')} in ${pod}/${container} exited ${exitCode}: ${err.text()}`);
  return out.text();
}

/** Polls the container's log until it matches, within the (stretched) timeout; returns the log. */
async function waitForLog(pod: string, container: string, re: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + stretch(timeoutMs);
  let log = '';
  while (Date.now() < deadline) {
    log = await d.logs(pod, container).catch(() => '');
    if (re.test(log)) return log;
    await sleep(200);
  }
  throw new Error(`the log of ${pod}/${container} never matched ${re}:\n${log}\n${d.log()}`);
}

const sidecarStarted = (p: Pod): boolean => (p.status?.initContainerStatuses ?? []).every((s) => s.started === true && s.state?.running);
const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const startedAt = (p: Pod, name: string): number => {
  const all = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  return Date.parse(all.find((s) => s.name === name)!.state!.running!.startedAt!);
};

/** Removes the pods whatever the test's outcome (grace 0; gone already is fine). */
async function removePods(...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => d.removePod(n)));
}

describe('pod pattern examples', { concurrency: 5 }, () => {
  test('init-content: the init container deploys the application into the emptyDir, ran to completion before the server, which serves it', async () => {
    try {
      assert.equal(await peapod(['apply', '-f', 'examples/init-content.yaml']), 'pod/init-content created\n');
      const pod = await d.waitForPod('init-content', (p) => allRunning(p) && isReady(p));
      const init = pod.status!.initContainerStatuses![0];
      assert.deepEqual([init.name, init.state?.terminated?.reason, init.state?.terminated?.exitCode], ['deploy-app', 'Completed', 0]);
      const finished = Date.parse(init.state!.terminated!.finishedAt!);
      assert.ok(finished <= startedAt(pod, 'server'), `deploy-app finished at ${init.state!.terminated!.finishedAt}, after the server started`);
      // httpd exits at once when its home (/webapps/ROOT, which deploy-app moves in last) is
      // missing: a first run without a restart means the application was there when it started.
      assert.equal(pod.status!.containerStatuses![0].restartCount, 0);
      assert.match(await d.logs('init-content', 'deploy-app'), /^deploy-app: deployed version 1\.0\.0 into \/webapps\/ROOT$/m);

      const page = await httpGet(`http://${pod.status!.podIP}:8080/`);
      assert.equal(page.status, 200);
      assert.match(page.body, /deployed by the init container of pod init-content/);
      assert.equal((await httpGet(`http://${pod.status!.podIP}:8080/app/version`)).body, '1.0.0\n');
    } finally {
      await removePods('init-content');
    }
  });

  test('log-sidecar: the collector ships the app\'s log file to its stdout; it starts before the app and stops after it', async () => {
    try {
      await peapod(['apply', '-f', 'examples/log-sidecar.yaml']);
      const pod = await d.waitForPod('log-sidecar', (p) => allRunning(p) && sidecarStarted(p));
      assert.ok(startedAt(pod, 'log-collector') <= startedAt(pod, 'app'), 'the sidecar started before the app');
      assert.equal(pod.status!.initContainerStatuses![0].name, 'log-collector');
      // The app's lines, which it writes only to its file, come out of the collector.
      const shipped = await waitForLog('log-sidecar', 'log-collector', /app: handled request 2$/m);
      assert.match(shipped, /^log-collector: shipping/);
      assert.match(shipped, /^\d\d:\d\d:\d\d app: started$/m);
      assert.equal(await d.logs('log-sidecar', 'app'), '', 'the app itself writes nothing to stdout');

      // On delete the app gets SIGTERM first and writes its goodbye; the collector, stopped only
      // once the app has exited, still ships that line, then leaves.
      const follow = await d.client.podLogs('default', 'log-sidecar', { container: 'log-collector', follow: true });
      let followed = '';
      const ended = new Promise<void>((resolve, reject) => {
        follow.on('data', (chunk) => (followed += String(chunk)));
        follow.on('end', resolve);
        follow.on('error', reject);
      });
      await d.client.deletePod('default', 'log-sidecar');
      await Promise.race([ended, sleep(stretch(20_000)).then(() => follow.destroy())]);
      const goodbye = followed.search(/app: got SIGTERM, goodbye\n/);
      const last = followed.indexOf('log-collector: the app has stopped, so do I\n');
      assert.ok(goodbye > 0 && last > goodbye, `the collector shipped the app's goodbye, then stopped:\n${followed}`);
      await d.waitForPodGone('log-sidecar');
    } finally {
      await removePods('log-sidecar');
    }
  });

  test('ambassador: the app asks 127.0.0.1:8080 and gets the other pod\'s answer, via status.hostIP and its hostPort', async () => {
    // Another free hostPort than the manifest's 18081, so that daemons side by side on this
    // host (and a demo) do not collide; the manifest names it twice, as its comment says.
    const port = 20000 + randomInt(20000);
    const manifest = readFileSync(`${repoRoot}/examples/ambassador.yaml`, 'utf8');
    const rewritten = manifest.replace(/hostPort: 18081\n/g, `hostPort: ${port}\n`).replace(/value: "18081"\n/g, `value: "${port}"\n`);
    assert.equal(manifest.match(/hostPort: 18081\n|value: "18081"\n/g)?.length, 2, 'hostPort and SERVER_PORT, once each');
    try {
      assert.equal(await peapod(['apply', '-f', '-'], rewritten), 'pod/ambassador-server created\npod/ambassador-client created\n');
      const server = await d.waitForPod('ambassador-server', (p) => allRunning(p) && isReady(p));
      const client = await d.waitForPod('ambassador-client', (p) => allRunning(p) && sidecarStarted(p));
      assert.ok(startedAt(client, 'ambassador') <= startedAt(client, 'app'), 'the ambassador started before the app');
      // The ambassador found the backend through the node's address from the downward API.
      assert.ok(client.status!.hostIP && client.status!.hostIP === server.status!.hostIP);
      assert.equal(await exec('ambassador-client', 'ambassador', ['sh', '-c', 'echo "$HOST_IP:$SERVER_PORT"']), `${client.status!.hostIP}:${port}\n`);

      // The answer names the server pod (its hostname): it came from the other pod.
      const answer = 'hello from ambassador-server, the server pod\n';
      assert.equal(await exec('ambassador-client', 'app', ['wget', '-qO-', 'http://127.0.0.1:8080/']), answer);
      await waitForLog('ambassador-client', 'app', /app: the backend says: hello from ambassador-server, the server pod$/m);
    } finally {
      await removePods('ambassador-client', 'ambassador-server');
    }
  });

  test('adapter: the app\'s own status file is served as Prometheus metrics on the pod IP', async () => {
    try {
      await peapod(['apply', '-f', 'examples/adapter.yaml']);
      const pod = await d.waitForPod('adapter', (p) => allRunning(p) && isReady(p));
      const requests = async (): Promise<number> => {
        const status = await exec('adapter', 'app', ['cat', '/status/app.status']);
        return Number(/^requests served: (\d+)$/m.exec(status)![1]);
      };
      const before = await requests();
      const url = `http://${pod.status!.podIP}:9102/metrics`;
      const res = await fetch(url, { signal: AbortSignal.timeout(stretch(5000)) });
      const body = await res.text();
      const after = await requests();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4');
      assert.match(body, /^# HELP myapp_requests_total .+\n# TYPE myapp_requests_total counter\nmyapp_requests_total \d+$/m);
      assert.match(body, /^# TYPE myapp_up gauge\nmyapp_up 1$/m);
      assert.match(body, /^# TYPE myapp_queue_length gauge\nmyapp_queue_length \d+$/m);
      assert.match(body, /^# TYPE myapp_uptime_seconds gauge\nmyapp_uptime_seconds \d+$/m);
      assert.match(body, /^# TYPE myapp_errors_total counter\nmyapp_errors_total \d+$/m);
      // Every sample line is `name value`, the value converted from the file at scrape time.
      for (const line of body.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) myapp_\w+ .+|myapp_\w+ \d+)$/, line);
      const scraped = Number(/^myapp_requests_total (\d+)$/m.exec(body)![1]);
      assert.ok(before > 0 && before <= scraped && scraped <= after, `scraped ${scraped}, the file said ${before} before and ${after} after`);
      assert.equal((await httpGet(`http://${pod.status!.podIP}:9102/other`)).status, 404);
    } finally {
      await removePods('adapter');
    }
  });

  test('process-group: with shareProcessNamespace the pod\'s init is PID 1, adopts the orphans of another container and reaps them', async () => {
    interface Proc { pid: number; ppid: number; stat: string; args: string }
    const ps = async (): Promise<Proc[]> =>
      (await exec('process-group', 'inspector', ['ps', '-o', 'pid,ppid,stat,args']))
        .split('\n')
        .slice(1)
        .flatMap((line) => {
          const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
          return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3], args: m[4] }] : [];
        });
    const show = (procs: Proc[]) => procs.map((p) => `${p.pid} ${p.ppid} ${p.stat} ${p.args}`).join('\n');
    try {
      await peapod(['apply', '-f', 'examples/process-group.yaml']);
      await d.waitForPod('process-group', allRunning);
      await waitForLog('process-group', 'spawner', /left 1 orphans behind/);

      // The spawner's orphans, seen from the inspector (another container), belong to PID 1.
      let procs = await ps();
      let orphans: Proc[] = [];
      const seenBy = Date.now() + stretch(10_000);
      while ((orphans = procs.filter((p) => p.ppid === 1 && p.args === 'sleep 1')).length === 0 && Date.now() < seenBy) {
        await sleep(200);
        procs = await ps();
      }
      const init = procs.find((p) => p.pid === 1);
      assert.ok(init && init.ppid === 0 && /catatonit|pause/.test(init.args), `PID 1 is the pod's init:\n${show(procs)}`);
      assert.ok(orphans.length > 0, `orphaned sleeps reparented to PID 1:\n${show(procs)}`);
      assert.ok(procs.some((p) => p.args === 'sleep 2147483647'), `the inspector's own process:\n${show(procs)}`);

      // Each of those orphans ends after a second and PID 1 reaps it: it vanishes, it does not
      // linger as a zombie; and no process stays a zombie (one may be caught in the instant
      // between its exit and its reaping, never twice).
      const gone = Date.now() + stretch(10_000);
      const watched = new Set(orphans.map((o) => o.pid));
      while (procs.some((p) => watched.has(p.pid)) && Date.now() < gone) {
        await sleep(250);
        procs = await ps();
      }
      assert.ok(!procs.some((p) => watched.has(p.pid)), `orphans ${[...watched]} not reaped:\n${show(procs)}`);
      const zombies = procs.filter((p) => p.stat.startsWith('Z')).map((p) => p.pid);
      if (zombies.length > 0) {
        await sleep(500);
        const still = (await ps()).filter((p) => p.stat.startsWith('Z') && zombies.includes(p.pid));
        assert.deepEqual(still, [], 'zombies left');
      }
    } finally {
      await removePods('process-group');
    }
  });
});
