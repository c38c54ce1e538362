/**
 * The pod workers driven by their inputs, on fakes for every host port and a fake clock: each
 * input wakes the worker at once (no clock movement needed), none is lost while a pass runs, the
 * three phases run in the kubelet's order, timers fire when the plan says, and failing set-ups
 * back off instead of spinning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../core/logger.js';
import { AgentHarness, fakePod } from '../testing/agent-harness.js';

async function harness(opts: ConstructorParameters<typeof AgentHarness>[0] = {}): Promise<AgentHarness> {
  const h = new AgentHarness(opts);
  await h.start();
  await h.settle();
  return h;
}

function status(h: AgentHarness, pod: string, container = 'app') {
  const s = h.pod(pod)?.status;
  return [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])].find((c) => c.name === container);
}

/** A logger that keeps warnings and errors, to assert that nothing went wrong quietly. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const keep = (m: string, fields?: Record<string, unknown>) => void warnings.push(typeof fields?.step === 'string' ? `${m}: ${fields.step}` : m);
  return { warnings, debug() {}, info() {}, warn: keep, error: keep };
}

test('a new pod: the infra starts before its container, status Running with the pod IP, the kubelet events', async () => {
  const h = await harness();
  h.api.create(fakePod('web', {}));
  await h.settle();
  const calls = h.runtime.calls;
  assert.ok(calls.indexOf('start POD') >= 0 && calls.indexOf('start POD') < calls.indexOf('start app'), calls.join(', '));
  const pod = h.pod('web')!;
  assert.equal(pod.status?.phase, 'Running');
  assert.ok(status(h, 'web')?.state?.running);
  assert.equal(pod.status?.podIP, '10.90.0.2');
  assert.deepEqual(h.reasons('web'), ['MissingClusterDNS', 'Pulled', 'Created', 'Started']);
  await h.stop();
});

test('a container exit wakes the worker: the first restart is immediate, the second waits out 10 s of back-off', async () => {
  const h = await harness();
  h.api.create(fakePod('crash', { containers: [{ name: 'app', command: ['run'] }] }));
  await h.settle();
  const starts = () => h.runtime.calls.filter((c) => c === 'start app').length;
  h.runtime.exit(h.runtime.current('app')!.id, 1);
  await h.settle(); // no clock movement: the exit alone must cause the restart
  assert.equal(starts(), 2);
  assert.equal(status(h, 'crash')?.restartCount, 1);
  assert.ok(status(h, 'crash')?.state?.running);

  h.runtime.exit(h.runtime.current('app')!.id, 1);
  await h.settle();
  const waiting = status(h, 'crash')?.state?.waiting;
  assert.equal(waiting?.reason, 'CrashLoopBackOff');
  assert.match(waiting?.message ?? '', /^back-off 10s restarting failed container=app pod=crash_default/);
  await h.advance(9_900);
  assert.equal(starts(), 2, 'no restart before the back-off ends');
  await h.advance(200);
  assert.equal(starts(), 3, 'the back-off timer restarted it');
  assert.equal(h.runtime.byName('app').length, 2, 'the oldest instance was collected: current and previous stay');
  assert.equal(status(h, 'crash')?.restartCount, 2);
  await h.stop();
});

test('inputs that arrive while a pass runs are coalesced into the next pass, not lost', async () => {
  const h = await harness();
  const release = h.runtime.holdExec('slow');
  h.api.create(
    fakePod('busy', {
      containers: [
        { name: 'first', command: ['run'] },
        { name: 'slow', command: ['run'], lifecycle: { postStart: { exec: { command: ['wait'] } } } },
      ],
    }),
  );
  await h.settle();
  assert.ok(h.runtime.current('slow'), 'the pass is inside slow\'s postStart');
  // Two inputs during the pass: an exit and a spec-irrelevant status echo; then the hook returns.
  h.runtime.exit(h.runtime.current('first')!.id, 2);
  await h.settle();
  assert.equal(h.runtime.byName('first').length, 1, 'the running pass has not handled the exit yet');
  release();
  await h.settle();
  assert.equal(h.runtime.byName('first').length, 2, 'the next pass restarted it, without any timer');
  assert.equal(status(h, 'busy', 'first')?.restartCount, 1);
  await h.stop();
});

test('deletion: preStop hooks at once, apps stopped in parallel, sidecars after them in reverse order, then the sandbox; the object goes before the containers are removed', async () => {
  const h = await harness();
  h.api.create(
    fakePod('order', {
      terminationGracePeriodSeconds: 30,
      initContainers: [
        { name: 'sc1', command: ['trap', '0'], restartPolicy: 'Always' },
        { name: 'sc2', command: ['trap', '0'], restartPolicy: 'Always' },
      ],
      containers: [
        { name: 'main', command: ['trap', '3000'], lifecycle: { preStop: { sleep: { seconds: 1 } } } },
        { name: 'side', command: ['trap', '0'] },
      ],
    }),
  );
  await h.settle();
  assert.equal(h.runtime.running().length, 5, 'infra, two sidecars, two apps');
  h.runtime.calls.length = 0;
  h.api.delete('order');
  await h.settle();
  assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('kill')), ['kill side SIGTERM'], 'main waits for its preStop; sidecars wait for the apps');
  await h.advance(1_000);
  assert.ok(h.runtime.calls.includes('kill main SIGTERM'), 'main stopped after its 1 s preStop');
  assert.ok(!h.runtime.calls.some((c) => c.startsWith('kill sc')), 'sidecars still run while main shuts down');
  await h.advance(3_000);
  const kills = h.runtime.calls.filter((c) => c.startsWith('kill'));
  assert.deepEqual(kills, ['kill side SIGTERM', 'kill main SIGTERM', 'kill sc2 SIGTERM', 'kill sc1 SIGTERM', 'kill POD SIGKILL']);
  assert.equal(h.pod('order'), undefined, 'gone from the API');
  assert.equal(h.runtime.containers.size, 0, 'and every container removed');
  assert.deepEqual(h.host.podDirs.size, 0);
  const removed = h.runtime.calls.findIndex((c) => c.startsWith('remove'));
  assert.ok(removed > h.runtime.calls.indexOf('kill POD SIGKILL'));
  await h.stop();
});

test('a deletion cancels a pass that waits (on a postStart here): termination starts at once', async () => {
  const h = await harness();
  h.runtime.holdExec('app'); // never released
  h.api.create(fakePod('hung', { containers: [{ name: 'app', command: ['run'], lifecycle: { postStart: { exec: { command: ['hang'] } } } }] }));
  await h.settle();
  assert.ok(h.runtime.current('app')?.status === 'running');
  h.api.delete('hung', 5);
  await h.settle();
  assert.ok(h.runtime.calls.includes('kill app SIGTERM'), 'stopped without waiting for the hook');
  assert.equal(h.pod('hung'), undefined);
  await h.stop();
});

test('a container that ignores SIGTERM is killed at the grace; a second, shorter delete pulls the SIGKILL in', async () => {
  const h = await harness();
  h.api.create(fakePod('stubborn', { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', command: ['ignore'] }] }));
  await h.settle();
  h.api.delete('stubborn');
  await h.advance(1_000);
  assert.equal(h.pod('stubborn')?.metadata?.deletionGracePeriodSeconds, 30);
  h.api.delete('stubborn', 3);
  await h.advance(2_500);
  assert.ok(!h.runtime.calls.includes('kill app SIGKILL'), 'not before the new deadline (1 s + 3 s)');
  await h.advance(1_000);
  assert.ok(h.runtime.calls.includes('kill app SIGKILL'), 'SIGKILL at the shortened deadline');
  assert.equal(h.pod('stubborn'), undefined);
  await h.stop();
});

test('a force delete (gone from the API) kills what runs after the 2 s floor, with no preStop', async () => {
  const h = await harness();
  h.api.create(fakePod('forced', { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', command: ['ignore'], lifecycle: { preStop: { sleep: { seconds: 20 } } } }] }));
  await h.settle();
  h.api.forceDelete('forced');
  await h.settle();
  assert.ok(h.runtime.calls.includes('kill app SIGTERM'));
  await h.advance(2_100);
  assert.ok(h.runtime.calls.includes('kill app SIGKILL'));
  assert.equal(h.runtime.containers.size, 0, 'everything of it removed');
  await h.stop();
});

test('a removal step that hangs is named in a warning after 30 s, and the removal finishes once it returns', async () => {
  const logger = recordingLogger();
  const h = await harness({ logger });
  h.api.create(fakePod('stuck', { terminationGracePeriodSeconds: 1 }));
  await h.settle();
  let release!: () => void;
  h.host.removePodDirHold = new Promise((r) => (release = r));
  h.api.delete('stuck');
  await h.advance(25_000);
  assert.deepEqual(logger.warnings, [], 'no warning before 30 s');
  assert.ok(h.host.calls.includes(`removePodDir ${h.pod('stuck')!.metadata!.uid}`));
  await h.advance(20_000); // checked every 10 s
  assert.deepEqual(logger.warnings, ['pod sync step still running: unmounting volumes, removing the pod cgroup']);
  assert.ok(h.pod('stuck'), 'the API object stays until the volumes are gone');
  release();
  await h.settle();
  assert.equal(h.pod('stuck'), undefined);
  await h.advance(60_000);
  assert.equal(logger.warnings.length, 1, 'no warning once the pass is over');
  await h.stop();
});

test('a sandbox that cannot be made is retried after 10 s, not on every runtime event, and the event aggregates', async () => {
  const h = await harness();
  h.network.failSetUp = 'no IP addresses available in range set';
  h.api.create(fakePod('nonet', {}));
  await h.settle();
  assert.deepEqual(h.reasons('nonet').filter((r) => r === 'FailedCreatePodSandBox'), ['FailedCreatePodSandBox']);
  assert.equal(h.pod('nonet')?.status?.phase, 'Pending');
  assert.equal(h.runtime.containers.size, 0, 'the infra and the container created meanwhile are gone');
  assert.deepEqual([h.network.netns.size, h.host.pinned.size], [0, 0], 'netns and pinned namespaces undone');
  assert.ok(h.runtime.calls.includes('create app'), 'the container really was created alongside the failing sandbox');
  const attempts = () => h.network.calls.filter((c) => c === 'setUp nonet').length;
  assert.equal(attempts(), 1);
  await h.advance(5_000); // relists and runtime noise meanwhile
  assert.equal(attempts(), 1, 'no retry during the back-off');
  await h.advance(5_100);
  assert.equal(attempts(), 2, 'retried after 10 s');
  h.network.failSetUp = undefined;
  await h.advance(10_100);
  assert.equal(h.pod('nonet')?.status?.phase, 'Running');
  await h.stop();
});

test('FailedMount for a missing ConfigMap volume; the ConfigMap appearing starts the pod at once', async () => {
  const h = await harness();
  h.api.create(fakePod('cfg', { volumes: [{ name: 'c', configMap: { name: 'settings' } }], containers: [{ name: 'app', command: ['run'], volumeMounts: [{ name: 'c', mountPath: '/c' }] }] }));
  await h.settle();
  const failed = h.events.find((e) => e.reason === 'FailedMount');
  assert.match(failed?.message ?? '', /^MountVolume\.SetUp failed for volume "c" : configmap "settings" not found/);
  assert.ok(!h.reasons('cfg').includes('FailedCreatePodSandBox'));
  h.configMaps.set('default/settings', { metadata: { name: 'settings', namespace: 'default' }, data: { a: '1' } });
  h.agent.configChanged(h.pod('cfg')!.metadata!.uid!);
  await h.settle();
  assert.equal(h.pod('cfg')?.status?.phase, 'Running', 'no 10 s wait: the change may fix it');
  await h.stop();
});

test('FailedMount for a hostPath whose type check fails, retried with back-off', async () => {
  const h = await harness();
  h.host.hostPathErrors.set('/srv/missing/file', 'hostPath type check failed: /srv/missing/file is not a file');
  h.api.create(fakePod('hp', { volumes: [{ name: 'h', hostPath: { path: '/srv/missing/file', type: 'File' } }] }));
  await h.advance(61_000, 500);
  const mounts = h.events.filter((e) => e.reason === 'FailedMount');
  assert.ok(mounts.length >= 5 && mounts.length <= 7, `about one attempt per 10 s, saw ${mounts.length}`);
  assert.match(mounts[0].message, /^MountVolume\.SetUp failed for volume "h" : hostPath type check failed/);
  await h.stop();
});

test('a local image that appears starts the pod waiting with ErrImageNeverPull at once, not at its retry', async () => {
  const h = await harness();
  h.api.create(fakePod('later', { containers: [{ name: 'app', image: 'localhost/later:1', command: ['run'] }] }));
  await h.settle();
  assert.equal(status(h, 'later')?.state?.waiting?.reason, 'ErrImageNeverPull');
  h.images.add('localhost/later:1');
  await h.settle();
  assert.ok(status(h, 'later')?.state?.running, 'started without the clock moving');
  await h.stop();
});

test('activeDeadlineSeconds: the timer fails the pod with DeadlineExceeded and stops its containers', async () => {
  const h = await harness();
  h.api.create(fakePod('deadline', { activeDeadlineSeconds: 5, containers: [{ name: 'app', command: ['run'] }] }));
  await h.settle();
  await h.advance(5_100);
  const pod = h.pod('deadline')!;
  assert.equal(pod.status?.phase, 'Failed');
  assert.equal(pod.status?.reason, 'DeadlineExceeded');
  assert.ok(h.runtime.calls.includes('kill app SIGTERM'));
  assert.ok(h.reasons('deadline').includes('DeadlineExceeded'));
  await h.stop();
});

test('a job-like pod completes: main exits 0, the sidecar is stopped, Succeeded; its containers stay until it is deleted', async () => {
  const h = await harness();
  h.api.create(
    fakePod('job', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'sc', command: ['run'], restartPolicy: 'Always' }],
      containers: [{ name: 'main', command: ['exit', '0', '1000'] }],
    }),
  );
  await h.settle();
  await h.advance(1_100);
  assert.equal(h.pod('job')?.status?.phase, 'Succeeded');
  assert.equal(status(h, 'job', 'sc')?.state?.terminated?.exitCode, 143);
  assert.equal(h.runtime.containers.size, 3, 'kept for logs and status');
  h.api.delete('job');
  await h.settle();
  assert.equal(h.pod('job'), undefined);
  assert.equal(h.runtime.containers.size, 0);
  await h.stop();
});

test('a liveness probe failure wakes the worker: the container is killed and restarted', async () => {
  const h = await harness();
  h.api.create(fakePod('live', { containers: [{ name: 'app', command: ['run'], livenessProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 2 } }] }));
  await h.settle();
  h.runtime.execExitCode.set('app', 1);
  await h.advance(2_500);
  assert.ok(h.reasons('live', 'app').includes('Unhealthy'));
  assert.ok(h.runtime.calls.includes('kill app SIGTERM'));
  assert.equal(h.runtime.byName('app').length, 2, 'restarted');
  await h.stop();
});

test('adoption after a restart: same containers, same restart count; an exit while down is acted on', async () => {
  const h = await harness();
  h.api.create(fakePod('kept', { containers: [{ name: 'app', command: ['run'] }] }));
  await h.settle();
  h.runtime.exit(h.runtime.current('app')!.id, 1);
  await h.settle();
  const before = h.runtime.current('app')!.id;
  await h.agent.stop();
  h.runtime.calls.length = 0;
  h.runtime.exit(before, 0); // while no daemon runs
  await h.restartAgent();
  assert.equal(h.runtime.calls.filter((c) => c === 'create POD').length, 0, 'the sandbox was adopted');
  assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('start')), ['start app'], 'the missed exit was acted on: one new instance');
  assert.equal(status(h, 'kept')?.restartCount, 2);
  assert.equal(status(h, 'kept')?.lastState?.terminated?.exitCode, 0, 'the exit that happened while down');
  await h.stop();
});

test('the periodic resync finds nothing to do when every input arrived as an event (a start that fails again is no work)', async () => {
  const logger = recordingLogger();
  const h = await harness({ logger });
  h.api.create(fakePod('quiet', { containers: [{ name: 'app', command: ['exit', '1', '3000'] }] }));
  h.api.create(fakePod('noimage', { containers: [{ name: 'app', image: 'localhost/absent:1', command: ['run'] }] }));
  await h.settle();
  await h.advance(125_000, 1_000);
  assert.equal(h.runtime.calls.filter((c) => c === 'start app').length, 5, 'restarts at 3, 16, 39 and 82 s, on its timers');
  assert.deepEqual(logger.warnings, []);
  await h.stop();
});
