/**
 * kubectl-surface.md §5 with the real kubectl (1.32 via the Google Cloud SDK dispatcher) over
 * HTTPS with the admin kubeconfig, against a real daemon and local busybox images. Every
 * command runs with an empty discovery cache, so discovery and OpenAPI are exercised each time.
 * On a machine without kubectl these tests say so loudly and skip.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TestDaemon, allRunning } from './helpers/test-daemon.js';
import { readKubeconfig } from './helpers/https-api.js';
import { stretch } from './helpers/time-factor.js';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) process.stderr.write('\n*** NO KUBECTL at /usr/bin/kubectl: the kubectl e2e tests are SKIPPED ***\n\n');
const opts = { skip: haveKubectl ? false : 'kubectl is not installed on this machine' };

let d: TestDaemon;
let cacheN = 0;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], o: { stdin?: string; timeoutMs?: number; bin?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin ?? KUBECTL, args, {
      env: { ...process.env, KUBECONFIG: d.kubeconfigPath, KUBECACHEDIR: `${d.base}/kcache-${cacheN++}`, HOME: `${d.base}/home`, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), stretch(o.timeoutMs ?? 60_000));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : -1), stdout, stderr });
    });
    child.stdin.end(o.stdin ?? '');
  });
}

async function ok(args: string[], o: Parameters<typeof kubectl>[1] = {}): Promise<string> {
  const r = await kubectl(args, o);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}\n--- daemon log:\n${d.log()}`);
  return r.stdout;
}

const podYaml = (image: string, extraLabels = '') => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web${extraLabels}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: nginx
    image: ${image}
    command: ["sh", "-c", "echo started; echo second; echo third; trap 'exit 0' TERM; while true; do sleep 1; done"]
    ports:
    - containerPort: 80
`;

const pod2cYaml = `apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: localhost/busybox:latest
    command: ["sh", "-c", "echo from-a; trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: b
    image: localhost/busybox:latest
    command: ["sh", "-c", "echo from-b; trap 'exit 0' TERM; while true; do sleep 1; done"]
`;

let dir: string;
before(async () => {
  if (!haveKubectl) return;
  d = new TestDaemon();
  await d.start();
  await readKubeconfig(d.kubeconfigPath);
  await d.importBusybox();
  await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'busybox:v2', changes: ['ENV PATH=/bin', 'CMD ["sh"]'] });
  dir = d.base;
  writeFileSync(`${dir}/pod.yaml`, podYaml('localhost/busybox:latest'));
  writeFileSync(`${dir}/pod-v2.yaml`, podYaml('localhost/busybox:v2', '\n    tier: front'));
  writeFileSync(`${dir}/pod2c.yaml`, pod2cYaml);
});
after(async () => {
  await d?.cleanup();
});

test('version, api-resources', opts, async () => {
  assert.match(await ok(['version']), /Server Version: v1\.32/);
  const res = await ok(['api-resources']);
  assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  assert.match(res, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  assert.match(res, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
  assert.match(res, /^events\s+ev\s+v1\s+true\s+Event$/m);
  assert.match(await ok(['api-resources', '--categories=all']), /^pods\s+po/m);
});

test('create, AlreadyExists, get (table, wide, name, yaml, json, labels, selectors, sort)', opts, async () => {
  assert.match(await ok(['create', '-f', `${dir}/pod.yaml`]), /pod\/web created/);
  const again = await kubectl(['create', '-f', `${dir}/pod.yaml`]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Error from server \(AlreadyExists\).*pods "web" already exists/);
  await d.waitForPod('web', allRunning);
  assert.match(await ok(['get', 'pods']), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+1\/1\s+Running\s+0\s+\d+s\n$/);
  assert.match(await ok(['get', 'pods', '-o', 'wide']), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\nweb\s+1\/1\s+Running\s+0\s+\S+\s+10\.\d+\.\d+\.\d+\s+\S+\s+<none>\s+<none>/);
  assert.match(await ok(['get', 'pod', 'web']), /^web\s+1\/1\s+Running/m);
  const nope = await kubectl(['get', 'pod', 'nope']);
  assert.equal(nope.code, 1);
  assert.match(nope.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  assert.match(await ok(['get', 'pods', '-o', 'yaml']), /name: web[\s\S]*kind: List/);
  assert.equal(JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])).metadata.name, 'web');
  assert.match(await ok(['get', 'pods', '-A']), /^NAMESPACE\s+NAME\s+READY[\s\S]*^default\s+web\s+1\/1/m);
  assert.match(await ok(['get', 'pods', '--show-labels']), /^web\s.*app=web$/m);
  assert.match(await ok(['get', 'pods', '-L', 'app']), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+APP\nweb\s.*\sweb$/m);
  assert.match(await ok(['get', 'pods', '-l', 'app=web']), /^web\s/m);
  assert.match(await kubectl(['get', 'pods', '-l', 'app=other']).then((r) => r.stderr), /No resources found in default namespace/);
  assert.match(await ok(['get', 'pods', '--field-selector', 'status.phase=Running']), /^web\s/m);
  assert.match(await ok(['get', 'pods', '--sort-by=.metadata.name']), /^web\s/m);
  assert.equal(await ok(['get', 'pods', '-o', 'name']), 'pod/web\n');
});

test('wait, describe, logs', opts, async () => {
  assert.match(await ok(['wait', '--for=condition=Ready', 'pod/web', `--timeout=${stretch(30)}s`]), /pod\/web condition met/);
  const desc = await ok(['describe', 'pod', 'web']);
  assert.match(desc, /^Name:\s+web$/m);
  assert.match(desc, /^Status:\s+Running$/m);
  assert.match(desc, /^Events:[\s\S]*Normal\s+Scheduled\s[\s\S]*Normal\s+Pulled\s[\s\S]*Normal\s+Created\s[\s\S]*Normal\s+Started\s/m);
  assert.equal(await ok(['logs', 'web']), 'started\nsecond\nthird\n');
  assert.match(await ok(['logs', 'web', '-c', 'nginx', '--tail', '2', '--timestamps']), /^\d{4}-\d\d-\d\dT\S+ second\n\S+ third\n$/);
  const prev = await kubectl(['logs', 'web', '--previous']);
  assert.equal(prev.code, 1);
  assert.match(prev.stderr, /BadRequest|previous terminated container/);
  const follow = await kubectl(['logs', '-f', 'web'], { timeoutMs: 3000 });
  assert.match(follow.stdout, /started\nsecond\nthird\n/);
});

test('exec over WebSocket: output, exit code, stdin', opts, async () => {
  assert.equal(await ok(['exec', 'web', '--', 'echo', 'hi']), 'hi\n');
  const fail = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(fail.code, 3);
  assert.equal(fail.stdout, 'out\n');
  assert.match(fail.stderr, /err\n[\s\S]*command terminated with exit code 3/);
  assert.equal(await ok(['exec', '-i', 'web', '--', 'cat'], { stdin: 'piped\n' }), 'piped\n');
});

test('get events, configmaps, secrets, namespaces, get all', opts, async () => {
  assert.match(await ok(['create', 'configmap', 'cfg', '--from-literal=a=b']), /configmap\/cfg created/);
  assert.match(await ok(['create', 'secret', 'generic', 'sec', '--from-literal=pw=s3cret']), /secret\/sec created/);
  const sec = await ok(['get', 'secret', 'sec', '-o', 'yaml']);
  assert.match(sec, /type: Opaque/);
  assert.match(sec, new RegExp(`pw: ${Buffer.from('s3cret').toString('base64')}`));
  assert.match(await ok(['create', 'namespace', 'foo']), /namespace\/foo created/);
  assert.match(await ok(['get', 'ns']), /^foo\s+Active\s/m);
  const cms = await ok(['get', 'cm,secret']);
  assert.match(cms, /^configmap\/cfg\s+1\s/m);
  assert.match(cms, /^secret\/sec\s+Opaque\s+1\s/m);
  // With pods the only kind in category all, kubectl prints no kind prefix.
  assert.match(await ok(['get', 'all']), /^(pod\/)?web\s+1\/1\s+Running/m);
  const ev = await kubectl(['get', 'events']);
  assert.equal(ev.code, 0, ev.stderr);
});

test('delete waits until the pod is gone; apply create/unchanged/configured/server-side; dry runs', opts, async () => {
  assert.match(await ok(['delete', 'pod', 'web']), /pod "web" deleted/);
  assert.equal((await d.client.getPod('default', 'web').catch(() => undefined)), undefined);
  assert.match(await ok(['apply', '-f', `${dir}/pod.yaml`]), /pod\/web created/);
  assert.match(await ok(['apply', '-f', `${dir}/pod.yaml`]), /pod\/web unchanged/);
  assert.match(await ok(['apply', '-f', `${dir}/pod-v2.yaml`]), /pod\/web configured/);
  let pod = await d.client.getPod('default', 'web');
  assert.equal(pod.spec!.containers[0].image, 'localhost/busybox:v2');
  assert.equal(pod.metadata?.labels?.tier, 'front');
  assert.equal(pod.spec!.containers[0].ports?.[0].containerPort, 80, 'strategic merge kept the container fields');
  assert.match(await ok(['apply', '--server-side', '-f', `${dir}/pod-v2.yaml`]), /pod\/web serverside-applied/);
  assert.match(await ok(['apply', '--server-side', '--force-conflicts', '-f', `${dir}/pod.yaml`]), /pod\/web serverside-applied/);
  pod = await d.client.getPod('default', 'web');
  assert.equal(pod.spec!.containers[0].image, 'localhost/busybox:latest');
  assert.match(await ok(['apply', '-f', `${dir}/pod-v2.yaml`, '--dry-run=server']), /pod\/web configured \(server dry run\)/);
  assert.equal((await d.client.getPod("default", "web")).spec!.containers[0].image, 'localhost/busybox:latest');
  assert.equal(await ok(['create', '-f', `${dir}/pod2c.yaml`, '--dry-run=server', '-o', 'name']), 'pod/two\n');
  assert.equal(await d.client.getPod('default', 'two').catch(() => undefined), undefined);
  assert.match(await ok(['delete', 'pod', 'web', '--dry-run=server']), /pod "web" deleted \(server dry run\)/);
  assert.ok(await d.client.getPod('default', 'web'));
  assert.match(await ok(['delete', 'pod', 'web', '--grace-period=5']), /pod "web" deleted/);
  assert.equal(await d.client.getPod('default', 'web').catch(() => undefined), undefined);
});

test('delete --now --wait=false, wait --for=delete, --force; multi-container logs and exec', opts, async () => {
  await ok(['create', '-f', `${dir}/pod.yaml`]);
  await ok(['delete', 'pod', 'web', '--now', '--wait=false']);
  assert.match(await ok(['wait', '--for=delete', 'pod/web', `--timeout=${stretch(30)}s`]), /condition met|deleted/);
  await ok(['create', '-f', `${dir}/pod.yaml`]);
  const force = await kubectl(['delete', 'pod', 'web', '--grace-period=0', '--force']);
  assert.equal(force.code, 0, force.stderr);
  assert.match(force.stdout, /pod "web" force deleted/);
  await ok(['create', '-f', `${dir}/pod2c.yaml`]);
  await d.waitForPod('two', allRunning);
  const logs = await kubectl(['logs', 'two']);
  assert.equal(logs.stdout, 'from-a\n');
  assert.match(logs.stderr, /Defaulted container "a" out of: a, b/);
  // kubectl may fetch the containers' logs side by side: both, in either order.
  assert.deepEqual((await ok(['logs', 'two', '--all-containers'])).trim().split('\n').sort(), ['from-a', 'from-b']);
  assert.equal(await ok(['exec', 'two', '-c', 'b', '--', 'echo', 'hi']), 'hi\n');
  writeFileSync(`${dir}/local.txt`, 'copied both ways\n');
  await ok(['cp', `${dir}/local.txt`, 'two:/tmp/dst.txt', '-c', 'a']);
  assert.equal(await ok(['exec', 'two', '-c', 'a', '--', 'cat', '/tmp/dst.txt']), 'copied both ways\n');
  await ok(['cp', 'two:/tmp/dst.txt', `${dir}/back.txt`, '-c', 'a']);
  assert.equal(readFileSync(`${dir}/back.txt`, 'utf8'), 'copied both ways\n');
  await ok(['delete', 'pod', 'two', '--now']);
});

test('strict field validation and bad input over kubectl', opts, async () => {
  writeFileSync(`${dir}/bad.yaml`, podYaml('localhost/busybox:latest').replace('  containers:', '  bogusField: 1\n  containers:'));
  const bad = await kubectl(['create', '-f', `${dir}/bad.yaml`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown field "spec\.bogusField"/);
  assert.equal(await d.client.getPod('default', 'web').catch(() => undefined), undefined);
  const loose = await kubectl(['create', '-f', `${dir}/bad.yaml`, '--validate=false']);
  assert.equal(loose.code, 0, loose.stderr);
  await ok(['delete', 'pod', 'web', '--now']);
  // A kind the server does not serve, in a group version it does: kubectl validates it against
  // /openapi/v2 (protobuf), finds no schema, and reports the real problem.
  writeFileSync(`${dir}/frob.yaml`, 'apiVersion: v1\nkind: Frob\nmetadata:\n  name: f\n');
  const frob = await kubectl(['apply', '-f', `${dir}/frob.yaml`]);
  assert.equal(frob.code, 1);
  assert.match(frob.stderr, /no matches for kind "Frob" in version "v1"/);
  assert.doesNotMatch(frob.stderr, /could not find the requested resource|error validating/);
});

test('get -w: a row for each change of the pod, from Pending to Running to Terminating', opts, async () => {
  // -v=6 logs each request: the watch request shows when kubectl is ready for events.
  const child = spawn(KUBECTL, ['get', 'pods', '-w', '-l', 'app=watched', '-v=6'], {
    env: { ...process.env, KUBECONFIG: d.kubeconfigPath, KUBECACHEDIR: `${d.base}/kcache-${cacheN++}`, HOME: `${d.base}/home` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const until = async (re: RegExp, what: string): Promise<void> => {
    const deadline = Date.now() + stretch(30_000);
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`kubectl get -w never showed ${what}; it printed:\n${out}`);
      if (child.exitCode !== null) throw new Error(`kubectl get -w exited (${child.exitCode}):\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    // The initial (empty) list comes first, then the watch.
    await until(/GET https:\S+watch=true\S* 200 OK/, 'the watch request');
    writeFileSync(`${dir}/watched.yaml`, podYaml('localhost/busybox:latest').replace('name: web', 'name: watched').replace('app: web', 'app: watched'));
    await ok(['create', '-f', `${dir}/watched.yaml`]);
    await until(/^watched\s+1\/1\s+Running\s+0\s/m, 'the pod Running');
    const rows = out.split('\n').filter((l) => /^watched\s/.test(l));
    assert.ok(rows.length >= 2, `a row before Running too:\n${out}`);
    assert.match(rows[0], /^watched\s+0\/1\s+(Pending|ContainerCreating)\s/);
    await ok(['delete', 'pod', 'watched', '--wait=false']);
    await until(/^watched\s+\S+\s+(Terminating|Completed|Error)\s/m, 'the pod terminating');
  } finally {
    child.kill('SIGTERM');
  }
  await d.waitForPodGone('watched');
});

const richPod = (image: string, extraLabels = '') => `apiVersion: v1
kind: Pod
metadata:
  name: rich
  labels:
    app: rich${extraLabels}
spec:
  terminationGracePeriodSeconds: 1
  # No injected token volume: kubectl's patch would carry $setElementOrder for the lists the
  # live pod has more items in, and call an unchanged pod "configured" (as on a cluster).
  automountServiceAccountToken: false
  volumes:
  - name: scratch
    emptyDir: {}
  containers:
  - name: main
    image: ${image}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    env:
    - name: A
      value: "1"
    - name: B
      value: "2"
    ports:
    - containerPort: 80
      protocol: TCP
    resources:
      limits:
        memory: 64Mi
    readinessProbe:
      exec:
        command: ["true"]
      periodSeconds: 5
    volumeMounts:
    - name: scratch
      mountPath: /scratch
`;

test('explain from the served OpenAPI v3 schemas; client-side apply builds its patch from them', opts, async () => {
  const image = await ok(['explain', 'pod.spec.containers.image']);
  assert.match(image, /^FIELD: image <string>$/m);
  assert.match(image, /Container image reference to run/);
  const pods = await ok(['explain', 'pods']);
  assert.match(pods, /^KIND:\s+Pod$/m);
  assert.match(pods, /^VERSION:\s+v1$/m);
  assert.match(pods, /^FIELDS:\n[\s\S]*^ {2}spec\t<PodSpec>$/m);
  assert.match(await ok(['explain', 'pod.spec']), /^ {2}containers\t<\[\]Container> -required-$/m);
  const recursive = await ok(['explain', 'pod.spec.containers', '--recursive']);
  assert.match(recursive, /^ {2}livenessProbe\t<Probe>$/m);
  assert.match(recursive, /^ {4}httpGet\t<HTTPGetAction>$/m);
  assert.match(recursive, /^ {6}port\t<IntOrString> -required-$/m);
  assert.match(await ok(['explain', 'configmap.data']), /^FIELD: data <map\[string\]string>$/m);
  const nope = await kubectl(['explain', 'pod.spec.nope']);
  assert.equal(nope.code, 1);
  assert.match(nope.stderr, /field "nope" does not exist/);

  // kubectl walks the schemas along every list and map the manifest shares with the live pod
  // (env, ports, mounts, probe, limits); a field it cannot find makes it warn and fall back.
  writeFileSync(`${dir}/rich.yaml`, richPod('localhost/busybox:latest'));
  writeFileSync(`${dir}/rich-v2.yaml`, richPod('localhost/busybox:v2', '\n    tier: front'));
  for (const [file, want] of [['rich.yaml', 'created'], ['rich.yaml', 'unchanged'], ['rich-v2.yaml', 'configured']]) {
    const r = await kubectl(['apply', '-f', `${dir}/${file}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`pod/rich ${want}`));
    assert.doesNotMatch(r.stderr, /warning|openapi/i);
  }
  const pod = await d.client.getPod('default', 'rich');
  assert.equal(pod.spec!.containers[0].image, 'localhost/busybox:v2');
  assert.equal(pod.metadata?.labels?.tier, 'front');
  assert.deepEqual(pod.spec!.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  assert.equal(pod.spec!.containers[0].volumeMounts?.[0].mountPath, '/scratch');
  await ok(['delete', 'pod', 'rich', '--now']);
});

test('auth can-i, can-i --list, whoami: the admin may do everything', opts, async () => {
  assert.equal((await ok(['auth', 'can-i', 'delete', 'pods'])).trim(), 'yes');
  assert.equal((await ok(['auth', 'can-i', 'create', 'secrets', '-n', 'kube-system'])).trim(), 'yes');
  assert.match(await ok(['auth', 'can-i', '--list']), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
  assert.match(await ok(['auth', 'whoami']), /Username\s+peapod-admin[\s\S]*Groups\s+\[system:masters system:authenticated\]/);
});
