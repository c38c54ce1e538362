/**
 * The kubelet's lifecycle (issue "The kubelet's lifecycle, faithfully"): the scenarios of
 * pod-semantics.md §14 that belong to §1–§6, named after their numbers, against a real daemon.
 * Probe scenarios (13, 14, 19–24) live in probes.e2e.test.ts; the back-off curve beyond its first
 * steps and the 10-minute reset are proven on the pure logic (src/core/backoff.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { TestDaemon, allRunning, podManifest } from './helpers/test-daemon.js';
import { podRow } from '../../src/core/pod-printer.js';
import type { Pod } from '../../src/core/types.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';
let d: TestDaemon;
let hostDir: string;

before(async () => {
  d = new TestDaemon();
  await d.start();
  await d.importBusybox();
  hostDir = mkdtempSync('/var/tmp/peapod-lifecycle-');
});
after(async () => {
  rmSync(hostDir, { recursive: true, force: true });
  await d?.cleanup();
});

const status = (p: Pod): string => podRow(p, Date.now()).status;
const cond = (p: Pod, type: string) => (p.status?.conditions ?? []).find((c) => c.type === type)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until each shell has set its TERM trap (it touches `<file>` right after): a shell that is
 * PID 1 ignores a TERM that comes before, and a busy host can take seconds between Running and
 * the trap.
 */
async function trapsSet(files: string[]): Promise<void> {
  const deadline = Date.now() + stretch(15_000);
  while (!files.every((f) => existsSync(`${hostDir}/${f}`))) {
    assert.ok(Date.now() < deadline, `TERM traps not set: ${files.filter((f) => !existsSync(`${hostDir}/${f}`))}`);
    await sleep(50);
  }
}



