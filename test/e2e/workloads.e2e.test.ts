/**
 * Workloads and the garbage collector with the real kubectl against a real daemon: delete with
 * each cascade (foreground: the owner waits with its finalizer for a blocking dependent), bad
 * input refused with nothing stored, a DaemonSet (rollout, history and undo through
 * ControllerRevisions), `kubectl create deployment`, the scale subresource and the Recreate
 * strategy. One daemon for the file (deployments.e2e.test.ts has the Deployment rollouts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { deploymentYaml, isReady, podTemplateYaml, workloadWaits } from './helpers/workloads.js';

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

test('delete: the default cascade removes ReplicaSets and pods; --cascade=orphan keeps them, ownerless', opts, async () => {
  writeFileSync(`${d.base}/web.yaml`, deploymentYaml('web', 2));
  await ok(['apply', '-f', `${d.base}/web.yaml`]);
  await ok(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  await ok(['delete', 'deploy', 'web', '--timeout=120s']);
  await waitFor('web pods gone', async () => (await podsOf('web')).length === 0);
  assert.equal((await ok(['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim(), '');

  writeFileSync(`${d.base}/kept.yaml`, deploymentYaml('kept', 2));
  await ok(['apply', '-f', `${d.base}/kept.yaml`]);
  await ok(['rollout', 'status', 'deploy/kept', '--timeout=120s']);
  await ok(['delete', 'deploy', 'kept', '--cascade=orphan']);
  await waitFor('the deployment gone', async () => (await kubectl(['get', 'deploy', 'kept'])).code !== 0);
  await sleep(1000);
  const pods = (await podsOf('kept')).filter(isReady);
  assert.equal(pods.length, 2, 'the pods stay');
  const rs = JSON.parse(await ok(['get', 'rs', '-l', 'app=kept', '-o', 'json'])) as { items: { metadata: { ownerReferences?: unknown[] } }[] };
  assert.equal(rs.items.length, 1);
  assert.equal(rs.items[0].metadata.ownerReferences, undefined, 'the ReplicaSet is ownerless');
  // Foreground: the ReplicaSet waits with the foregroundDeletion finalizer while a pod that
  // blocks its deletion (blockOwnerDeletion, as the controller sets) is still there — held here
  // by a finalizer of ours — and goes once it is.
  const [held, other] = (await podsOf('kept')).map((p) => p.metadata!.name!);
  const ownerRef = (await d.client.getPod('default', held)).metadata?.ownerReferences?.[0];
  assert.equal(ownerRef?.blockOwnerDeletion, true);
  await ok(['patch', 'pod', held, '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
  await ok(['delete', 'rs', '-l', 'app=kept', '--cascade=foreground', '--wait=false']);
  await waitFor('the other pod gone', async () => (await kubectl(['get', 'pod', other])).code !== 0);
  assert.ok((await d.client.getPod('default', held)).metadata?.deletionTimestamp, 'the held pod is being deleted too');
  const waiting = JSON.parse(await ok(['get', 'rs', '-l', 'app=kept', '-o', 'json'])) as { items: { metadata: { finalizers?: string[]; deletionTimestamp?: string } }[] };
  assert.equal(waiting.items.length, 1, 'the ReplicaSet waits for its blocking dependent');
  assert.deepEqual(waiting.items[0].metadata.finalizers, ['foregroundDeletion']);
  assert.ok(waiting.items[0].metadata.deletionTimestamp);
  await ok(['patch', 'pod', held, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  await waitFor('the ReplicaSet gone after its last pod', async () => (await ok(['get', 'rs', '-l', 'app=kept', '-o', 'name'])).trim() === '');
  assert.equal((await podsOf('kept')).length, 0);
});

test('bad input: selector not matching the template, negative scale, changed selector, unknown version — a Status naming the field, nothing stored', opts, async () => {
  writeFileSync(`${d.base}/bad.yaml`, deploymentYaml('bad', 1).replace('matchLabels: {app: bad}', 'matchLabels: {app: other}'));
  const bad = await kubectl(['apply', '-f', `${d.base}/bad.yaml`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"bad"\}: `selector` does not match template `labels`/);
  assert.notEqual((await kubectl(['get', 'deploy', 'bad'])).code, 0);

  writeFileSync(`${d.base}/one.yaml`, deploymentYaml('one', 1));
  await ok(['apply', '-f', `${d.base}/one.yaml`]);
  const neg = await kubectl(['scale', 'deploy/one', '--replicas=-1']);
  assert.equal(neg.code, 1);
  assert.match(neg.stderr, /replicas|must be greater than or equal to 0/);
  const moved = await kubectl(['patch', 'deploy', 'one', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
  assert.equal(moved.code, 1);
  assert.match(moved.stderr, /spec.selector: Invalid value: .*field is immutable/);
  assert.equal(await ok(['get', 'deploy', 'one', '-o', 'jsonpath={.spec.selector.matchLabels.app}']), 'one');

  writeFileSync(`${d.base}/v9.yaml`, deploymentYaml('v9', 1).replace('apps/v1', 'apps/v9'));
  const v9 = await kubectl(['apply', '-f', `${d.base}/v9.yaml`]);
  assert.equal(v9.code, 1);
  assert.match(v9.stderr, /no matches for kind "Deployment" in version "apps\/v9"/);
  await ok(['delete', 'deploy', 'one']);
});

test('DaemonSet: one pod on the node; rollout status, set image, history and undo through ControllerRevisions; get ds columns', opts, async () => {
  writeFileSync(
    `${d.base}/ds.yaml`,
    `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
${podTemplateYaml('agent')}`,
  );
  await ok(['apply', '-f', `${d.base}/ds.yaml`]);
  assert.match(await ok(['rollout', 'status', 'ds/agent', '--timeout=120s']), /daemon set "agent" successfully rolled out/);
  await waitFor('one ready agent pod', async () => (await podsOf('agent')).filter(isReady).length === 1);
  const table = await ok(['get', 'ds']);
  assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s*$/m);
  assert.match(table, /^agent\s+1\s+1\s+1\s+1\s+1\s+<none>\s+\d+s/m);
  await ok(['set', 'image', 'ds/agent', 'c=localhost/busybox:v2']);
  await ok(['rollout', 'status', 'ds/agent', '--timeout=120s']);
  await waitFor('the agent pod replaced by v2', async () => {
    const pods = (await podsOf('agent')).filter(isReady);
    return pods.length === 1 && pods[0].spec?.containers[0].image === 'localhost/busybox:v2';
  });
  const history = await ok(['rollout', 'history', 'ds/agent']);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  assert.match(await ok(['get', 'controllerrevisions']), /^agent-\S+\s+daemonset.apps\/agent\s+2\s/m);
  await ok(['rollout', 'undo', 'ds/agent']);
  await ok(['rollout', 'status', 'ds/agent', '--timeout=120s']);
  await waitFor('the agent pod back on v1', async () => {
    const pods = (await podsOf('agent')).filter(isReady);
    return pods.length === 1 && pods[0].spec?.containers[0].image === 'localhost/busybox:latest';
  });
  await ok(['delete', 'ds', 'agent', '--timeout=120s']);
  await waitFor('agent pods gone', async () => (await podsOf('agent')).length === 0);
});

test('kubectl create deployment (a protobuf body), kubectl scale through the scale subresource, the Recreate strategy', opts, async () => {
  await ok(['create', 'deployment', 'hello', '--image=localhost/busybox:latest', '--replicas=2', '--', 'sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"]);
  await ok(['rollout', 'status', 'deploy/hello', '--timeout=120s']);
  await waitFor('2 ready hello pods', async () => (await podsOf('hello')).filter(isReady).length === 2);
  await ok(['scale', 'deploy/hello', '--replicas=1']);
  await waitFor('1 hello pod', async () => (await podsOf('hello')).filter((p) => !p.metadata?.deletionTimestamp).length === 1);
  assert.match(await ok(['get', 'deploy', 'hello', '--subresource=scale', '-o', 'jsonpath={.kind} {.spec.replicas} {.status.selector}']), /^Scale 1 app=hello$/);

  // Recreate: the old pod ends before a pod of the new template is made.
  await ok(['patch', 'deploy', 'hello', '--type=json', '-p', '[{"op":"remove","path":"/spec/strategy/rollingUpdate"},{"op":"replace","path":"/spec/strategy/type","value":"Recreate"}]']);
  let mixed = '';
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const live = (await podsOf('hello')).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      const images = new Set(live.map((p) => p.spec?.containers[0].image));
      if (images.size > 1) mixed = [...images].join(' and ');
      await sleep(50);
    }
  })();
  await ok(['set', 'image', 'deploy/hello', '*=localhost/busybox:v2']);
  await ok(['rollout', 'status', 'deploy/hello', '--timeout=120s']);
  await waitFor('the hello pod on v2', async () => {
    const pods = (await podsOf('hello')).filter(isReady);
    return pods.length === 1 && pods[0].spec?.containers[0].image === 'localhost/busybox:v2';
  });
  sampling = false;
  await sampler;
  assert.equal(mixed, '', 'old and new pods never run together');
  await ok(['delete', 'deploy', 'hello', '--timeout=120s']);
});
