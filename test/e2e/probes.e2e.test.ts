/**
 * Probes against a real daemon: pod-semantics.md §14 scenarios 13, 14 and 19–24, with the
 * periods shortened where the scenario is about behaviour rather than its exact seconds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDaemon, allRunning, collect, podManifest } from './helpers/test-daemon.js';
import { podRow } from '../../src/core/pod-printer.js';
import type { Pod } from '../../src/core/types.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';
const d = useTestDaemon();

const cond = (p: Pod, type: string) => (p.status?.conditions ?? []).find((c) => c.type === type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



/** An httpd serving /ok (200), /moved (302 to /ok), /away (302 to another host) and nothing else (404). */
const probeServer = [
  'sh',
  '-c',
  [
    'mkdir -p /www/cgi-bin',
    'echo ok > /www/ok',
    'printf "#!/bin/sh\\necho \\"Status: 302 Found\\"\\necho \\"Location: /ok\\"\\necho\\n" > /www/cgi-bin/moved',
    'printf "#!/bin/sh\\necho \\"Status: 302 Found\\"\\necho \\"Location: http://127.0.0.2:8080/ok\\"\\necho\\n" > /www/cgi-bin/away',
    'chmod +x /www/cgi-bin/*',
    'exec httpd -f -p 8080 -h /www',
  ].join('; '),
];