describe('lifecycle', { concurrency: 8 }, () => {
  test('§14.1 plain run: Running, 1/1, five conditions, started, ready, BestEffort; Scheduled/Created/Started events', async () => {
    await d.client.createPod('default', podManifest('s1', { containers: [{ name: 'c', image, command: ['sleep', '3600'] }] }));
    const p = await d.waitForPod('s1', allRunning, 15_000);
    const c = p.status!.containerStatuses![0];
    assert.deepEqual([status(p), podRow(p, Date.now()).ready, c.started, c.ready, c.restartCount, p.status!.qosClass], ['Running', '1/1', true, true, 0, 'BestEffort']);
    assert.ok(p.status!.conditions!.every((x) => x.status === 'True'));
    assert.match(c.imageID, /@sha256:[0-9a-f]{64}$/);
    const reasons = (await d.events('s1')).map((e) => e.reason);
    for (const r of ['Scheduled', 'Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons}`);
    await d.removePod('s1');
  });

  test('§14.2 Never + exit 0: Succeeded, Completed, 0/1, Ready False PodCompleted, logs', async () => {
    await d.client.createPod('default', podManifest('s2', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'echo hi'] }] }));
    const p = await d.waitForPod('s2', (x) => x.status?.phase === 'Succeeded');
    assert.deepEqual([status(p), podRow(p, Date.now()).ready], ['Completed', '0/1']);
    assert.deepEqual([cond(p, 'Ready').status, cond(p, 'Ready').reason], ['False', 'PodCompleted']);
    assert.equal(await d.logs('s2', 'c'), 'hi\n');
    await d.removePod('s2');
  });

  test('§14.3 Never + exit 3: Failed, Error, ContainersReady False PodFailed', async () => {
    await d.client.createPod('default', podManifest('s3', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'exit 3'] }] }));
    const p = await d.waitForPod('s3', (x) => x.status?.phase === 'Failed');
    assert.equal(status(p), 'Error');
    assert.equal(cond(p, 'ContainersReady').reason, 'PodFailed');
    await d.removePod('s3');
  });

  test('§14.4 OnFailure + exit 0: Succeeded, no second instance', async () => {
    await d.client.createPod('default', podManifest('s4', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image, command: ['true'] }] }));
    const p = await d.waitForPod('s4', (x) => x.status?.phase === 'Succeeded');
    await sleep(stretch(2000));
    const again = await d.client.getPod('default', 's4');
    assert.equal(again.status!.containerStatuses![0].restartCount, 0);
    assert.equal(again.status!.containerStatuses![0].containerID, p.status!.containerStatuses![0].containerID);
    await d.removePod('s4');
  });

  test('§14.5 Always + exit 0: restarted at once, then CrashLoopBackOff; phase Running; lastState Completed', async () => {
    await d.client.createPod('default', podManifest('s5', { containers: [{ name: 'c', image, command: ['sh', '-c', 'sleep 1'] }] }));
    await d.waitForPod('s5', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 15_000);
    const p = await d.waitForPod('s5', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 20_000);
    const c = p.status!.containerStatuses![0];
    assert.equal(p.status!.phase, 'Running');
    assert.match(c.state!.waiting!.message!, /^back-off 10s restarting failed container=/);
    assert.deepEqual([c.lastState!.terminated!.reason, c.lastState!.terminated!.exitCode], ['Completed', 0]);
    assert.ok((await d.events('s5')).some((e) => e.reason === 'BackOff' && e.type === 'Warning'));
    await d.removePod('s5');
  });

  test('§14.6 back-off curve, first steps for real: restarts after 0 s, then ≥ 10 s, then ≥ 20 s', async (t) => {
    // Instances are told apart by restartCount (0, 1, 2, ...: the kubelet numbers them), and
    // each gap is judged between two consecutive ones: instance k's finishedAt to instance k+1's
    // startedAt, the interval the back-off governs (§2). A status shows only the current instance
    // and the one before it, so polls could miss one; a watch opened before the pod exists sees
    // every status the daemon writes.
    const instances = new Map<number, { ids: Set<string>; started: number[]; finished: number[] }>();
    const seen: string[] = [];
    const note = (k: number, id: string | undefined, times: { startedAt?: string; finishedAt?: string } | undefined) => {
      if (!times || k < 0) return;
      const e = instances.get(k) ?? { ids: new Set<string>(), started: [], finished: [] };
      if (id) e.ids.add(id);
      if (times.startedAt) e.started.push(Date.parse(times.startedAt));
      if (times.finishedAt) e.finished.push(Date.parse(times.finishedAt));
      instances.set(k, e);
    };
    const observe = (p: Pod) => {
      const c = p.status?.containerStatuses?.[0];
      if (!c) return;
      const n = c.restartCount;
      const current = c.state?.running ?? c.state?.terminated;
      note(n, c.containerID, current);
      // lastState is the instance before the current one, except while the container waits out
      // its back-off: then it is the current instance itself (same container ID).
      const last = c.lastState?.terminated;
      if (last) note(last.containerID === c.containerID ? n : n - 1, last.containerID, last);
      seen.push(`${n}:${Object.keys(c.state ?? {})[0]}/${last ? (last.containerID === c.containerID ? 'self' : 'prev') : '-'}`);
    };
    const rv = (await d.client.listPods('default')).metadata.resourceVersion;
    const watchErrors: string[] = [];
    const stop = d.client.watchPods('default', { resourceVersion: rv }, (e) => {
      if (e.type === 'ERROR') watchErrors.push(JSON.stringify(e.object));
      else if (e.object.metadata?.name === 's6' && e.type !== 'DELETED') observe(e.object);
    });
    let watchEnded = false;
    void stop.done.then(() => (watchEnded = true), (err: unknown) => watchErrors.push(String(err)));
    try {
      await d.client.createPod('default', podManifest('s6', { containers: [{ name: 'c', image, command: ['sh', '-c', 'exit 1'] }] }));
      const startOf = (k: number) => instances.get(k)?.started ?? [];
      const finishOf = (k: number) => instances.get(k)?.finished ?? [];
      const complete = () => [0, 1, 2].every((k) => finishOf(k).length > 0 && startOf(k + 1).length > 0);
      // Long enough for a doubled back-off (10, 20, 40 s) to reach a fourth run, so the gaps
      // below judge the curve rather than the deadline.
      const deadline = Date.now() + stretch(90_000);
      while (Date.now() < deadline && !complete() && !watchEnded && watchErrors.length === 0) await sleep(100);
      const clock = (ts: number[]) => [...new Set(ts)].map((x) => new Date(x).toISOString().slice(11, 19)).join('|');
      const described = () =>
        [...instances.entries()]
          .sort(([a], [b]) => a - b)
          .map(([k, e]) => `#${k} ${[...e.ids].map((id) => id.slice(-8)).join('|')} ${clock(e.started)}→${clock(e.finished)}`)
          .join('; ') + ` (statuses: ${seen.join(' ')})`;
      assert.deepEqual(watchErrors, [], 'the watch failed');
      assert.ok(complete(), `instances 0–3 not all seen started and finished: ${described()}`);
      // One container per restartCount, a new one each time.
      for (const k of [0, 1, 2, 3]) assert.equal(instances.get(k)!.ids.size, 1, `instance ${k}: ${described()}`);
      assert.equal(new Set([0, 1, 2, 3].map((k) => [...instances.get(k)!.ids][0])).size, 4, described());
      // Timestamps have whole seconds (truncated): a true gap of g s reads as ⌊g⌋ or ⌊g⌋+1, never
      // less than a whole-second back-off it respects, so the lower bound needs no slack. Upper:
      // the back-off plus what a half-as-fast machine needs to start a container, plus one second.
      const slack = stretch(4) + 1;
      const gaps = [0, 1, 2].map((k) => ({
        shortest: (Math.min(...startOf(k + 1)) - Math.max(...finishOf(k))) / 1000,
        longest: (Math.max(...startOf(k + 1)) - Math.min(...finishOf(k))) / 1000,
      }));
      t.diagnostic(`gaps ${gaps.map((g) => (g.shortest === g.longest ? g.shortest : `${g.shortest}–${g.longest}`)).join(', ')} s; ${described()}`);
      for (const [k, backOff] of [[0, 0], [1, 10], [2, 20]] as const) {
        const { shortest, longest } = gaps[k];
        assert.ok(shortest >= backOff, `instance ${k + 1} started ${shortest} s after instance ${k} finished, before its ${backOff} s back-off: ${described()}`);
        assert.ok(longest <= backOff + slack, `instance ${k + 1} started ${longest} s after instance ${k} finished, later than ${backOff} + ${slack} s: ${described()}`);
      }
      assert.match(podRow(await d.client.getPod('default', 's6'), Date.now()).restarts, /^\d+ \(\d+s ago\)$/);
    } finally {
      stop();
    }
    await d.removePod('s6');
  });

  test('§14.8 multi-container Pending: one container runs, the other never starts', async () => {
    await d.client.createPod('default', podManifest('s8', { containers: [{ name: 'c1', image, command: ['sleep', '3600'] }, { name: 'c2', image: 'localhost/absent:1' }] }));
    const p = await d.waitForPod('s8', (x) => x.status?.containerStatuses?.find((c) => c.name === 'c2')?.state?.waiting?.reason === 'ErrImageNeverPull' && !!x.status?.containerStatuses?.find((c) => c.name === 'c1')?.state?.running);
    assert.equal(p.status!.phase, 'Pending');
    assert.equal(status(p), 'ErrImageNeverPull');
    await d.removePod('s8');
  });

  test('§14.9 init ordering: Init:0/2 → Init:1/2 → Running; init2 starts after init1 finished', async () => {
    await d.client.createPod(
      'default',
      podManifest('s9', {
        initContainers: [
          { name: 'init1', image, command: ['sleep', '2'] },
          { name: 'init2', image, command: ['sleep', '2'] },
        ],
        containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
      }),
    );
    const seen = new Set<string>();
    const deadline = Date.now() + stretch(25_000);
    let p = await d.waitForPod('s9', (x) => !!cond(x, 'Initialized'));
    if (status(p) === 'Init:0/2') assert.equal(cond(p, 'Initialized').message, 'containers with incomplete status: [init1 init2]');
    while (Date.now() < deadline && !allRunning(p)) {
      seen.add(status(p));
      if (p.status?.containerStatuses?.[0]?.state?.waiting) assert.equal(p.status.containerStatuses[0].state.waiting.reason, 'PodInitializing');
      await sleep(100);
      p = await d.client.getPod('default', 's9');
    }
    assert.ok(allRunning(p));
    assert.ok(seen.has('Init:0/2') && seen.has('Init:1/2'), `saw ${[...seen]}`);
    const [i1, i2] = p.status!.initContainerStatuses!;
    assert.ok(Date.parse(i2.state!.terminated!.startedAt!) >= Date.parse(i1.state!.terminated!.finishedAt!));
    await d.removePod('s9');
  });

  test('§14.10 init fails under Never: Failed, Init:Error, main never created', async () => {
    await d.client.createPod('default', podManifest('s10', { restartPolicy: 'Never', initContainers: [{ name: 'init', image, command: ['sh', '-c', 'exit 1'] }], containers: [{ name: 'main', image, command: ['sleep', '3600'] }] }));
    // The phase is written as the pod turns terminal; the sandbox stops just after (as the
    // kubelet's SyncTerminatingPod follows SyncPod), and the condition says so in a later write.
    const failed = await d.waitForPod('s10', (x) => x.status?.phase === 'Failed');
    const p = await d.waitForPod('s10', (x) => cond(x, 'PodReadyToStartContainers')?.status === 'False').catch(() => failed);
    assert.equal(p.status?.phase, 'Failed', 'a terminal phase stays');
    assert.equal(status(p), 'Init:Error');
    assert.equal(podRow(p, Date.now()).restarts, '0');
    const main = p.status!.containerStatuses![0];
    assert.equal(main.containerID, undefined);
    assert.equal(main.state!.waiting!.reason, 'PodInitializing');
    assert.equal(cond(p, 'PodReadyToStartContainers').status, 'False', 'the sandbox is stopped');
    await d.removePod('s10');
  });

  test('§14.11 init fails under Always: Init:Error then Init:CrashLoopBackOff, Pending, main never created', async () => {
    await d.client.createPod('default', podManifest('s11', { initContainers: [{ name: 'init', image, command: ['sh', '-c', 'exit 1'] }], containers: [{ name: 'main', image, command: ['sleep', '3600'] }] }));
    const p = await d.waitForPod('s11', (x) => status(x) === 'Init:CrashLoopBackOff', 25_000);
    assert.equal(p.status!.phase, 'Pending');
    assert.ok(p.status!.initContainerStatuses![0].restartCount >= 1);
    assert.equal(p.status!.containerStatuses![0].containerID, undefined);
    await d.removePod('s11');
  });

  test('§14.12 init recovers on its second run', async () => {
    await d.client.createPod(
      'default',
      podManifest('s12', {
        volumes: [{ name: 'm', emptyDir: {} }],
        initContainers: [{ name: 'init', image, command: ['sh', '-c', 'if [ -f /m/seen ]; then exit 0; fi; touch /m/seen; exit 1'], volumeMounts: [{ name: 'm', mountPath: '/m' }] }],
        containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
      }),
    );
    const p = await d.waitForPod('s12', allRunning, 20_000);
    assert.equal(p.status!.initContainerStatuses![0].restartCount, 1);
    assert.equal(p.status!.containerStatuses![0].restartCount, 0);
    assert.equal(cond(p, 'Initialized').status, 'True');
    await d.removePod('s12');
  });

  test('§14.15 a sidecar restarts with back-off under Never while main runs', async () => {
    await d.client.createPod(
      'default',
      podManifest('s15', {
        restartPolicy: 'Never',
        initContainers: [{ name: 'sc', image, restartPolicy: 'Always', command: ['sh', '-c', 'sleep 1; exit 1'] }],
        containers: [{ name: 'main', image, command: ['sleep', '60'] }],
      }),
    );
    const p = await d.waitForPod('s15', (x) => (x.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 2, 30_000);
    assert.equal(p.status!.phase, 'Running');
    assert.equal(p.status!.containerStatuses![0].restartCount, 0);
    await d.removePod('s15');
  });

  test('§14.16 Job-like completion: main done → sidecar stopped, Succeeded despite its 137', async () => {
    await d.client.createPod(
      'default',
      podManifest('s16', {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 3,
        initContainers: [{ name: 'sc', image, restartPolicy: 'Always', command: ['sleep', '3600'] }],
        containers: [{ name: 'main', image, command: ['sleep', '2'] }],
      }),
    );
    const p = await d.waitForPod('s16', (x) => x.status?.phase === 'Succeeded', 25_000);
    assert.equal(status(p), 'Completed');
    const sc = await d.waitForPod('s16', (x) => !!x.status?.initContainerStatuses?.[0]?.state?.terminated, 15_000);
    assert.equal(sc.status!.initContainerStatuses![0].state!.terminated!.exitCode, 137);
    assert.equal(sc.status!.phase, 'Succeeded');
    await d.removePod('s16');
  });

  test('§14.17 termination order: main first, then sidecars in reverse order', async () => {
    const log = `${hostDir}/s17.log`;
    // /proc/uptime: one clock for every container (busybox date has no sub-second format).
    const trap = (name: string, after: number) => ['sh', '-c', `trap 'echo "${name} $(cut -d" " -f1 /proc/uptime)" >> /h/s17.log; sleep ${after}; exit 0' TERM; touch /h/s17.${name}.trap; while true; do sleep 0.1; done`];
    const mount = [{ name: 'h', mountPath: '/h' }];
    await d.client.createPod(
      'default',
      podManifest('s17', {
        terminationGracePeriodSeconds: 20,
        volumes: [{ name: 'h', hostPath: { path: hostDir } }],
        initContainers: [
          { name: 'sc1', image, restartPolicy: 'Always', command: trap('sc1', 1), volumeMounts: mount },
          { name: 'sc2', image, restartPolicy: 'Always', command: trap('sc2', 1), volumeMounts: mount },
        ],
        containers: [{ name: 'main', image, command: trap('main', 3), volumeMounts: mount }],
      }),
    );
    await d.waitForPod('s17', allRunning);
    await trapsSet(['s17.main.trap', 's17.sc1.trap', 's17.sc2.trap']);
    const t0 = Date.now();
    const deletedAt = Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000); // the containers' clock
    await d.client.deletePod('default', 's17');
    await d.waitForPodGone('s17', 30_000);
    const took = Date.now() - t0;
    const order = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(order.map((o) => o[0]), ['main', 'sc2', 'sc1']);
    const t = order.map((o) => Math.round(Number(o[1]) * 1000));
    assert.ok(t[1] - t[0] >= 2800, `sc2 got TERM ${t[1] - t[0]} ms after main (main exits 3 s after TERM)`);
    assert.ok(t[2] - t[1] >= 800, `sc1 got TERM ${t[2] - t[1]} ms after sc2`);
    // Every container ended on its own, within the 20 s grace: sc1, the last, exits 1 s after its TERM.
    assert.ok(t[2] + 1000 < deletedAt + 20_000, `sc1 got TERM ${t[2] - deletedAt} ms after the delete, too late to exit within the 20 s grace`);
    assert.ok(took < stretch(15_000), `deletion took ${took} ms`);
  });

  test('§14.18 a sidecar preStop runs at once on delete, not after main exits', async () => {
    await d.client.createPod(
      'default',
      podManifest('s18', {
        terminationGracePeriodSeconds: 20,
        volumes: [{ name: 'h', hostPath: { path: hostDir } }],
        initContainers: [
          {
            name: 'sc',
            image,
            restartPolicy: 'Always',
            command: ['sleep', '3600'],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'cut -d" " -f1 /proc/uptime > /h/s18.prestop'] } } },
            volumeMounts: [{ name: 'h', mountPath: '/h' }],
          },
        ],
        containers: [
          {
            name: 'main',
            image,
            command: ['sh', '-c', "trap 'cut -d\" \" -f1 /proc/uptime > /h/s18.mainterm; sleep 4; cut -d\" \" -f1 /proc/uptime > /h/s18.mainexit; exit 0' TERM; touch /h/s18.trap; while true; do sleep 0.1; done"],
            volumeMounts: [{ name: 'h', mountPath: '/h' }],
          },
        ],
      }),
    );
    await d.waitForPod('s18', allRunning);
    await trapsSet(['s18.trap']);
    await d.client.deletePod('default', 's18');
    await d.waitForPodGone('s18', 30_000);
    const at = (f: string) => Number(readFileSync(`${hostDir}/${f}`, 'utf8').trim()) * 1000;
    const [mainTerm, mainExit, preStop] = [at('s18.mainterm'), at('s18.mainexit'), at('s18.prestop')];
    // At the delete, beside main's TERM; not once main has exited (4 s after its TERM). An exec
    // takes seconds under emulation, hence the stretched bound on the first.
    assert.ok(Math.abs(preStop - mainTerm) < stretch(2000), `sidecar preStop ran ${preStop - mainTerm} ms after main's TERM, want it at the delete`);
    assert.ok(mainExit - preStop >= 1000, `sidecar preStop ran ${mainExit - preStop} ms before main's exit, want it well before (main exits 4 s after its TERM)`);
  });

  test('§14.25 postStart failure: FailedPostStartHook, killed, PostStartHookError then CrashLoopBackOff', async () => {
    await d.client.createPod(
      'default',
      podManifest('s25', { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image, command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }] }),
    );
    const seen = new Set<string>();
    const p = await d.waitForPod('s25', (x) => {
      const r = x.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) seen.add(r);
      return r === 'CrashLoopBackOff';
    }, 30_000);
    assert.ok(seen.has('PostStartHookError') || p.status!.containerStatuses![0].restartCount >= 1, `reasons seen: ${[...seen]}`);
    const evs = await d.events('s25');
    const failed = evs.find((e) => e.reason === 'FailedPostStartHook');
    assert.ok(failed, 'FailedPostStartHook event');
    assert.equal(failed!.message, 'PostStartHook failed');
    await d.removePod('s25');
  });

  test('§14.26 a slow postStart blocks: not running until it returns, the next container starts after it', async () => {
    await d.client.createPod(
      'default',
      podManifest('s26', {
        containers: [
          { name: 'c1', image, command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sleep', '4'] } } } },
          { name: 'c2', image, command: ['sleep', '3600'] },
        ],
      }),
    );
    await sleep(1500);
    const early = await d.waitForPod('s26', (x) => !!x.status?.containerStatuses);
    const c1 = early.status!.containerStatuses!.find((c) => c.name === 'c1')!;
    assert.ok(c1.state?.waiting, `c1 reported ${JSON.stringify(c1.state)} before its postStart returned`);
    const p = await d.waitForPod('s26', allRunning, 15_000);
    const s1 = Date.parse(p.status!.containerStatuses!.find((c) => c.name === 'c1')!.state!.running!.startedAt!);
    const s2 = Date.parse(p.status!.containerStatuses!.find((c) => c.name === 'c2')!.state!.running!.startedAt!);
    assert.ok(s2 - s1 >= 3000, `c2 started ${s2 - s1} ms after c1`);
    await d.removePod('s26');
  });

  test('§14.27 an httpGet hook answered with 500 is still a success', async () => {
    await d.client.createPod(
      'default',
      podManifest('s27', {
        containers: [
          {
            name: 'server',
            image,
            // Its postStart returns once it answers, so `c` (next in spec order) starts after that.
            lifecycle: { postStart: { exec: { command: ['sh', '-c', 'until wget -q -O /dev/null http://127.0.0.1:8080/ok.html; do sleep 0.1; done'] } } },
            command: ['sh', '-c', 'mkdir -p /www/cgi-bin; echo ok > /www/ok.html; printf "#!/bin/sh\\necho \\"Status: 500 Internal Server Error\\"\\necho\\n" > /www/cgi-bin/fail; chmod +x /www/cgi-bin/fail; exec httpd -f -p 8080 -h /www'],
          },
          {
            name: 'c',
            image,
            // Started after the server (spec order); its hook reaches it over the pod IP.
            command: ['sh', '-c', 'sleep 3600'],
            lifecycle: { postStart: { httpGet: { path: '/cgi-bin/fail', port: 8080 } } },
          },
        ],
      }),
    );
    await d.waitForPod('s27', allRunning, 15_000);
    await sleep(stretch(1000));
    const p = await d.client.getPod('default', 's27');
    assert.equal(p.status!.containerStatuses!.find((c) => c.name === 'c')!.restartCount, 0);
    assert.ok(!(await d.events('s27')).some((e) => e.reason === 'FailedPostStartHook'));
    await d.removePod('s27');
  });

  test('§14.28 preStop within the grace: preStop sleep 3, TERM ignored, TGPS 6 → ~6 s total', async () => {
    await d.client.createPod(
      'default',
      podManifest('s28', { terminationGracePeriodSeconds: 6, containers: [{ name: 'c', image, command: ['sleep', '3600'], lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } } }] }),
    );
    await d.waitForPod('s28', allRunning);
    const t0 = Date.now();
    await d.client.deletePod('default', 's28');
    await d.waitForPodGone('s28', 20_000);
    const took = Date.now() - t0;
    assert.ok(took >= 5800 && took < 6000 + stretch(5000), `deletion took ${took} ms for a 6 s grace (preStop 3 s, TERM ignored)`);
  });

  test('§14.29 sleep action: preStop sleep 2 s, app exits on TERM: ≥ 2 s, then gone soon (4 s under load: wakeups.timing)', async () => {
    await d.client.createPod(
      'default',
      podManifest('s29', {
        terminationGracePeriodSeconds: 10,
        containers: [{ name: 'c', image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.1; done"], lifecycle: { preStop: { sleep: { seconds: 2 } } } }],
      }),
    );
    await d.waitForPod('s29', allRunning);
    const t0 = Date.now();
    await d.client.deletePod('default', 's29');
    await d.waitForPodGone('s29', 20_000);
    const took = Date.now() - t0;
    assert.ok(took >= 2000 && took < 2000 + stretch(4000), `deletion took ${took} ms`);
  });

  test('§14.30 Terminating display, and a second delete shortens the grace', async () => {
    await d.client.createPod('default', podManifest('s30', { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] }));
    await d.waitForPod('s30', allRunning);
    const t0 = Date.now();
    await d.client.deletePod('default', 's30');
    const p = await d.client.getPod('default', 's30');
    assert.equal(status(p), 'Terminating');
    assert.equal(p.metadata!.deletionGracePeriodSeconds, 30);
    assert.ok(Math.abs(Date.parse(p.metadata!.deletionTimestamp!) - (t0 + 30_000)) < stretch(2000));
    await d.client.deletePod('default', 's30', { gracePeriodSeconds: 2 });
    await d.waitForPodGone('s30', 10_000);
    assert.ok(Date.now() - t0 < Math.min(2000 + stretch(10_000), 29_000), 'the shorter grace was honoured');
  });

  test('§14.31 termination message from the file, custom path, last 4096 bytes', async () => {
    await d.client.createPod('default', podManifest('s31a', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'echo bye > /dev/termination-log; exit 1'] }] }));
    await d.client.createPod(
      'default',
      podManifest('s31b', { restartPolicy: 'Never', containers: [{ name: 'c', image, terminationMessagePath: '/tmp/m', command: ['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" x > /tmp/m; printf END >> /tmp/m'] }] }),
    );
    const a = await d.waitForPod('s31a', (x) => x.status?.phase === 'Failed');
    assert.equal(a.status!.containerStatuses![0].state!.terminated!.message, 'bye\n');
    const b = await d.waitForPod('s31b', (x) => x.status?.phase === 'Succeeded');
    const m = b.status!.containerStatuses![0].state!.terminated!.message!;
    assert.equal(m.length, 4096);
    assert.ok(m.endsWith('END'));
    await d.removePod('s31a');
    await d.removePod('s31b');
  });

  test('§14.32 FallbackToLogsOnError: the last 80 lines, at most 2048 bytes; nothing on exit 0', async () => {
    const script = (code: number) => ['sh', '-c', `i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); done; exit ${code}`];
    await d.client.createPod('default', podManifest('s32a', { restartPolicy: 'Never', containers: [{ name: 'c', image, terminationMessagePolicy: 'FallbackToLogsOnError', command: script(2) }] }));
    await d.client.createPod('default', podManifest('s32b', { restartPolicy: 'Never', containers: [{ name: 'c', image, terminationMessagePolicy: 'FallbackToLogsOnError', command: script(0) }] }));
    const a = await d.waitForPod('s32a', (x) => x.status?.phase === 'Failed');
    const m = a.status!.containerStatuses![0].state!.terminated!.message!;
    assert.ok(m.endsWith('line-100\n'));
    assert.ok(!m.includes('line-20\n'), 'only the last 80 lines');
    assert.ok(Buffer.byteLength(m) <= 2048);
    const b = await d.waitForPod('s32b', (x) => x.status?.phase === 'Succeeded');
    assert.equal(b.status!.containerStatuses![0].state!.terminated!.message, undefined);
    await d.removePod('s32a');
    await d.removePod('s32b');
  });

  test('§5.5 activeDeadlineSeconds: Failed with DeadlineExceeded, containers killed', async () => {
    await d.client.createPod('default', podManifest('s48', { activeDeadlineSeconds: 3, terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image, command: ['sleep', '600'] }] }));
    const p = await d.waitForPod('s48', (x) => x.status?.phase === 'Failed', 15_000);
    assert.equal(p.status!.reason, 'DeadlineExceeded');
    assert.equal(p.status!.message, 'Pod was active on the node longer than the specified deadline');
    await d.waitForPod('s48', (x) => !!x.status?.containerStatuses?.[0]?.state?.terminated, 10_000);
    await d.removePod('s48');
  });
});
