/**
 * StatefulSets and persistent volumes with the real kubectl against a real daemon: a 2-replica
 * StatefulSet starts web-0, then web-1 only once web-0 is Ready, each with its own Bound claim
 * from the default local-path class; data written in web-0 survives deleting the pod and
 * restarting the daemon; web-0.web resolves from another pod (the headless Service, the cluster
 * DNS); a kill -9 in the middle of a rolling update keeps the order (highest ordinal first) and
 * makes nothing twice; a claim for a class that does not exist stays Pending with an event; an
 * immutable field change is refused. One daemon for the file.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const opts = kubectlTestOptions('StatefulSet');

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);

before(async () => {
  if (!haveKubectl) return;
  d = await startKubectlDaemon();
});
after(async () => {
  await d?.cleanup();
});

const webYaml = (image: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: ${image}
        command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/ready; while true; do sleep 0.2; done"]
        readinessProbe:
          exec: {command: ["cat", "/tmp/ready"]}
          initialDelaySeconds: 2
          periodSeconds: 1
        volumeMounts:
        - {name: www, mountPath: /www}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
`;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms\n${d.log()}`);
}

const jsonpath = async (args: string[], path: string): Promise<string> => (await ok([...args, '-o', `jsonpath=${path}`])).trim();

test('web-0 then web-1 (only once web-0 is Ready), each with its own Bound claim; data survives a pod delete and a daemon restart', opts, async () => {
  writeFileSync(`${d.base}/web.yaml`, webYaml('localhost/busybox:latest'));
  await ok(['apply', '-f', `${d.base}/web.yaml`]);
  // Sample: web-1 never exists while web-0 is not Ready.
  let violated = '';
  await waitFor('both pods Ready', async () => {
    const pods = JSON.parse(await ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
    const ready = (n: string) => pods.items.find((p) => p.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (pods.items.some((p) => p.metadata.name === 'web-1') && !ready('web-0')) violated = 'web-1 existed while web-0 was not Ready';
    return ready('web-0') && ready('web-1');
  });
  assert.equal(violated, '');
  assert.match(await ok(['get', 'sts', 'web']), /^web\s+2\/2\s+\d+s\s*$/m);
  const claims = await ok(['get', 'pvc']);
  assert.match(claims, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\s*$/m);
  assert.match(claims, /^www-web-0\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+local-path\s+<unset>\s+\d+s\s*$/m);
  assert.match(claims, /^www-web-1\s+Bound\s+pvc-/m);
  assert.match(await ok(['get', 'storageclass']), /^local-path \(default\)\s+peapod\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+true\s+/m);
  assert.equal(await jsonpath(['get', 'pod', 'web-0'], '{.spec.hostname}.{.spec.subdomain}'), 'web-0.web');
  const dirs = readdirSync(`${d.base}/data/storage`);
  assert.equal(dirs.filter((n) => /_default_www-web-[01]$/.test(n)).length, 2, dirs.join(' '));

  await ok(['exec', 'web-0', '--', 'sh', '-c', 'echo kept > /www/data']);
  const uid0 = await jsonpath(['get', 'pod', 'web-0'], '{.metadata.uid}');
  await ok(['delete', 'pod', 'web-0']);
  await waitFor('web-0 back', async () => (await jsonpath(['get', 'pod', 'web-0', '--ignore-not-found'], '{.metadata.uid}')) !== uid0 && (await jsonpath(['get', 'pod', 'web-0', '--ignore-not-found'], '{.status.phase}')) === 'Running');
  assert.equal((await ok(['exec', 'web-0', '--', 'cat', '/www/data'])).trim(), 'kept', 'the data outlived the pod');
  assert.equal((await ok(['exec', 'web-1', '--', 'sh', '-c', 'ls /www'])).trim(), '', 'web-1 has a volume of its own');

  assert.equal(await d.stop(), 0);
  await d.start();
  await waitFor('web-0 running after the restart', async () => (await jsonpath(['get', 'pod', 'web-0'], '{.status.phase}')) === 'Running');
  assert.equal((await ok(['exec', 'web-0', '--', 'cat', '/www/data'])).trim(), 'kept', 'the data outlived the daemon restart');
});

test('web-0.web resolves from another pod through the headless Service web (the cluster DNS)', opts, async () => {
  writeFileSync(`${d.base}/web-svc.yaml`, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports: [{name: web, port: 80}]\n');
  await ok(['apply', '-f', `${d.base}/web-svc.yaml`]);
  await ok(['run', 'dns-client', '--image=localhost/busybox:latest', '--restart=Never', '--overrides={"spec":{"terminationGracePeriodSeconds":0}}', '--', 'sleep', '3600']);
  await waitFor('dns-client running', async () => (await jsonpath(['get', 'pod', 'dns-client'], '{.status.phase}')) === 'Running');
  const ip = await jsonpath(['get', 'pod', 'web-0'], '{.status.podIP}');
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  // The short name through the pod's resolver and its search path (default.svc.cluster.local first). busybox's
  // nslookup (1.29 and later) applies the search path only to names without a dot, which is why the docs pin
  // busybox:1.28 for it: the libc resolver (ping's) is the one that shows what applications see.
  let out = '';
  await waitFor('web-0.web resolves to web-0', async () => {
    const r = await kubectl(['exec', 'dns-client', '--', 'ping', '-c1', '-W1', 'web-0.web']);
    out = r.stdout + r.stderr;
    return out.includes(`PING web-0.web (${ip})`);
  }, 30_000).catch((err: Error) => {
    throw new Error(`${err.message.split('\n')[0]}; last answer:\n${out}`);
  });
  assert.match(await ok(['exec', 'dns-client', '--', 'nslookup', 'web-0.web.default.svc.cluster.local']), new RegExp(`Name:\\s+web-0\\.web\\.default\\.svc\\.cluster\\.local\\nAddress: ${ip.replace(/\./g, '\\.')}`));
  const ip1 = await jsonpath(['get', 'pod', 'web-1'], '{.status.podIP}');
  await waitFor('web-1.web resolves to web-1', async () => (await kubectl(['exec', 'dns-client', '--', 'ping', '-c1', '-W1', 'web-1.web'])).stdout.includes(`PING web-1.web (${ip1})`), 30_000);
  await ok(['delete', 'pod', 'dns-client', '--grace-period=0', '--force']);
});

test('kill -9 in the middle of a rolling update: after the restart the rollout goes on from the highest ordinal down, nothing made twice', opts, async () => {
  await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'busybox:v2', changes: ['ENV PATH=/bin', 'CMD ["sh"]'] });
  writeFileSync(`${d.base}/web2.yaml`, webYaml('localhost/busybox:v2'));
  await ok(['apply', '-f', `${d.base}/web2.yaml`]);
  await waitFor('web-1 replaced', async () => (await jsonpath(['get', 'pod', 'web-1', '--ignore-not-found'], '{.spec.containers[0].image}')) === 'localhost/busybox:v2');
  await d.kill9();
  await d.start();
  await ok(['rollout', 'status', 'sts/web', `--timeout=${Math.round(stretch(120_000) / 1000)}s`]);
  const images = await ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\\n"}{end}']);
  assert.deepEqual(images.trim().split('\n').sort(), ['web-0=localhost/busybox:v2', 'web-1=localhost/busybox:v2']);
  const deletes = (await ok(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=SuccessfulDelete', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}'])).trim().split('\n');
  const order = deletes.map((m) => /delete Pod (web-\d)/.exec(m)?.[1]).filter(Boolean);
  assert.deepEqual(order.slice(-2), ['web-1', 'web-0'], `the update went from the highest ordinal down:\n${deletes.join('\n')}`);
  assert.equal((await ok(['get', 'pvc', '-o', 'name'])).trim().split('\n').length, 2, 'the same two claims');
  assert.equal((await ok(['exec', 'web-0', '--', 'cat', '/www/data'])).trim(), 'kept', 'the new web-0 has the old data');
});

test('bad input: a claim for a class that does not exist stays Pending with an event; an immutable StatefulSet field is refused', opts, async () => {
  writeFileSync(`${d.base}/pvc.yaml`, 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: nowhere}\nspec:\n  storageClassName: gold\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n');
  await ok(['apply', '-f', `${d.base}/pvc.yaml`]);
  await waitFor('the ProvisioningFailed event', async () => /storageclass\.storage\.k8s\.io "gold" not found/.test(await ok(['get', 'events', '--field-selector', 'involvedObject.name=nowhere'])));
  assert.equal(await jsonpath(['get', 'pvc', 'nowhere'], '{.status.phase}'), 'Pending');
  const r = await kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"serviceName":"other"}}']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy'/);
  assert.equal(await jsonpath(['get', 'sts', 'web'], '{.spec.serviceName}'), 'web', 'nothing stored');
  // Deleting the set and its claims removes the provisioned directories (reclaimPolicy Delete).
  await ok(['delete', 'sts', 'web']);
  await waitFor('pods gone', async () => (await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim() === '');
  await ok(['delete', 'pvc', 'www-web-0', 'www-web-1', 'nowhere']);
  await waitFor('the provisioned directories removed', async () => !existsSync(`${d.base}/data/storage`) || readdirSync(`${d.base}/data/storage`).length === 0);
  assert.equal((await ok(['get', 'pv', '-o', 'name'])).trim(), '', 'the provisioned volumes deleted');
});
