/**
 * Deployments with the real kubectl against a real daemon: rollout status, set image (a second
 * ReplicaSet, never fewer than replicas − maxUnavailable ready pods), history, undo, scale,
 * restart, pause/resume, a deleted pod replaced, the printer columns, field selectors; `kubectl
 * explain` from both OpenAPI documents; `get all` and the peapod CLI on the new kinds. One daemon
 * for the file (workloads.e2e.test.ts has the rest).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { deploymentYaml, isReady, workloadWaits } from './helpers/workloads.js';

const opts = kubectlTestOptions('workload');

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);


before(async () => {
  if (!haveKubectl) return;
  d = await startKubectlDaemon();
  await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'busybox:v2', changes: ['ENV PATH=/bin', 'CMD ["sh"]'] });
});
after(async () => {
  await d?.cleanup();
});

const { podsOf, waitFor } = workloadWaits(() => d);

test('Deployment: apply → rollout status; get deploy columns; set image keeps the ready floor; history, undo, scale, a deleted pod replaced; restart, pause/resume', opts, async () => {
  writeFileSync(`${d.base}/web.yaml`, deploymentYaml('web', 3));
  assert.match(await ok(['apply', '-f', `${d.base}/web.yaml`]), /deployment.apps\/web created/);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']), /deployment "web" successfully rolled out/);
  const table = await ok(['get', 'deploy']);
  assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*$/m);
  assert.match(table, /^web\s+3\/3\s+3\s+3\s+\d+s\s*$/m);

  // set image: a second ReplicaSet; sample the ready pods throughout (default maxUnavailable 25% of 3 rounds to 0).
  let minReady = Infinity;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      minReady = Math.min(minReady, (await podsOf('web')).filter(isReady).length);
      await sleep(50);
    }
  })();
  await ok(['set', 'image', 'deploy/web', 'c=localhost/busybox:v2']);
  assert.match(await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']), /successfully rolled out/);
  sampling = false;
  await sampler;
  assert.ok(minReady >= 3, `never fewer than replicas − maxUnavailable = 3 ready pods during the rollout (saw ${minReady})`);
  const rs = await ok(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas} {.spec.template.spec.containers[0].image}{"\\n"}{end}']);
  assert.deepEqual(rs.trim().split('\n').sort(), ['0 localhost/busybox:latest', '3 localhost/busybox:v2']);
  assert.match(await ok(['get', 'rs']), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s*$/m);
  // Field selectors on the new kinds: status.replicas for ReplicaSets, metadata.name for every kind.
  const [oldRs, newRs] = ['0', '3'].map(async (n) => (await ok(['get', 'rs', '-l', 'app=web', '--field-selector', `status.replicas=${n}`, '-o', 'name'])).trim().split('\n'));
  assert.equal((await oldRs).length, 1);
  assert.equal((await newRs).length, 1);
  assert.notDeepEqual(await oldRs, await newRs);
  assert.equal((await ok(['get', 'deploy', '--field-selector', 'metadata.name=web', '-o', 'name'])).trim(), 'deployment.apps/web');
  assert.equal((await ok(['get', 'deploy', '--field-selector', 'metadata.name!=web', '-o', 'name'])).trim(), '');
  const badField = await kubectl(['get', 'rs', '--field-selector', 'spec.paused=true']);
  assert.equal(badField.code, 1);
  assert.match(badField.stderr, /field label not supported: spec\.paused/);

  // The later rollouts surge all at once: what they show is not the pace but the behaviour.
  await ok(['patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":"100%","maxUnavailable":0}}}}']);
  const history = await ok(['rollout', 'history', 'deploy/web']);
  assert.match(history, /REVISION\s+CHANGE-CAUSE/);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  await ok(['rollout', 'undo', 'deploy/web']);
  await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  await waitFor('pods back on revision 1', async () => {
    const pods = (await podsOf('web')).filter(isReady);
    return pods.length === 3 && pods.every((p) => p.spec?.containers[0].image === 'localhost/busybox:latest');
  });
  assert.match(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), /^3$/);

  await ok(['scale', 'deploy/web', '--replicas=5']);
  await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  await waitFor('5 ready pods', async () => (await podsOf('web')).filter(isReady).length === 5);

  const victim = (await podsOf('web'))[0];
  await ok(['delete', 'pod', victim.metadata!.name!, '--wait=false']);
  await waitFor('the deleted pod replaced', async () => {
    const pods = (await podsOf('web')).filter(isReady);
    return pods.length === 5 && !pods.some((p) => p.metadata?.uid === victim.metadata?.uid);
  });

  const before = new Set((await podsOf('web')).map((p) => p.metadata?.uid));
  await ok(['rollout', 'restart', 'deploy/web']);
  await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  await waitFor('every pod restarted', async () => {
    const pods = (await podsOf('web')).filter(isReady);
    return pods.length === 5 && pods.every((p) => !before.has(p.metadata?.uid));
  });

  await ok(['rollout', 'pause', 'deploy/web']);
  await ok(['set', 'image', 'deploy/web', 'c=localhost/busybox:v2']);
  await sleep(1000);
  assert.ok((await podsOf('web')).every((p) => p.spec?.containers[0].image === 'localhost/busybox:latest'), 'paused: nothing rolls out');
  assert.match(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']), /DeploymentPaused/);
  await ok(['rollout', 'resume', 'deploy/web']);
  await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  await waitFor('resumed rollout done', async () => {
    const pods = (await podsOf('web')).filter(isReady);
    return pods.length === 5 && pods.every((p) => p.spec?.containers[0].image === 'localhost/busybox:v2');
  });
});

test('kubectl explain on the new kinds, from /openapi/v3 and (plaintext-openapiv2) from /openapi/v2', opts, async () => {
  const v3 = await ok(['explain', 'deployment.spec.strategy']);
  assert.match(v3, /^FIELD: strategy <DeploymentStrategy>$/m);
  assert.match(v3, /^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
  // kubectl's older printer, fed by the Swagger 2.0 document: every object is <Object>.
  const v2 = await ok(['explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2']);
  assert.match(v2, /^RESOURCE: strategy <Object>$/m);
  assert.match(v2, /^ {3}rollingUpdate\t<Object>$/m);
  assert.match(v2, /Type of deployment\. Can be "Recreate" or "RollingUpdate"/);
  assert.match(await ok(['explain', 'ds.spec.updateStrategy.type', '--output=plaintext-openapiv2']), /^VERSION: {2}apps\/v1$[\s\S]*"RollingUpdate" or "OnDelete"/m);
  const nope = await kubectl(['explain', 'deployment.spec.nope', '--output=plaintext-openapiv2']);
  assert.equal(nope.code, 1);
  assert.match(nope.stderr, /field "nope" does not exist/);
});

test('get all and the peapod CLI: every served kind by name, short name and category', opts, async () => {
  writeFileSync(`${d.base}/all.yaml`, deploymentYaml('all', 1));
  await ok(['apply', '-f', `${d.base}/all.yaml`]);
  await ok(['rollout', 'status', 'deploy/all', '--timeout=120s']);
  const all = await ok(['get', 'all']);
  assert.match(all, /^pod\/all-/m);
  assert.match(all, /^deployment.apps\/all\s+1\/1/m);
  assert.match(all, /^replicaset.apps\/all-/m);
  const peapod = async (...args: string[]) => {
    const { execFile } = await import('node:child_process');
    return new Promise<string>((resolve, reject) =>
      execFile(`${process.cwd()}/bin/peapod`, ['--socket', d.socket, ...args], (err, stdout, stderr) => (err ? reject(new Error(`${stderr}${err.message}`)) : resolve(stdout))),
    );
  };
  const mine = await peapod('get', 'deploy,rs,po');
  assert.match(mine, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
  assert.match(mine, /^deployment.apps\/all\s+1\/1\s+1\s+1/m);
  assert.match(mine, /^replicaset.apps\/all-\S+\s+1\s+1\s+1/m);
  assert.match(await peapod('get', 'all'), /^pod\/all-/m);
  assert.match(await peapod('describe', 'deploy', 'all'), /Kind:\s+Deployment[\s\S]*Replicas:\s+1[\s\S]*ScalingReplicaSet/);
  await peapod('delete', '-f', `${d.base}/all.yaml`);
  await waitFor('all pods gone', async () => (await podsOf('all')).length === 0);
});

