/**
 * Jobs and CronJobs with the real kubectl against a real daemon: completions 3 / parallelism 2
 * completes (`kubectl wait --for=condition=complete`, `kubectl logs job/NAME`); a failing Job
 * ends Failed with BackoffLimitExceeded after backoffLimit + 1 pods; an Indexed Job's pods see
 * their index; podFailurePolicy FailJob on an exit code; an Indexed Job with backoffLimitPerIndex;
 * a kill -9 of the daemon in the middle of a Job counts every pod once; a CronJob
 * every minute makes Jobs and keeps its history limit, `kubectl create job --from=cronjob` (the
 * manual annotation and the CronJob as owner); `kubectl create job|cronjob` (protobuf bodies);
 * bad schedules and time zones refused; the documentation's Job, CronJob, StatefulSet and PVC
 * examples (fixtures/docs) as the docs describe them. One daemon for the file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const opts = kubectlTestOptions('batch');
const DOCS = new URL('./fixtures/docs/', import.meta.url).pathname;

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);

before(async () => {
  if (!haveKubectl) return;
  d = await startKubectlDaemon();
});
after(async () => {
  await d?.cleanup();
});

const jobYaml = (name: string, spec: string, command: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: localhost/busybox:latest
        command: ["sh", "-c", ${JSON.stringify(command)}]
`;

async function apply(name: string, yaml: string): Promise<void> {
  writeFileSync(`${d.base}/${name}.yaml`, yaml);
  await ok(['apply', '-f', `${d.base}/${name}.yaml`]);
}

async function getJob(name: string): Promise<Job> {
  return JSON.parse(await ok(['get', 'job', name, '-o', 'json'])) as Job;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(300);
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms\n${d.log()}`);
}

const podsOfJob = async (name: string): Promise<string[]> =>
  (await ok(['get', 'pods', '-l', `job-name=${name}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}'])).trim().split('\n').filter(Boolean);

test('a Job with completions 3 and parallelism 2 completes; kubectl wait, logs job/NAME and the printer columns', opts, async () => {
  await apply('pi', jobYaml('pi', '  completions: 3\n  parallelism: 2\n', 'echo done-$(hostname); sleep 1'));
  let maxRunning = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const lines = await podsOfJob('pi').catch(() => []);
      maxRunning = Math.max(maxRunning, lines.filter((l) => /Running|Pending/.test(l)).length);
      await sleep(200);
    }
  })();
  await ok(['wait', '--for=condition=complete', 'job/pi', `--timeout=${Math.round(stretch(120_000) / 1000)}s`]);
  sampling = false;
  await sampler;
  assert.ok(maxRunning <= 2, `never more than parallelism = 2 pods at once (saw ${maxRunning})`);
  const job = await getJob('pi');
  assert.equal(job.status?.succeeded, 3);
  assert.deepEqual(job.status?.conditions?.map((c) => c.type), ['SuccessCriteriaMet', 'Complete']);
  const pods = await podsOfJob('pi');
  assert.equal(pods.length, 3, pods.join('\n'));
  assert.ok(pods.every((l) => l.endsWith(' Succeeded')));
  assert.match(await ok(['logs', 'job/pi']), /^done-pi-/m);
  const table = await ok(['get', 'jobs']);
  assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s*$/m);
  assert.match(table, /^pi\s+Complete\s+3\/3\s+\d+s\s+\d+s\s*$/m);
  // No pod keeps the tracking finalizer once counted.
  assert.equal((await ok(['get', 'pods', '-l', 'job-name=pi', '-o', 'jsonpath={.items[*].metadata.finalizers}'])).trim(), '');
});

test('a failing Job ends Failed with BackoffLimitExceeded after backoffLimit + 1 pods', opts, async () => {
  await apply('fails', jobYaml('fails', '  backoffLimit: 1\n', 'exit 3'));
  // The second pod comes after the 10 s back-off.
  await ok(['wait', '--for=condition=failed', 'job/fails', `--timeout=${Math.round(stretch(120_000) / 1000)}s`]);
  const job = await getJob('fails');
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failed?.reason, 'BackoffLimitExceeded');
  assert.equal(job.status?.failed, 2);
  assert.equal((await podsOfJob('fails')).length, 2, 'backoffLimit + 1 pods');
  assert.match(await ok(['get', 'events', '--field-selector', 'involvedObject.name=fails']), /BackoffLimitExceeded/);
});

test('an Indexed Job: each pod sees its JOB_COMPLETION_INDEX and has the hostname <job>-<index>', opts, async () => {
  await apply('idx', jobYaml('idx', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n', 'echo index=$JOB_COMPLETION_INDEX host=$(hostname)'));
  await ok(['wait', '--for=condition=complete', 'job/idx', `--timeout=${Math.round(stretch(120_000) / 1000)}s`]);
  const lines: string[] = [];
  for (const p of await podsOfJob('idx')) lines.push((await ok(['logs', p.split(' ')[0]])).trim());
  assert.deepEqual(lines.sort(), ['index=0 host=idx-0', 'index=1 host=idx-1', 'index=2 host=idx-2']);
  assert.equal((await getJob('idx')).status?.completedIndexes, '0-2');
});

test('podFailurePolicy FailJob on an exit code fails the Job at its first pod; an Indexed Job with backoffLimitPerIndex retries only the failing index', opts, async () => {
  await apply('pfp', jobYaml('pfp', '  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {containerName: c, operator: In, values: [42]}\n', 'exit 42'));
  const perIndex = jobYaml('per-index', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n  backoffLimitPerIndex: 1\n', '[ "$JOB_COMPLETION_INDEX" = 1 ] && exit 1; exit 0');
  await apply('per-index', perIndex);
  await ok(['wait', '--for=condition=failed', 'job/pfp', `--timeout=${Math.round(stretch(60_000) / 1000)}s`]);
  const pfp = await getJob('pfp');
  const failed = pfp.status?.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failed?.reason, 'PodFailurePolicy');
  assert.match(failed?.message ?? '', /^Container c for pod default\/pfp-[a-z0-9]{5} failed with exit code 42 matching FailJob rule at index 0$/);
  assert.deepEqual(pfp.status?.conditions?.map((c) => c.type), ['FailureTarget', 'Failed']);
  assert.equal((await podsOfJob('pfp')).length, 1, 'no retry despite backoffLimit 6');
  assert.equal(pfp.spec?.podReplacementPolicy, 'Failed', 'defaulted with a podFailurePolicy');

  // Index 1 fails, is retried once (after the 10 s back-off), fails again: the Job ends Failed once the other indexes are done.
  await ok(['wait', '--for=condition=failed', 'job/per-index', `--timeout=${Math.round(stretch(120_000) / 1000)}s`]);
  const job = await getJob('per-index');
  assert.equal(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'FailedIndexes');
  assert.equal(job.status?.completedIndexes, '0,2');
  assert.equal(job.status?.failedIndexes, '1');
  assert.equal(job.status?.succeeded, 2);
  assert.equal(job.status?.failed, 2);
  assert.equal(job.spec?.backoffLimit, 2147483647, 'defaulted to MaxInt32 with backoffLimitPerIndex');
  const byIndex = (await ok(['get', 'pods', '-l', 'job-name=per-index', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index}={.status.phase}{"\\n"}{end}'])).trim().split('\n').sort();
  assert.deepEqual(byIndex, ['0=Succeeded', '1=Failed', '1=Failed', '2=Succeeded']);
});

test('kill -9 of the daemon in the middle of a Job: after the restart every pod is counted once, none lost', opts, async () => {
  await apply('long', jobYaml('long', '  completions: 6\n  parallelism: 3\n', 'sleep 2'));
  await waitFor('some pods done', async () => ((await getJob('long')).status?.succeeded ?? 0) >= 1);
  await d.kill9();
  await sleep(3000);
  await d.start();
  await ok(['wait', '--for=condition=complete', 'job/long', `--timeout=${Math.round(stretch(180_000) / 1000)}s`]);
  const job = await getJob('long');
  // What each pod went through, should one count as failed.
  const detail = await ok(['get', 'pods', '-l', 'job-name=long', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.containerStatuses[0].state} {.status.containerStatuses[0].lastState}{"\\n"}{end}']);
  assert.equal(job.status?.succeeded, 6, 'six completions counted, none twice');
  assert.equal(job.status?.failed ?? 0, 0, detail);
  const pods = await podsOfJob('long');
  assert.equal(pods.filter((l) => l.endsWith(' Succeeded')).length, 6, `exactly six pods succeeded:\n${pods.join('\n')}`);
});

test('kubectl create job and create cronjob (protobuf bodies): stored as sent, the Job runs its command', opts, async () => {
  assert.match(await ok(['create', 'job', 'hello', '--image=localhost/busybox:latest', '--', 'sh', '-c', 'echo hello from $(hostname)']), /job.batch\/hello created/);
  await ok(['wait', '--for=condition=complete', 'job/hello', `--timeout=${Math.round(stretch(60_000) / 1000)}s`]);
  const job = await getJob('hello');
  assert.equal(job.spec?.template.spec?.restartPolicy, 'Never');
  assert.deepEqual(job.spec?.template.spec?.containers.map((c) => [c.name, c.image, c.command]), [['hello', 'localhost/busybox:latest', ['sh', '-c', 'echo hello from $(hostname)']]]);
  assert.equal(job.spec?.backoffLimit, 6, 'defaulted by the server, as upstream');
  assert.match(await ok(['logs', 'job/hello']), /^hello from hello-[a-z0-9]{5}$/m);

  assert.match(await ok(['create', 'cronjob', 'every', '--image=localhost/busybox:latest', '--schedule=*/1 * * * *', '--', 'echo', 'tock']), /cronjob.batch\/every created/);
  const cj = JSON.parse(await ok(['get', 'cronjob', 'every', '-o', 'json'])) as { spec: { schedule: string; concurrencyPolicy: string; suspend: boolean; jobTemplate: { metadata?: { name?: string }; spec: Job['spec'] } } };
  assert.equal(cj.spec.schedule, '*/1 * * * *');
  assert.equal(cj.spec.concurrencyPolicy, 'Allow', 'the empty policy kubectl sends defaulted');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.jobTemplate.metadata?.name, 'every');
  assert.equal(cj.spec.jobTemplate.spec?.template.spec?.restartPolicy, 'OnFailure');
  assert.deepEqual(cj.spec.jobTemplate.spec?.template.spec?.containers.map((c) => c.command), [['echo', 'tock']]);
  // A bad schedule sent as protobuf gets the same error as JSON, and nothing is stored.
  const bad = await kubectl(['create', 'cronjob', 'bad-pb', '--image=localhost/busybox:latest', '--schedule=61 * * * *']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /spec.schedule: Invalid value: "61 \* \* \* \*"/);
  await ok(['delete', 'cronjob', 'every']);
  await ok(['delete', 'job', 'hello']);
});

