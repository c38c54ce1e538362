/**
 * Restart safety: containers outlive the daemon (SIGTERM or kill -9); the next daemon adopts
 * them with the same IDs and restart counts and records the exits it missed; after a simulated
 * host reboot (containers gone, run dir emptied) each pod gets a new sandbox and its init
 * containers run again; a kill -9 in the middle of creating pods leaves nothing half-made behind,
 * and a restartPolicy Never pod caught in it still Succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { cgroupDir, cgroupExists } from './helpers/cgroup-files.js';
import { TestDaemon, allRunning, collect, podManifest } from './helpers/test-daemon.js';
import type { Pod } from '../../src/core/types.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';

function ids(pod: Pod): string[] {
  return (pod.status?.containerStatuses ?? []).map((c) => c.containerID ?? '').sort();
}

test('daemon restarts adopt running pods; a host reboot recreates sandboxes and reruns init containers', async (t) => {
  const d = new TestDaemon();
  t.after(() => d.cleanup());
  await d.start();
  await d.importBusybox();

  await d.client.createPod(
    'default',
    podManifest('steady', {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [{ name: 'init', image, command: ['sh', '-c', 'echo run >> /data/init-runs'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      containers: [
        { name: 'a', image, command: ['sleep', '100000'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'b', image, command: ['sleep', '100000'] },
      ],
    }),
  );
  await d.client.createPod('default', podManifest('exits-later', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'sleep 4; exit 5'] }] }));
  const before = await d.waitForPod('steady', allRunning);
  await d.waitForPod('exits-later', allRunning);

  // kill -9: nothing stops; the exit of exits-later happens while no daemon runs.
  await d.kill9();
  // ... and a pod cgroup no pod or container owns (a crash between the cgroup and the sandbox).
  const orphan = `${d.layout.cgroupRoot}/besteffort/pod${randomUUID()}`;
  for (const c of ['cpu', 'memory'] as const) mkdirSync(cgroupDir(c, orphan), { recursive: true });
  await new Promise((r) => setTimeout(r, 4000 + stretch(1000))); // exits-later's sleep 4, and slack
  await d.start();
  const adopted = await d.waitForPod('steady', allRunning);
  assert.deepEqual(ids(adopted), ids(before), 'same container IDs after kill -9 and restart');
  assert.deepEqual(adopted.status!.containerStatuses!.map((c) => c.restartCount), [0, 0]);
  assert.equal(adopted.status!.startTime, before.status!.startTime);
  const missed = await d.waitForPod('exits-later', (p) => p.status?.phase === 'Failed');
  assert.equal(missed.status!.containerStatuses![0].state!.terminated!.exitCode, 5, 'the exit that happened while the daemon was down');
  for (let i = 0; i < stretch(50) && cgroupExists(orphan); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(cgroupExists(orphan), false, `the orphaned pod cgroup ${orphan} is removed at start`);

  // SIGTERM: a clean exit that leaves the pods running.
  assert.equal(await d.stop(), 0, 'daemon exits 0 on SIGTERM');
  execFileSync('runc', ['--root', d.layout.runcRoot, 'state', before.status!.containerStatuses![0].containerID!.replace('peapod://', '')]);
  await d.start();
  assert.deepEqual(ids(await d.waitForPod('steady', allRunning)), ids(before));

  // A host reboot: every container and netns gone, /run emptied; the data dir stays.
  await d.stop();
  const runcRoot = d.layout.runcRoot;
  for (const id of readdirSync(runcRoot)) execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  for (const ns of readdirSync('/run/netns').filter((n) => n.startsWith(`${d.layout.config.instance}-`))) {
    execFileSync('ip', ['netns', 'del', ns]);
  }
  // The pinned IPC/UTS namespaces are bind mounts under the run dir: a reboot takes them too.
  const pinned = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${d.layout.runDir}/ns/`));
  assert.ok(pinned.length >= 2, 'the running pods have pinned namespaces');
  for (const m of pinned) execFileSync('umount', [m]);
  rmSync(d.layout.runDir, { recursive: true, force: true });
  await d.start();
  const rebooted = await d.waitForPod('steady', (p) => allRunning(p) && !ids(p).some((id) => ids(before).includes(id)), 30_000);
  assert.equal(rebooted.status!.initContainerStatuses![0].state!.terminated!.exitCode, 0);
  const out = await execIn(d, 'steady', 'a', ['cat', '/data/init-runs']);
  assert.equal(out.trim().split('\n').length, 2, `init ran again after the reboot:\n${out}`);
  assert.ok(rebooted.status!.podIP, 'a new sandbox with an IP');
});

async function execIn(d: TestDaemon, pod: string, container: string, command: string[]): Promise<string> {
  const out = collect();
  await d.client.exec('default', pod, { container, command, stdout: out.stream });
  return out.text();
}

test('reset removes everything even when runc state was lost under running pods', async (t) => {
  const d = new TestDaemon();
  t.after(() => d.cleanup()); // runs `peapod reset --force` and asserts nothing is left
  await d.start();
  await d.importBusybox();
  await d.client.createPod('default', podManifest('orphaned', { containers: [{ name: 'c', image, command: ['sleep', '100000'] }] }));
  await d.waitForPod('orphaned', allRunning);
  await d.kill9();
  // The containers still run, but nothing records them any more.
  rmSync(d.layout.runcRoot, { recursive: true, force: true });
});

test('kill -9 while pods are being created: after the restart every pod runs, and the interrupted sandboxes are undone', async (t) => {
  const d = new TestDaemon();
  t.after(() => d.cleanup()); // resets and asserts nothing is left on the host
  await d.start();
  await d.importBusybox();
  const names = ['mid-a', 'mid-b', 'mid-c', 'mid-d'];
  const sleeper = (n: string) => ({ name: n, image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] });
  await Promise.all(names.map((n) => d.client.createPod('default', podManifest(n, { terminationGracePeriodSeconds: 1, containers: [sleeper('a'), sleeper('b')] }))));
  // Kill as soon as the runtime holds a few containers: sandboxes and containers half made.
  const deadline = Date.now() + stretch(10_000);
  const held = (): number => {
    try {
      return readdirSync(d.layout.runcRoot).length;
    } catch {
      return 0; // not made yet
    }
  };
  while (held() < 3) {
    assert.ok(Date.now() < deadline, 'the daemon never started creating containers');
    await new Promise((r) => setTimeout(r, 2));
  }
  await d.kill9();
  const made = held();
  assert.ok(made < names.length * 3, `killed part-way (${made} containers of ${names.length * 3})`);

  await d.start();
  for (const n of names) await d.waitForPod(n, allRunning, 30_000);
  // What the interrupted attempts made is gone or stopped: one pinned IPC+UTS pair and one netns
  // per pod, and exactly the pods' containers running.
  const pins = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => (l.split(' ')[1] ?? '').startsWith(`${d.layout.runDir}/ns/`));
  assert.equal(pins.length, names.length * 2, pins.join('\n'));
  const netns = readdirSync('/run/netns').filter((n) => n.startsWith(`${d.layout.config.instance}-`));
  assert.equal(netns.length, names.length, netns.join(' '));
  const running = execFileSync('runc', ['--root', d.layout.runcRoot, 'list', '-f', 'json'], { encoding: 'utf8' });
  assert.equal((JSON.parse(running) as { status: string }[]).filter((c) => c.status === 'running').length, names.length * 3);
  for (const n of names) await d.removePod(n);
});

test('kill -9 while restartPolicy Never pods are being created: each still runs its container once and Succeeds', async (t) => {
  // A container is created beside its sandbox; conmon dies with the daemon before it reports the
  // create. What never started did not run: its sandbox is made again, it is replaced.
  const d = new TestDaemon();
  t.after(() => d.cleanup());
  await d.start();
  await d.importBusybox();
  const names = ['once-a', 'once-b', 'once-c', 'once-d'];
  await Promise.all(names.map((n) => d.client.createPod('default', podManifest(n, { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'sleep 1; echo ran'] }] }))));
  const deadline = Date.now() + stretch(10_000);
  const held = (): number => {
    try {
      return readdirSync(d.layout.runcRoot).length;
    } catch {
      return 0;
    }
  };
  // Sandboxes and some of their containers made, none finished.
  while (held() < 5) {
    assert.ok(Date.now() < deadline, 'the daemon never started creating containers');
    await new Promise((r) => setTimeout(r, 2));
  }
  await d.kill9();
  await d.start();
  for (const n of names) {
    const done = await d.waitForPod(n, (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 60_000);
    assert.equal(done.status?.phase, 'Succeeded', `${n}: ${JSON.stringify(done.status?.containerStatuses)}`);
    assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  }
  for (const n of names) await d.removePod(n);
});
