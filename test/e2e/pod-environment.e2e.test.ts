/**
 * The container's environment and data volumes against a real daemon and runc (issue 4, items
 * 1–3; spec/pod-semantics.md §7–§8 and their §14 scenarios): ConfigMaps and Secrets as env and
 * volumes, the downward API, the atomic writer's layout and in-place updates, read-only mounts,
 * emptyDir sizeLimit, and a multi-document apply. Effects are read from inside the containers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Container, Pod } from '../../src/core/types.js';
import { useTestDaemon, allRunning, collect, peapodBin, podManifest } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const run = promisify(execFile);
const image = 'localhost/busybox:latest';
const d = useTestDaemon();

const sleeper = (extra: Partial<Container> = {}): Container => ({ name: 'main', image, command: ['sleep', '3600'], ...extra });

/** Runs `sh -c script` in the container; returns stdout, fails on a non-zero exit. */
async function sh(pod: string, script: string, container = 'main', namespace = 'default'): Promise<string> {
  const out = collect();
  const err = collect();
  const res = await d.client.exec(namespace, pod, { container, command: ['sh', '-c', script], stdout: out.stream, stderr: err.stream });
  assert.equal(res.exitCode, 0, `exec ${script} exited ${res.exitCode}: ${err.text()}`);
  return out.text();
}

/** The process's own environment as it was given at start (PID 1's /proc/1/environ). */
async function processEnv(pod: string, container = 'main'): Promise<Record<string, string>> {
  const text = await sh(pod, "tr '\\0' '\\n' < /proc/1/environ", container);
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

async function createConfigMap(name: string, data: Record<string, string>, namespace = 'default'): Promise<void> {
  await d.client.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data } as never);
}