test('a CronJob every minute makes Jobs and keeps its history limit; create job --from=cronjob; bad schedules refused', opts, async () => {
  const cronYaml = (name: string, schedule: string, extra = '') => `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: ${name}}\nspec:\n  schedule: "${schedule}"\n${extra}  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          terminationGracePeriodSeconds: 1\n          containers: [{name: c, image: localhost/busybox:latest, command: [sh, -c, echo tick]}]\n`;
  writeFileSync(`${d.base}/bad.yaml`, cronYaml('bad', '61 * * * *'));
  const bad = await kubectl(['apply', '-f', `${d.base}/bad.yaml`]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /spec.schedule: Invalid value: "61 \* \* \* \*"/);
  writeFileSync(`${d.base}/tz.yaml`, cronYaml('tz', '* * * * *', '  timeZone: Mars/Olympus\n'));
  const tz = await kubectl(['apply', '-f', `${d.base}/tz.yaml`]);
  assert.match(tz.stderr, /spec.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
  assert.doesNotMatch(await ok(['get', 'cronjobs']), /bad|tz/, 'nothing stored');

  writeFileSync(`${d.base}/tick.yaml`, cronYaml('tick', '* * * * *', '  successfulJobsHistoryLimit: 1\n'));
  await ok(['apply', '-f', `${d.base}/tick.yaml`]);
  // kubectl's typed client sends this as protobuf: the CronJob's stored template, the manual annotation, the owner.
  assert.match(await ok(['create', 'job', 'tick-manual', '--from=cronjob/tick']), /job.batch\/tick-manual created/);
  const manual = await getJob('tick-manual');
  const cj = JSON.parse(await ok(['get', 'cronjob', 'tick', '-o', 'json'])) as { metadata: { uid: string } };
  assert.equal(manual.metadata?.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  assert.deepEqual(manual.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true }]);
  assert.equal(manual.spec?.template.spec?.terminationGracePeriodSeconds, 1, 'the template copied from the CronJob');
  assert.deepEqual(manual.spec?.template.spec?.containers.map((c) => c.command), [['sh', '-c', 'echo tick']]);
  await ok(['wait', '--for=condition=complete', 'job/tick-manual', `--timeout=${Math.round(stretch(60_000) / 1000)}s`]);
  // The first scheduled Job comes at the next whole minute: within ~70 s. Then the history limit trims the manual one.
  const ownedJobs = async (): Promise<string[]> =>
    (await ok(['get', 'jobs', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.status.succeeded}{"\\n"}{end}'])).trim().split('\n').filter((l) => / CronJob\/tick /.test(l));
  await waitFor('a scheduled Job completed and the history trimmed to one', async () => {
    const owned = await ownedJobs();
    return owned.length === 1 && /^tick-\d+ CronJob\/tick 1$/.test(owned[0]);
  }, 75_000);
  const table = await ok(['get', 'cronjobs']);
  assert.match(table, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s*$/m);
  assert.match(table, /^tick\s+\* \* \* \* \*\s+<none>\s+False\s+[01]\s+\d+s\s+\d+s\s*$/m);
  await ok(['delete', 'cronjob', 'tick']);
});

test("the documentation's Job, CronJob, StatefulSet and PVC examples (fixtures/docs) behave as the docs describe", opts, async () => {
  const ns = 'docs-examples';
  const n = ['-n', ns];
  const timeout = (ms: number): string => `--timeout=${Math.round(stretch(ms) / 1000)}s`;
  await ok(['create', 'namespace', ns]);
  // The CronJob first: its Job comes at the next whole minute, while the others run.
  assert.match(await ok(['apply', '-f', `${DOCS}cronjob.yaml`, ...n]), /cronjob.batch\/hello created/);
  assert.match(await ok(['apply', '-f', `${DOCS}job.yaml`, ...n]), /job.batch\/pi created/);
  assert.match(await ok(['apply', '-f', `${DOCS}web.yaml`, ...n]), /service\/nginx created\nstatefulset.apps\/web created/);
  // Configure a Pod to Use a PersistentVolume: the docs write index.html on the node, under the PV's hostPath.
  const hostDir = `${d.base}/mnt-data`;
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(`${hostDir}/index.html`, 'Hello from Kubernetes storage\n');
  await ok(['apply', '-f', '-'], { stdin: readFileSync(`${DOCS}pv-volume.yaml`, 'utf8').replace('"/mnt/data"', JSON.stringify(hostDir)) });
  await ok(['apply', '-f', `${DOCS}pv-claim.yaml`, ...n]);
  await ok(['apply', '-f', `${DOCS}pv-pod.yaml`, ...n]);

  // Job: completes, `kubectl logs job/pi` prints pi, the events the docs' describe shows.
  await ok(['wait', '--for=condition=complete', 'job/pi', ...n, timeout(120_000)]);
  assert.match(await ok(['get', 'job', 'pi', ...n]), /^pi\s+Complete\s+1\/1\s+/m);
  assert.match(await ok(['logs', 'job/pi', ...n]), /^3\.14159265358979323846264338327950288\d{65}$/m);
  const piEvents = await ok(['get', 'events', ...n, '--field-selector', 'involvedObject.name=pi']);
  assert.match(piEvents, /SuccessfulCreate\s+job\/pi\s+Created pod: pi-[a-z0-9]{5}/);
  assert.match(piEvents, /Completed\s+job\/pi\s+Job completed/);

  // PersistentVolume task: the claim binds to the hand-made volume, the pod serves the node's file.
  await waitFor('task-pv-pod running', async () => (await ok(['get', 'pod', 'task-pv-pod', ...n, '-o', 'jsonpath={.status.phase}'])) === 'Running');
  assert.match(await ok(['get', 'pv', 'task-pv-volume']), new RegExp(`^task-pv-volume\\s+10Gi\\s+RWO\\s+Retain\\s+Bound\\s+${ns}/task-pv-claim\\s+manual\\s+`, 'm'));
  assert.match(await ok(['get', 'pvc', 'task-pv-claim', ...n]), /^task-pv-claim\s+Bound\s+task-pv-volume\s+10Gi\s+RWO\s+manual\s+/m);
  await waitFor('the page served', async () => (await kubectl(['exec', 'task-pv-pod', ...n, '--', 'wget', '-qO-', 'http://127.0.0.1/'])).stdout === 'Hello from Kubernetes storage\n');

  // StatefulSet Basics: ordered pods named and hostnamed by ordinal, a Bound claim each, each serving its own page.
  await ok(['rollout', 'status', 'sts/web', ...n, timeout(120_000)]);
  const created = JSON.parse(await ok(['get', 'pods', '-l', 'app=nginx', ...n, '-o', 'json'])) as { items: { metadata: { name: string; creationTimestamp: string } }[] };
  assert.deepEqual(created.items.map((p) => p.metadata.name).sort(), ['web-0', 'web-1']);
  const claims = await ok(['get', 'pvc', '-l', 'app=nginx', ...n]);
  assert.match(claims, /^www-web-0\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+local-path\s+/m);
  assert.match(claims, /^www-web-1\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+local-path\s+/m);
  for (const i of [0, 1]) {
    assert.equal((await ok(['exec', `web-${i}`, ...n, '--', 'hostname'])).trim(), `web-${i}`);
    await ok(['exec', `web-${i}`, ...n, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html']);
    assert.equal(await ok(['exec', `web-${i}`, ...n, '--', 'wget', '-qO-', 'http://127.0.0.1/']), `web-${i}\n`);
  }
  const web0 = (await ok(['get', 'pod', 'web-0', ...n, '-o', 'jsonpath={.status.podIP}'])).trim();
  await waitFor('web-0.nginx resolves from another pod', async () => (await kubectl(['exec', 'task-pv-pod', ...n, '--', 'ping', '-c1', '-W1', 'web-0.nginx'])).stdout.includes(`PING web-0.nginx (${web0})`), 30_000);

  // CronJob: a Job hello-<scheduled minute> whose pod says the date and hello; deleting the CronJob takes its Jobs along.
  let hello = '';
  await waitFor('a hello Job completed', async () => {
    hello = (await ok(['get', 'jobs', ...n, '-o', 'jsonpath={range .items[?(@.status.succeeded==1)]}{.metadata.name}{"\\n"}{end}'])).split('\n').find((j) => /^hello-\d+$/.test(j)) ?? '';
    return hello !== '';
  }, 90_000);
  assert.match(await ok(['logs', `job/${hello}`, ...n]), /^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d UTC \d{4}\nHello from the Kubernetes cluster\n$/);
  assert.match(await ok(['get', 'cronjob', 'hello', ...n]), /^hello\s+\* \* \* \* \*\s+<none>\s+False\s+[01]\s+\d+s\s+\d+(s|m\d*s?)\s*$/m);
  await ok(['delete', 'cronjob', 'hello', ...n]);
  await waitFor('the CronJob\'s Jobs deleted with it', async () => !/hello-/.test(await ok(['get', 'jobs', ...n, '-o', 'name'])));
  await ok(['delete', 'namespace', ns, '--wait=false']);
});
