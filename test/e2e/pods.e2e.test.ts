/**
 * Pods run for real (issue "Pods run for real", Done when): a real daemon, runc, conmon, CNI and
 * catatonit. One daemon for the file; the pods of different tests run side by side.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cgroupDirs } from '../../src/adapters/system/cgroup-fs.js';
import { useTestDaemon, allRunning, collect, httpGet, podManifest } from './helpers/test-daemon.js';
import { InvalidError, AlreadyExistsError } from '../../src/core/errors.js';
import type { Pod } from '../../src/core/types.js';
import type { PodQOSClass } from '../../src/core/layout.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';
const d = useTestDaemon();

describe('pods', { concurrency: 4 }, () => {
  test('init container, httpd and client share an emptyDir and localhost; pod IP and hostPort answer from the host', async () => {
    const hostPort = 20000 + Math.floor(Math.random() * 20000);
    await d.client.createPod(
      'default',
      podManifest('web', {
        volumes: [{ name: 'www', emptyDir: {} }],
        initContainers: [
          { name: 'init', image, command: ['sh', '-c', 'echo hello-from-init > /www/index.html'], volumeMounts: [{ name: 'www', mountPath: '/www' }] },
        ],
        containers: [
          {
            name: 'httpd',
            image,
            command: ['httpd', '-f', '-p', '80', '-h', '/www'],
            ports: [{ containerPort: 80, hostPort }],
            volumeMounts: [{ name: 'www', mountPath: '/www', readOnly: true }],
          },
          {
            name: 'client',
            image,
            command: ['sh', '-c', 'while true; do echo "got: $(wget -qO- http://127.0.0.1/index.html)"; sleep 1; done'],
          },
        ],
      }),
    );
    const pod = await d.waitForPod('web', allRunning);
    assert.equal(pod.status!.initContainerStatuses![0].state!.terminated!.reason, 'Completed');
    assert.match(pod.status!.podIP!, new RegExp(`^${d.subnet.replace(/\./g, '\\.')}\\.\\d+$`));
    assert.ok(pod.status!.containerStatuses!.every((c) => c.ready && /^peapod:\/\/[0-9a-f]{64}$/.test(c.containerID!)));
    assert.deepEqual(
      pod.status!.conditions!.map((c) => `${c.type}=${c.status}`),
      ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
    );

    // The client reached httpd over the pod's shared localhost.
    const deadline = Date.now() + stretch(10_000);
    let logs = '';
    while (Date.now() < deadline && !logs.includes('got: hello-from-init')) {
      logs = await d.logs('web', 'client');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(logs, /got: hello-from-init/);

    // The pod IP from the host, and the hostPort on 127.0.0.1.
    assert.equal((await httpGet(`http://${pod.status!.podIP}/index.html`)).body, 'hello-from-init\n');
    assert.equal((await httpGet(`http://127.0.0.1:${hostPort}/index.html`)).body, 'hello-from-init\n');

    // exec runs in the container and returns its output and exit code.
    const out = collect();
    const { exitCode } = await d.client.exec('default', 'web', { container: 'client', command: ['sh', '-c', 'hostname; exit 7'], stdout: out.stream });
    assert.equal(exitCode, 7);
    assert.equal(out.text().trim(), 'web');

    await d.client.deletePod('default', 'web', { gracePeriodSeconds: 1 });
    await d.waitForPodGone('web');
  });

  test('Never + exit 3 is Failed; OnFailure + exit 0 is Succeeded', async () => {
    await d.client.createPod('default', podManifest('never-fails', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'exit 3'] }] }));
    await d.client.createPod('default', podManifest('onfailure-ok', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image, command: ['true'] }] }));
    const failed = await d.waitForPod('never-fails', (p) => p.status?.phase === 'Failed');
    const term = failed.status!.containerStatuses![0].state!.terminated!;
    assert.deepEqual([term.exitCode, term.reason], [3, 'Error']);
    assert.equal(failed.status!.containerStatuses![0].restartCount, 0);
    const ok = await d.waitForPod('onfailure-ok', (p) => p.status?.phase === 'Succeeded');
    assert.equal(ok.status!.containerStatuses![0].state!.terminated!.reason, 'Completed');
    // A finished pod keeps its logs and stays until deleted.
    for (const name of ['never-fails', 'onfailure-ok']) {
      await d.client.deletePod('default', name);
      await d.waitForPodGone(name);
    }
  });

  test('Always restarts an exiting container at once, then with crash-loop back-off', async () => {
    await d.client.createPod('default', podManifest('crasher', { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo run; exit 1'] }] }));
    const pod = await d.waitForPod('crasher', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const c = pod.status!.containerStatuses![0];
    assert.equal(pod.status!.phase, 'Running');
    assert.ok(c.restartCount >= 1, `restartCount ${c.restartCount}`);
    assert.equal(c.lastState!.terminated!.exitCode, 1);
    assert.match(c.state!.waiting!.message!, /back-off 10s restarting failed container=c pod=crasher_default/);
    await d.client.deletePod('default', 'crasher', { gracePeriodSeconds: 0 });
    await d.waitForPodGone('crasher');
  });

  test('shareProcessNamespace: catatonit is PID 1 and reaps an orphaned grandchild', async () => {
    await d.client.createPod(
      'default',
      podManifest('shared-pid', {
        shareProcessNamespace: true,
        containers: [{ name: 'c', image, command: ['sh', '-c', '(sleep 0.3 &); (sleep 0.3 &); exec sleep 1000'] }],
      }),
    );
    await d.waitForPod('shared-pid', allRunning);
    await new Promise((r) => setTimeout(r, stretch(1500)));
    const out = collect();
    await d.client.exec('default', 'shared-pid', { container: 'c', command: ['ps', '-o', 'pid,stat,comm'], stdout: out.stream });
    const ps = out.text();
    assert.match(ps, /^\s*1\s+\S+\s+catatonit/m, ps);
    assert.doesNotMatch(ps, /\sZ\S*\s/, `zombies left:\n${ps}`);
    await d.client.deletePod('default', 'shared-pid', { gracePeriodSeconds: 0 });
    await d.waitForPodGone('shared-pid');
  });

  test('a container that ignores SIGTERM is killed when its grace period runs out, not before', async () => {
    await d.client.createPod(
      'default',
      podManifest('stubborn', {
        terminationGracePeriodSeconds: 3,
        containers: [{ name: 'c', image, command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.2; done"] }],
      }),
    );
    await d.waitForPod('stubborn', allRunning);
    const t0 = Date.now();
    await d.client.deletePod('default', 'stubborn');
    const terminating = await d.client.getPod('default', 'stubborn');
    assert.ok(terminating.metadata!.deletionTimestamp, 'deletionTimestamp is set while terminating');
    assert.equal(terminating.metadata!.deletionGracePeriodSeconds, 3);
    await d.waitForPodGone('stubborn', 20_000);
    const took = Date.now() - t0;
    assert.ok(took >= 2900, `killed after ${took} ms, before the 3 s grace`);
    assert.ok(took < 3000 + stretch(6000), `took ${took} ms, far beyond the 3 s grace`);
  });

  test('a process left in a container\'s cgroup (an exec that lost its container) is killed with the pod, which goes at once', async () => {
    // It exits on TERM, so nothing signals the rest of its cgroup (a SIGKILL at the grace would).
    const app = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"];
    await d.client.createPod('default', podManifest('stray', { terminationGracePeriodSeconds: 10, containers: [{ name: 'c', image, command: app }] }));
    const pod = await d.waitForPod('stray', allRunning);
    await new Promise((r) => setTimeout(r, 1000)); // its TERM trap set
    const id = pod.status!.containerStatuses![0].containerID!.replace(/^[a-z]+:\/\//, '');
    const cgroup = d.layout.containerCgroup(pod.metadata!.uid!, id, pod.status!.qosClass as PodQOSClass);
    const dirs = await cgroupDirs(cgroup);
    assert.ok(dirs.length > 0, `no cgroup ${cgroup}`);
    const stray = spawn('sleep', ['3600'], { stdio: 'ignore', detached: true });
    stray.unref();
    const gone = new Promise((r) => stray.once('exit', r));
    try {
      for (const dir of dirs) writeFileSync(`${dir}/cgroup.procs`, String(stray.pid));
      const t0 = Date.now();
      await d.client.deletePod('default', 'stray');
      await d.waitForPodGone('stray', 20_000);
      // Held busy, each of the cgroup's directories would have been waited for 5 s.
      assert.ok(Date.now() - t0 < stretch(10_000), `deletion took ${Date.now() - t0} ms`);
      await gone;
      assert.equal(stray.signalCode, 'SIGKILL');
    } finally {
      stray.kill('SIGKILL');
    }
  });

  test('bad manifests get 422 naming the field; nothing is stored or started', async () => {
    const bad: Array<[Pod, RegExp]> = [
      [podManifest('Bad_Name', { containers: [{ name: 'c', image }] }), /metadata\.name/],
      [podManifest('dup', { initContainers: [{ name: 'c', image }], containers: [{ name: 'c', image }] }), /Duplicate value: "c"/],
      [podManifest('noimage', { containers: [{ name: 'c' } as never] }), /spec\.containers\[0\]\.image: Required value/],
      [podManifest('badport', { containers: [{ name: 'c', image, ports: [{ containerPort: 70000 }] }] }), /containerPort/],
    ];
    for (const [pod, field] of bad) {
      await assert.rejects(d.client.createPod('default', pod), (err: unknown) => {
        assert.ok(err instanceof InvalidError, `expected InvalidError, got ${String(err)}`);
        assert.match((err as Error).message, field);
        return true;
      });
      await assert.rejects(d.client.getPod('default', pod.metadata!.name!), /not found/);
    }
    await d.client.createPod('default', podManifest('twice', { containers: [{ name: 'c', image, command: ['sleep', '1000'] }] }));
    await assert.rejects(d.client.createPod('default', podManifest('twice', { containers: [{ name: 'c', image }] })), AlreadyExistsError);
    // A forbidden update names the field and changes nothing.
    const stored = await d.client.getPod('default', 'twice');
    const changed = structuredClone(stored);
    changed.spec!.containers[0].command = ['sleep', '5'];
    await assert.rejects(d.client.updatePod('default', changed), /spec\.containers\[0\]\.command/);
    assert.deepEqual((await d.client.getPod('default', 'twice')).spec!.containers[0].command, ['sleep', '1000']);
    // The daemon is still up and serving.
    assert.ok((await d.client.getVersion()).gitVersion);
    await d.client.deletePod('default', 'twice', { gracePeriodSeconds: 0 });
    await d.waitForPodGone('twice');
  });

  test('a missing image leaves the container waiting, and it starts once the image is there', async () => {
    await d.client.createPod('default', podManifest('noimg', { containers: [{ name: 'c', image: 'localhost/not-yet:1', command: ['sleep', '1000'] }] }));
    const waiting = await d.waitForPod('noimg', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull');
    assert.equal(waiting.status!.phase, 'Pending');
    assert.match(waiting.status!.containerStatuses![0].state!.waiting!.message!, /localhost\/not-yet:1/);
    await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'not-yet:1', changes: ['ENV PATH=/bin'] });
    await d.waitForPod('noimg', allRunning, 30_000);
    await d.client.deletePod('default', 'noimg', { gracePeriodSeconds: 0 });
    await d.waitForPodGone('noimg');
  });
});