function waitingReason(pod: Pod): { reason?: string; message?: string } | undefined {
  return pod.status?.containerStatuses?.[0]?.state?.waiting;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  timeoutMs = stretch(timeoutMs);
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms\n${d.log()}`);
}

describe('pod environment', { concurrency: 4 }, () => {
  test('§14.33 env expansion: later and image variables stay literal, $$ escapes, no re-expansion', async () => {
    await d.client.createPod(
      'default',
      podManifest('expand', {
        containers: [
          {
            name: 'main',
            image,
            command: ['sh', '-c', 'printf "%s\\n" "$0"; sleep 3600', '$(B)'],
            env: [
              { name: 'A', value: 'x' },
              { name: 'B', value: '$(A)-$(C)-$$(A)-$(PATH)' },
              { name: 'C', value: 'z' },
            ],
          },
        ],
      }),
    );
    await d.waitForPod('expand', allRunning);
    assert.equal((await processEnv('expand')).B, 'x-$(C)-$(A)-$(PATH)');
    await eventually('the command printed', async () => (await d.logs('expand', 'main')).includes('x-$(C)-$(A)-$(PATH)\n'), 5000);
  });

  test('§14.34 missing ConfigMap: CreateContainerConfigError, then Running once it exists; optional starts at once', async () => {
    const cm = `cm1-${Math.random().toString(36).slice(2, 7)}`;
    await d.client.createPod(
      'default',
      podManifest('missing-cm', { containers: [sleeper({ env: [{ name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: cm, key: 'k' } } }] })] }),
    );
    await d.client.createPod(
      'default',
      podManifest('optional-cm', {
        containers: [sleeper({ env: [{ name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: `${cm}-absent`, key: 'k', optional: true } } }, { name: 'OTHER', value: 'o' }] })],
      }),
    );
    const waiting = await d.waitForPod('missing-cm', (p) => waitingReason(p)?.reason === 'CreateContainerConfigError');
    assert.equal(waitingReason(waiting)?.message, `configmap "${cm}" not found`);
    assert.equal(waiting.status?.phase, 'Pending');

    const optional = await d.waitForPod('optional-cm', allRunning);
    assert.equal(optional.status!.containerStatuses![0].restartCount, 0);
    const optEnv = await processEnv('optional-cm');
    assert.equal(optEnv.OTHER, 'o');
    assert.ok(!('FROM_CM' in optEnv), 'an optional missing reference leaves the variable out');

    await createConfigMap(cm, { k: 'value-from-cm' });
    const t0 = Date.now();
    await d.waitForPod('missing-cm', allRunning, 15_000);
    assert.ok(Date.now() - t0 <= stretch(15_000));
    assert.equal((await processEnv('missing-cm')).FROM_CM, 'value-from-cm');
  });

  test('§14.35 envFrom precedence: env beats envFrom with prefix, a later source beats an earlier one; secrets decoded', async () => {
    await createConfigMap('env-a', { K: '1', SHARED: 'from-a', '1-dotted.key': 'kept' });
    await createConfigMap('env-b', { SHARED: 'from-b' });
    await d.client.createObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'env-s', namespace: 'default' }, stringData: { PASSWORD: 'hunter2' } } as never);
    await d.client.createPod(
      'default',
      podManifest('envfrom', {
        containers: [
          sleeper({
            envFrom: [{ configMapRef: { name: 'env-a' }, prefix: 'P_' }, { configMapRef: { name: 'env-a' } }, { configMapRef: { name: 'env-b' } }, { secretRef: { name: 'env-s' } }],
            env: [
              { name: 'P_K', value: '2' },
              { name: 'S', valueFrom: { secretKeyRef: { name: 'env-s', key: 'PASSWORD' } } },
            ],
          }),
        ],
      }),
    );
    await d.waitForPod('envfrom', allRunning);
    const env = await processEnv('envfrom');
    assert.equal(env.P_K, '2');
    assert.equal(env.K, '1');
    assert.equal(env.SHARED, 'from-b');
    assert.equal(env.PASSWORD, 'hunter2');
    assert.equal(env.S, 'hunter2');
    // Relaxed variable names (any printable ASCII but '='): a config key is always a valid name.
    assert.equal(env['1-dotted.key'], 'kept');
  });

  test('§14.36 downward API: env from metadata, podIP and resources; labels volume file', async () => {
    const pod = podManifest('downward', {
      volumes: [
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'cpu_limit_m', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
            ],
          },
        },
      ],
      containers: [
        sleeper({
          resources: { limits: { cpu: '250m' } },
          volumeMounts: [{ name: 'info', mountPath: '/etc/podinfo' }],
          env: [
            { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'MY_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'MY_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['a']" } } },
            { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'MY_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
          ],
        }),
      ],
    });
    pod.metadata!.labels = { b: '2', a: '1' };
    await d.client.createPod('default', pod);
    const running = await d.waitForPod('downward', (p) => allRunning(p) && !!p.status?.podIP);
    const env = await processEnv('downward');
    assert.equal(env.MY_NAME, 'downward');
    assert.equal(env.MY_NS, 'default');
    assert.equal(env.MY_UID, running.metadata!.uid);
    assert.equal(env.MY_LABEL, '1');
    assert.equal(env.MY_NODE, running.spec!.nodeName);
    assert.equal(env.MY_IP, running.status!.podIP);
    assert.equal(env.MY_HOST_IP, running.status!.hostIP);
    assert.equal(env.CPU, '1');
    assert.equal(env.CPU_M, '250');
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(await sh('downward', 'cat /proc/meminfo'))![1]) * 1024;
    assert.ok(Math.abs(Number(env.MEM) - memTotal) < 64 * 1024 * 1024, `limits.memory unset reports the node's memory (${env.MEM} vs ${memTotal})`);
    assert.equal(await sh('downward', 'cat /etc/podinfo/labels'), 'a="1"\nb="2"');
    assert.equal(await sh('downward', 'cat /etc/podinfo/cpu_limit_m'), '250');
  });

  test('§14.38 atomic writer layout, modes, read-only mount; an update reaches the file in place, not the subPath mount', async () => {
    await createConfigMap('layout', { 'app.conf': 'v1', secret: 'x' });
    await d.client.createPod(
      'default',
      podManifest('layout', {
        volumes: [
          { name: 'cfg', configMap: { name: 'layout', items: [{ key: 'app.conf', path: 'app.conf' }, { key: 'secret', path: 'private', mode: 0o400 }] } },
          { name: 'whole', configMap: { name: 'layout' } },
        ],
        containers: [
          sleeper({
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'whole', mountPath: '/etc/app.conf', subPath: 'app.conf' },
            ],
          }),
        ],
      }),
    );
    const before = await d.waitForPod('layout', allRunning);
    const dataTarget = (await sh('layout', 'readlink /etc/cfg/..data')).trim();
    assert.match(dataTarget, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
    assert.equal((await sh('layout', 'readlink /etc/cfg/app.conf')).trim(), '..data/app.conf');
    assert.equal((await sh('layout', 'readlink /etc/cfg/private')).trim(), '..data/private');
    assert.equal((await sh('layout', 'stat -L -c %a /etc/cfg/app.conf')).trim(), '644');
    assert.equal((await sh('layout', 'stat -L -c %a /etc/cfg/private')).trim(), '400');
    assert.equal(await sh('layout', 'cat /etc/cfg/app.conf'), 'v1');
    assert.match(await sh('layout', 'touch /etc/cfg/new 2>&1; echo rc=$?'), /Read-only file system[\s\S]*rc=1/);
    assert.equal(await sh('layout', 'cat /etc/app.conf'), 'v1');

    const stored = await d.client.getObject<{ data: Record<string, string> } & Pod>('v1', 'ConfigMap', 'default', 'layout');
    await d.client.updateObject({ ...stored, data: { ...stored.data, 'app.conf': 'v2' } });
    const took = await eventually('the mounted file to change', async () => (await sh('layout', 'cat /etc/cfg/app.conf')) === 'v2', 10_000);
    assert.ok(took <= stretch(10_000));
    assert.notEqual((await sh('layout', 'readlink /etc/cfg/..data')).trim(), dataTarget, '..data points to a new directory');
    assert.equal((await sh('layout', 'ls -a /etc/cfg | grep -c "^\\.\\.[0-9]"')).trim(), '1', 'the old timestamped directory is gone');
    assert.equal(await sh('layout', 'cat /etc/app.conf'), 'v1', 'a subPath mount never updates');
    const afterUpdate = await d.client.getPod('default', 'layout');
    assert.equal(afterUpdate.status!.containerStatuses![0].restartCount, 0);
    assert.equal(afterUpdate.status!.containerStatuses![0].containerID, before.status!.containerStatuses![0].containerID);
  });

  test('secret and projected volumes: tmpfs-backed, defaultMode, projected sources combined', async () => {
    await d.client.createObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vol-s', namespace: 'default' }, stringData: { token: 't0k3n' } } as never);
    await createConfigMap('vol-cm', { setting: 'on' });
    const pod = podManifest('secretvol', {
      volumes: [
        { name: 'sec', secret: { secretName: 'vol-s', defaultMode: 0o400 } },
        {
          name: 'all',
          projected: {
            sources: [
              { secret: { name: 'vol-s', items: [{ key: 'token', path: 'creds/token' }] } },
              { configMap: { name: 'vol-cm' } },
              { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
            ],
          },
        },
      ],
      containers: [sleeper({ volumeMounts: [{ name: 'sec', mountPath: '/run/sec' }, { name: 'all', mountPath: '/run/all' }] })],
    });
    await d.client.createPod('default', pod);
    const running = await d.waitForPod('secretvol', allRunning);
    assert.equal(await sh('secretvol', 'cat /run/sec/token'), 't0k3n');
    assert.equal((await sh('secretvol', 'stat -L -c %a /run/sec/token')).trim(), '400');
    assert.equal(await sh('secretvol', 'cat /run/all/creds/token /run/all/setting /run/all/name'), 't0k3nonsecretvol');
    // On the host, the secret's directory is a tmpfs: its content never touches the node's disk.
    const hostDir = `${d.layout.podDir(running.metadata!.uid!)}/volumes/kubernetes.io~secret/sec`;
    const { stdout } = await run('findmnt', ['-n', '-o', 'FSTYPE', hostDir]);
    assert.equal(stdout.trim(), 'tmpfs');
  });

  test('§14.40 emptyDir: disk-backed 0777; medium Memory with sizeLimit 64Mi is a 64 MiB tmpfs', async () => {
    await d.client.createPod(
      'default',
      podManifest('emptydir', {
        volumes: [
          { name: 'disk', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        ],
        containers: [sleeper({ volumeMounts: [{ name: 'disk', mountPath: '/disk' }, { name: 'mem', mountPath: '/mem' }] })],
      }),
    );
    await d.waitForPod('emptydir', allRunning);
    assert.equal((await sh('emptydir', 'stat -c %a /disk')).trim(), '777');
    const mounts = await sh('emptydir', 'cat /proc/mounts');
    const mem = mounts.split('\n').find((l) => l.split(' ')[1] === '/mem');
    assert.ok(mem, `/mem is a mount:\n${mounts}`);
    assert.match(mem, /^\S+ \/mem tmpfs .*size=65536k/);
  });

  test('apply -f with a ConfigMap, a Secret and a Pod in one manifest; get cm and secrets', async () => {
    const manifest = `${d.base}/bundle.yaml`;
    writeFileSync(
      manifest,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: bundle-cm}
data: {GREETING: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: bundle-s}
stringData: {TOKEN: abc}
---
apiVersion: v1
kind: Pod
metadata: {name: bundle}
spec:
  containers:
  - name: main
    image: ${image}
    command: [sleep, "3600"]
    envFrom: [{configMapRef: {name: bundle-cm}}, {secretRef: {name: bundle-s}}]
`,
    );
    const env = { ...process.env, PEAPOD_SOCKET: d.socket };
    const applied = await run(peapodBin, ['apply', '-f', manifest], { env });
    assert.equal(applied.stdout, 'configmap/bundle-cm created\nsecret/bundle-s created\npod/bundle created\n');
    await d.waitForPod('bundle', allRunning);
    const penv = await processEnv('bundle');
    assert.deepEqual([penv.GREETING, penv.TOKEN], ['hello', 'abc']);
    const again = await run(peapodBin, ['apply', '-f', manifest], { env });
    assert.equal(again.stdout, 'configmap/bundle-cm unchanged\nsecret/bundle-s unchanged\npod/bundle unchanged\n');
    const cms = await run(peapodBin, ['get', 'cm', 'bundle-cm'], { env });
    assert.match(cms.stdout, /^NAME\s+DATA\s+AGE\nbundle-cm\s+1\s+\S+\n$/);
    const secrets = await run(peapodBin, ['get', 'secrets', 'bundle-s'], { env });
    assert.match(secrets.stdout, /^NAME\s+TYPE\s+DATA\s+AGE\nbundle-s\s+Opaque\s+1\s+\S+\n$/);
  });

  test('§14.37 command/args against the image ENTRYPOINT ["echo","E"] and CMD ["C"]', async () => {
    await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'entry:1', changes: ['ENV PATH=/bin', 'ENTRYPOINT ["echo","E"]', 'CMD ["C"]'] });
    const cases: Array<[string, Partial<Container>, string]> = [
      ['cmd-none', {}, 'E C'],
      ['cmd-args', { args: ['A'] }, 'E A'],
      ['cmd-command', { command: ['echo', 'X'] }, 'X'],
      ['cmd-both', { command: ['echo', 'X'], args: ['A'] }, 'X A'],
    ];
    await Promise.all(cases.map(([name, c]) => d.client.createPod('default', podManifest(name, { restartPolicy: 'Never', containers: [{ name: 'c', image: 'localhost/entry:1', ...c }] }))));
    for (const [name, , out] of cases) {
      await d.waitForPod(name, (p) => p.status?.phase === 'Succeeded');
      assert.equal(await d.logs(name, 'c'), `${out}\n`, name);
      await d.client.deletePod('default', name, { gracePeriodSeconds: 0 });
    }
  });

  test('§14.41 hostPath type Directory on a missing path: ContainerCreating and FailedMount; DirectoryOrCreate makes it 0755', async () => {
    const missing = `${d.base}/not-there-${Date.now()}`;
    const created = `${d.base}/made-${Date.now()}`;
    await d.client.createPod('default', podManifest('hp-missing', { volumes: [{ name: 'h', hostPath: { path: missing, type: 'Directory' } }], containers: [{ name: 'c', image, command: ['sleep', '3600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }] }));
    await d.client.createPod('default', podManifest('hp-create', { volumes: [{ name: 'h', hostPath: { path: created, type: 'DirectoryOrCreate' } }], containers: [{ name: 'c', image, command: ['sleep', '3600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }] }));
    await d.waitForPod('hp-create', allRunning);
    const { statSync } = await import('node:fs');
    assert.equal(statSync(created).mode & 0o777, 0o755);
    const deadline = Date.now() + stretch(15_000);
    let failedMount: string | undefined;
    while (Date.now() < deadline && !failedMount) {
      const p = await d.client.getPod('default', 'hp-missing');
      const evs = (await d.client.listEvents('default', { fieldSelector: `involvedObject.uid=${p.metadata!.uid}` })).items;
      failedMount = evs.find((e) => e.reason === 'FailedMount')?.message;
      if (!failedMount) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(failedMount, `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${missing} is not a directory`);
    const p = await d.client.getPod('default', 'hp-missing');
    assert.equal(p.status!.containerStatuses?.[0]?.state?.waiting?.reason ?? 'ContainerCreating', 'ContainerCreating');
    assert.equal(p.status!.phase, 'Pending');
    for (const name of ['hp-missing', 'hp-create']) await d.client.deletePod('default', name, { gracePeriodSeconds: 0 });
  });
});