describe('probes', { concurrency: 8 }, () => {
  test('§14.13 a sidecar gates the next init container until its startup probe passes', async () => {
    await d.client.createPod(
      'default',
      podManifest('p13', {
        initContainers: [
          {
            name: 'sc',
            image,
            restartPolicy: 'Always',
            command: ['sh', '-c', 'sleep 3; touch /tmp/up; exec sleep 3600'],
            startupProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 1, failureThreshold: 30 },
          },
          { name: 'init2', image, command: ['true'] },
        ],
        containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
      }),
    );
    const early = await d.waitForPod('p13', (x) => !!x.status?.initContainerStatuses?.[0]?.state?.running);
    assert.equal(early.status!.initContainerStatuses![0].started, false);
    assert.equal(podRow(early, Date.now()).status, 'Init:0/2');
    const p = await d.waitForPod('p13', allRunning, 20_000);
    const sc = p.status!.initContainerStatuses![0];
    const init2 = p.status!.initContainerStatuses![1];
    assert.ok(Date.parse(init2.state!.terminated!.startedAt!) - Date.parse(sc.state!.running!.startedAt!) >= 2000, 'init2 waited for the startup probe');
    assert.equal(podRow(p, Date.now()).ready, '2/2');
    await d.removePod('p13');
  });

  test('§14.14 sidecar readiness counts: 1/2, Ready False naming it, no restarts', async () => {
    await d.client.createPod(
      'default',
      podManifest('p14', {
        initContainers: [{ name: 'sc', image, restartPolicy: 'Always', command: ['sleep', '3600'], readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }],
        containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
      }),
    );
    await d.waitForPod('p14', (x) => !!x.status?.containerStatuses?.[0]?.state?.running && cond(x, 'Ready')?.message === 'containers with unready status: [sc]');
    await sleep(stretch(3000));
    const later = await d.client.getPod('default', 'p14');
    assert.equal(podRow(later, Date.now()).ready, '1/2');
    assert.equal(podRow(later, Date.now()).status, 'Running');
    assert.equal(later.status!.initContainerStatuses![0].restartCount, 0);
    await d.removePod('p14');
  });

  test('§14.19 liveness kill with the probe grace: Unhealthy ×3, Killing, exit 137, restarted', async () => {
    await d.client.createPod(
      'default',
      podManifest('p19', {
        terminationGracePeriodSeconds: 60,
        containers: [
          {
            name: 'c',
            image,
            command: ['sh', '-c', 'touch /tmp/h; sleep 3; rm /tmp/h; sleep 600'],
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/h'] }, periodSeconds: 1, failureThreshold: 3, terminationGracePeriodSeconds: 2 },
          },
        ],
      }),
    );
    const p = await d.waitForPod('p19', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
    const last = p.status!.containerStatuses![0].lastState!.terminated!;
    assert.equal(last.exitCode, 137);
    const took = Date.parse(last.finishedAt!) - Date.parse(last.startedAt!);
    assert.ok(took < Math.min(stretch(15_000), 55_000), `killed after ${took} ms with the probe's 2 s grace, not the pod's 60 s`);
    const evs = await d.events('p19');
    // A probe that timed out under load is its own event (its message differs), so the three
    // failures may be split across Unhealthy events, as the kubelet's correlator splits them.
    const unhealthy = evs.filter((e) => e.reason === 'Unhealthy');
    const failures = unhealthy.reduce((n, e) => n + (e.count ?? 1), 0);
    assert.ok(failures >= 3, `Unhealthy x${failures}: ${unhealthy.map((e) => `${e.message} x${e.count ?? 1}`).join('; ')}`);
    for (const e of unhealthy) assert.match(e.message!, /^Liveness probe failed/);
    assert.ok(evs.some((e) => e.reason === 'Killing' && /failed liveness probe, will be restarted/.test(e.message ?? '')));
    await d.removePod('p19');
  });

  test('§14.20 liveness failure under Never: not restarted, Failed, Error', async () => {
    await d.client.createPod(
      'default',
      podManifest('p20', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image,
            command: ['sh', '-c', 'touch /tmp/h; sleep 2; rm /tmp/h; sleep 600'],
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/h'] }, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 },
          },
        ],
      }),
    );
    const p = await d.waitForPod('p20', (x) => x.status?.phase === 'Failed', 30_000);
    assert.equal(podRow(p, Date.now()).status, 'Error');
    assert.equal(p.status!.containerStatuses![0].restartCount, 0);
    await d.removePod('p20');
  });

  test('§14.21 readiness timing: not ready until the file exists, then ready; no restarts', async () => {
    await d.client.createPod(
      'default',
      podManifest('p21', {
        containers: [{ name: 'c', image, command: ['sh', '-c', 'sleep 4; touch /tmp/r; sleep 600'], readinessProbe: { exec: { command: ['test', '-f', '/tmp/r'] }, periodSeconds: 1 } }],
      }),
    );
    const running = await d.waitForPod('p21', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
    assert.equal(running.status!.containerStatuses![0].ready, false);
    const t0 = Date.parse(running.status!.containerStatuses![0].state!.running!.startedAt!);
    const ready = await d.waitForPod('p21', (x) => cond(x, 'Ready')?.status === 'True', 15_000);
    const flipped = Date.parse(cond(ready, 'Ready')!.lastTransitionTime!);
    assert.ok(flipped - t0 >= 3000, `ready ${flipped - t0} ms after start`);
    assert.equal(ready.status!.containerStatuses![0].restartCount, 0);
    await d.removePod('p21');
  });

  test('§14.22 a startup probe that never passes gates liveness and kills, with back-off', async () => {
    await d.client.createPod(
      'default',
      podManifest('p22', {
        volumes: [{ name: 'm', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            image,
            command: ['sleep', '600'],
            volumeMounts: [{ name: 'm', mountPath: '/m' }],
            startupProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 3, terminationGracePeriodSeconds: 1 },
            livenessProbe: { exec: { command: ['touch', '/m/liveness-ran'] }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const p = await d.waitForPod('p22', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
    const c = p.status!.containerStatuses![0];
    assert.equal(c.lastState!.terminated!.exitCode, 137);
    assert.equal(c.started, false);
    const out = await d.client.getPod('default', 'p22');
    assert.equal(out.status!.containerStatuses![0].started, false);
    // The liveness probe never ran: its marker file does not exist.
    const buf = collect();
    await d.waitForPod('p22', (x) => !!x.status?.containerStatuses?.[0]?.state?.running, 20_000);
    const r = await d.client.exec('default', 'p22', { container: 'c', command: ['sh', '-c', 'test -f /m/liveness-ran && echo ran || echo never'], stdout: buf.stream });
    assert.equal(r.exitCode, 0);
    assert.equal(buf.text().trim(), 'never');
    await d.removePod('p22');
  });

  test('§14.23 HTTP probe codes: redirect followed, 404 fails with its code, redirect elsewhere warns', async () => {
    const http = (path: string) => ({ httpGet: { path, port: 8080 }, periodSeconds: 1 });
    await d.client.createPod('default', podManifest('p23a', { containers: [{ name: 'c', image, command: probeServer, readinessProbe: http('/cgi-bin/moved') }] }));
    await d.client.createPod('default', podManifest('p23b', { containers: [{ name: 'c', image, command: probeServer, readinessProbe: http('/missing') }] }));
    await d.client.createPod('default', podManifest('p23c', { containers: [{ name: 'c', image, command: probeServer, readinessProbe: http('/cgi-bin/away') }] }));
    await d.waitForPod('p23a', (x) => cond(x, 'Ready')?.status === 'True', 15_000);
    await d.waitForPod('p23c', (x) => cond(x, 'Ready')?.status === 'True', 15_000);
    await d.waitForPod('p23b', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
    await sleep(stretch(3000));
    const b = await d.client.getPod('default', 'p23b');
    assert.equal(b.status!.containerStatuses![0].ready, false);
    assert.ok((await d.events('p23b')).some((e) => e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404'));
    assert.ok((await d.events('p23c')).some((e) => e.reason === 'ProbeWarning' && e.type === 'Warning'));
    await Promise.all(['p23a', 'p23b', 'p23c'].map((n) => d.removePod(n)));
  });

  test('§14.24 TCP probe: a closed port is never ready; once it opens, ready within a period', async () => {
    await d.client.createPod(
      'default',
      podManifest('p24', {
        containers: [{ name: 'c', image, command: ['sh', '-c', 'sleep 4; exec httpd -f -p 9090'], readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 } }],
      }),
    );
    await d.waitForPod('p24', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
    await sleep(2500);
    const early = await d.client.getPod('default', 'p24');
    assert.equal(early.status!.containerStatuses![0].ready, false);
    assert.ok((await d.events('p24')).some((e) => e.reason === 'Unhealthy' && /connection refused/.test(e.message ?? '')));
    await d.waitForPod('p24', (x) => x.status?.containerStatuses?.[0]?.ready === true, 10_000);
    await d.removePod('p24');
  });
});
