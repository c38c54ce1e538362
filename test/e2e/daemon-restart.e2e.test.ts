/**
 * Restart safety: containers outlive the daemon (SIGTERM or kill -9); the next daemon adopts
 * them with the same IDs and restart counts and records the exits it missed; after a simulated
 * host reboot (containers gone, run dir emptied) each pod gets a new sandbox and its init
 * containers run again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { TestDaemon, allRunning, collect, podManifest } from './helpers/test-daemon.js';
import type { Pod } from '../../src/core/types.js';

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
  await new Promise((r) => setTimeout(r, 5000));
  await d.start();
  const adopted = await d.waitForPod('steady', allRunning);
  assert.deepEqual(ids(adopted), ids(before), 'same container IDs after kill -9 and restart');
  assert.deepEqual(adopted.status!.containerStatuses!.map((c) => c.restartCount), [0, 0]);
  assert.equal(adopted.status!.startTime, before.status!.startTime);
  const missed = await d.waitForPod('exits-later', (p) => p.status?.phase === 'Failed');
  assert.equal(missed.status!.containerStatuses![0].state!.terminated!.exitCode, 5, 'the exit that happened while the daemon was down');

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
