/**
 * Pods that talk to the API as their ServiceAccount (issue 13), with the real kubectl on both
 * sides: the host's kubectl binary is mounted into a busybox pod (hostPath), which finds the API
 * through KUBERNETES_SERVICE_HOST/PORT and its projected token, as client-go's in-cluster config
 * does. The token lists pods only once a RoleBinding grants it (upstream's 403 before), and
 * `kubectl auth can-i --as` agrees. Then the Kubernetes documentation's Service examples and the
 * pods that needed `KUBERNETES_*` or a service-account token (fixtures/services, its README), each
 * applied unchanged but for the image and as the docs walk through them. One daemon for the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from '../../src/core/types.js';
import { TestDaemon, allRunning } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';
import { haveKubectl, KUBECTL, kubectlFor, kubectlTestOptions } from './helpers/kubectl.js';

const opts = kubectlTestOptions('service account');
const FIXTURES = new URL('./fixtures/services/', import.meta.url).pathname;

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);

before(async () => {
  if (!haveKubectl) return;
  d = new TestDaemon();
  await d.start();
  await d.importBusybox();
});
after(async () => {
  if (d) await d.cleanup();
});

const lister = (kubectlBinary: string) => `apiVersion: v1
kind: ServiceAccount
metadata: {name: lister}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lister}
spec:
  serviceAccountName: lister
  terminationGracePeriodSeconds: 1
  volumes: [{name: kubectl, hostPath: {path: ${kubectlBinary}, type: File}}]
  containers:
  - name: c
    image: localhost/busybox:latest
    command: [sleep, '3600']
    volumeMounts: [{name: kubectl, mountPath: /bin/kubectl, readOnly: true}]
`;

test('a pod lists pods with its ServiceAccount token only once a RoleBinding grants it; 403 before', opts, async () => {
  await ok(['apply', '-f', '-'], { stdin: lister(realpathSync(KUBECTL)) });
  const pod = await d.waitForPod('lister', allRunning, 60_000);
  assert.equal(pod.spec?.serviceAccountName, 'lister');
  assert.ok(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')), 'the admission added the token volume');
  const env = await ok(['exec', 'lister', '--', 'env']);
  assert.match(env, /^KUBERNETES_SERVICE_HOST=10\.\d+\.\d+\.1$/m);
  assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
  assert.match(env, /^WEB_SERVICE_HOST=10\.\d+\.\d+\.\d+$/m, 'service links for the namespace');
  assert.equal((await ok(['exec', 'lister', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).trim(), 'default');
  assert.match(await ok(['exec', 'lister', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt']), /BEGIN CERTIFICATE/);
  const denied = await kubectl(['exec', 'lister', '--', 'kubectl', 'get', 'pods']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stdout + denied.stderr, /pods is forbidden: User "system:serviceaccount:default:lister" cannot list resource "pods" in API group "" in the namespace "default"/);
  assert.equal((await kubectl(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:lister'])).stdout.trim(), 'no');
  await ok(['create', 'rolebinding', 'lister-view', '--clusterrole=view', '--serviceaccount=default:lister']);
  assert.equal((await ok(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:lister'])).trim(), 'yes');
  assert.match(await ok(['exec', 'lister', '--', 'kubectl', 'get', 'pods']), /^lister\s+1\/1\s+Running/m);
  const secrets = await kubectl(['exec', 'lister', '--', 'kubectl', 'get', 'secrets']);
  assert.match(secrets.stdout + secrets.stderr, /secrets is forbidden/, 'view does not read secrets');
  assert.match(await ok(['exec', 'lister', '--', 'kubectl', 'auth', 'whoami']), /system:serviceaccount:default:lister/);
});

test('kubectl create token: a TokenRequest the API accepts until its service account is deleted', opts, async () => {
  await ok(['create', 'serviceaccount', 'robot']);
  const token = (await ok(['create', 'token', 'robot', '--duration=10m'])).trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const server = /server: (\S+)/.exec(await ok(['config', 'view', '--minify']))![1];
  const as = (args: string[]) => kubectl(['--kubeconfig=/dev/null', `--server=${server}`, '--insecure-skip-tls-verify', `--token=${token}`, ...args]);
  const who = await as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, 'system:serviceaccount:default:robot', who.stderr);
  assert.match((await as(['get', 'pods'])).stderr, /forbidden/);
  await ok(['delete', 'serviceaccount', 'robot']);
  assert.match((await as(['get', 'pods'])).stderr, /Unauthorized|You must be logged in to the server/, 'a 401 once the account is gone');
});

test('every namespace gets a default ServiceAccount and kube-root-ca.crt, the account made again when deleted; a pod naming a missing account is refused', opts, async () => {
  await ok(['create', 'namespace', 'team']);
  const uid = await waitFor('the default ServiceAccount in team', async () => {
    const r = await kubectl(['get', 'serviceaccount', 'default', '-n', 'team', '-o', 'jsonpath={.metadata.uid}']);
    return r.code === 0 && r.stdout !== '' ? r.stdout : undefined;
  }, 10_000);
  assert.match(await ok(['get', 'configmap', 'kube-root-ca.crt', '-n', 'team', '-o', 'jsonpath={.data.ca\\.crt}']), /BEGIN CERTIFICATE/);
  await ok(['delete', 'serviceaccount', 'default', '-n', 'team']);
  await waitFor('the default ServiceAccount made again', async () => {
    const r = await kubectl(['get', 'serviceaccount', 'default', '-n', 'team', '-o', 'jsonpath={.metadata.uid}']);
    return r.code === 0 && r.stdout !== '' && r.stdout !== uid ? true : undefined;
  }, 10_000);
  const refused = await kubectl(['run', 'ghost', '-n', 'team', '--image=localhost/busybox:latest', '--overrides={"spec":{"serviceAccountName":"nobody"}}', '--', 'sleep', '1']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /pods "ghost" is forbidden: error looking up service account team\/nobody: serviceaccount "nobody" not found/);
  assert.match((await kubectl(['get', 'pod', 'ghost', '-n', 'team'])).stderr, /NotFound/);
});

const apply = (file: string): Promise<string> => ok(['apply', '-f', `${FIXTURES}${file}`]);
const ready = (p: Pod): boolean => allRunning(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const re = (ip: string): string => ip.replace(/\./g, '\\.');

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (Date.now() < deadline) {
    const v = await get();
    if (v !== undefined) return v;
    await sleep(250);
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms\n${d.log()}`);
}

/** The ready pods with these labels once there are n of them (and no terminating ones among them). */
const readyPods = (selector: string, n: number): Promise<Pod[]> =>
  waitFor(`${n} ready pods ${selector}`, async () => {
    const pods = (await d.client.listPods('default', { labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
    return pods.length === n && pods.every(ready) ? pods : undefined;
  });

test('docs, pods/commands.yaml: HOSTNAME and KUBERNETES_PORT printed and the pod completes', opts, async () => {
  await apply('commands.yaml');
  await d.waitForPod('command-demo', (p) => p.status?.phase === 'Succeeded', 60_000);
  const kubernetes = JSON.parse(await ok(['get', 'svc', 'kubernetes', '-o', 'json']));
  assert.equal(await ok(['logs', 'command-demo']), `command-demo\ntcp://${kubernetes.spec.clusterIP}:443\n`);
});

test('docs, projected-service-account-token.yaml: a token for audience "api" expiring in an hour, which the API does not take', opts, async () => {
  await apply('projected-service-account-token.yaml');
  await d.waitForPod('sa-token-test', allRunning, 60_000);
  const token = (await ok(['exec', 'sa-token-test', '--', 'cat', '/service-account/token'])).trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { aud: string[]; exp: number; iat: number; sub: string };
  assert.deepEqual(claims.aud, ['api']);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(claims.sub, 'system:serviceaccount:default:default');
  const server = /server: (\S+)/.exec(await ok(['config', 'view', '--minify']))![1];
  const as = await kubectl(['--kubeconfig=/dev/null', `--server=${server}`, '--insecure-skip-tls-verify', `--token=${token}`, 'get', 'pods']);
  assert.match(as.stderr, /Unauthorized|You must be logged in to the server/, 'a token for another audience is not the API\'s');
});

test('docs, Connecting Applications with Services: my-nginx by its ClusterIP, its EndpointSlice, the variables after a rescale, and DNS', opts, async () => {
  await apply('run-my-nginx.yaml');
  const before = await readyPods('run=my-nginx', 2);
  await apply('nginx-svc.yaml');
  const svc = await ok(['get', 'svc', 'my-nginx']);
  const ip = JSON.parse(await ok(['get', 'svc', 'my-nginx', '-o', 'json'])).spec.clusterIP as string;
  assert.match(svc, new RegExp(`^my-nginx\\s+ClusterIP\\s+${re(ip)}\\s+<none>\\s+80/TCP\\s+`, 'm'));
  const podIPs = before.map((p) => p.status!.podIP!).sort();
  const slices = await waitFor('the EndpointSlice lists both pods', async () => {
    const out = await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=my-nginx']);
    return podIPs.every((a) => out.includes(a)) ? out : undefined;
  });
  assert.match(slices, /^my-nginx-\w+\s+IPv4\s+80\s+\S+/m);
  assert.match(await ok(['describe', 'svc', 'my-nginx']), new RegExp(`Endpoints:\\s+(${podIPs.map((a) => `${re(a)}:80`).join(',')}|${[...podIPs].reverse().map((a) => `${re(a)}:80`).join(',')})`));
  // Pods made before the Service have no variables for it; the docs rescale to get them.
  const env0 = await ok(['exec', before[0].metadata!.name!, '--', 'env']);
  assert.doesNotMatch(env0, /MY_NGINX_SERVICE_HOST/);
  assert.match(env0, /^KUBERNETES_SERVICE_HOST=/m);
  await ok(['scale', 'deployment', 'my-nginx', '--replicas=0']);
  await ok(['scale', 'deployment', 'my-nginx', '--replicas=2']);
  const after = await waitFor('two new ready my-nginx pods', async () => {
    const pods = await readyPods('run=my-nginx', 2).catch(() => []);
    return pods.some((p) => before.some((b) => b.metadata!.uid === p.metadata!.uid)) ? undefined : pods;
  });
  const env = await ok(['exec', after[0].metadata!.name!, '--', 'env']);
  assert.match(env, new RegExp(`^MY_NGINX_SERVICE_HOST=${re(ip)}$`, 'm'));
  assert.match(env, /^MY_NGINX_SERVICE_PORT=80$/m);
  assert.match(env, new RegExp(`^MY_NGINX_PORT=tcp://${re(ip)}:80$`, 'm'));
  assert.match(await ok(['get', 'services', 'kube-dns', '--namespace=kube-system']), /^kube-dns\s+ClusterIP\s+\S+\s+<none>\s+53\/UDP,53\/TCP(,9153\/TCP)?\s+/m);
  await d.waitForPod('sa-token-test', allRunning, 60_000);
  // busybox nslookup also tries the other search domains and exits 1 for their NXDOMAIN: the answer is what counts.
  assert.match((await kubectl(['exec', 'sa-token-test', '--', 'nslookup', 'my-nginx'])).stdout, new RegExp(`Name:\\s+my-nginx\\.default\\.svc\\.cluster\\.local\\nAddress: ${re(ip)}`));
  const names = new Set(after.map((p) => p.metadata!.name!));
  const seen = new Set<string>();
  for (let i = 0; i < 30 && seen.size < 2; i++) seen.add((await ok(['exec', 'sa-token-test', '--', 'wget', '-qO-', 'http://my-nginx'])).trim());
  assert.deepEqual(seen, names, 'both new backends answer through the Service');
});

test('docs, Connect a Frontend to a Backend: the hello Service by its named targetPort in front of three backends', opts, async () => {
  await apply('backend-deployment.yaml');
  await apply('backend-service.yaml');
  const pods = await readyPods('app.kubernetes.io/name=hello,tier=backend', 3);
  const ips = pods.map((p) => `${p.status!.podIP}:80`);
  const describe = await waitFor('describe service hello lists three endpoints', async () => {
    const out = await ok(['describe', 'service', 'hello']);
    return ips.every((a) => out.includes(a)) ? out : undefined;
  });
  assert.match(describe, /^TargetPort:\s+http\/TCP$/m);
  assert.match(describe, /^Selector:\s+app\.kubernetes\.io\/name=hello,tier=backend$/m);
  await d.waitForPod('sa-token-test', allRunning, 60_000);
  assert.equal((await ok(['exec', 'sa-token-test', '--', 'wget', '-qO-', 'http://hello'])).trim(), '{"message":"Hello"}');
});

test('docs, Service: a named targetPort on a lone pod; a Service without selector sending to its hand-made EndpointSlice', opts, async () => {
  await apply('service-named-port.yaml');
  await apply('service-without-selector.yaml');
  await d.waitForPod('nginx', ready, 60_000);
  await d.waitForPod('sa-token-test', allRunning, 60_000);
  const out = await waitFor('nginx-service answers', async () => {
    const r = await kubectl(['exec', 'sa-token-test', '--', 'timeout', '5', 'wget', '-qO-', 'http://nginx-service']);
    return r.code === 0 ? r.stdout : undefined;
  }, 20_000);
  assert.equal(out.trim(), 'proxy');
  // my-service's rules send to the two addresses the slice names, on 9376.
  const ip = JSON.parse(await ok(['get', 'svc', 'my-service', '-o', 'json'])).spec.clusterIP as string;
  assert.match(await ok(['get', 'endpointslice', 'my-service-1']), /^my-service-1\s+IPv4\s+9376\s+10\.4\.5\.6,10\.1\.2\.3\s+/m);
  await waitFor('the rules for my-service', async () => {
    const rules = execFileSync('nft', ['list', 'table', 'ip', d.layout.serviceRulesTable], { encoding: 'utf8' });
    return rules.includes(`${ip} . tcp . 80`) && rules.includes('10.4.5.6 . 9376') && rules.includes('10.1.2.3 . 9376') ? true : undefined;
  }, 10_000);
});
