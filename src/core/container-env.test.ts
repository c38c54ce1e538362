import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { containerEnvironment } from './container-process.js';
import { ContainerConfigError, formatMap, resolveContainerEnv, type ConfigSource, type EnvContext } from './container-env.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function source(cms: ConfigMap[] = [], secrets: Secret[] = []): ConfigSource {
  return {
    getConfigMap: (ns, name) => cms.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    getSecret: (ns, name) => secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
  };
}

const cm = (name: string, data: Record<string, string>): ConfigMap => ({ metadata: { name, namespace: 'ns1' }, data });
const secret = (name: string, data: Record<string, string>): Secret => ({
  metadata: { name, namespace: 'ns1' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

function pod(containers: Container[]): Pod {
  return {
    metadata: { name: 'p1', namespace: 'ns1', uid: 'u-1', labels: { b: '2', a: '1' }, annotations: { note: 'x"y' } },
    spec: { nodeName: 'node1', serviceAccountName: 'sa1', containers },
  };
}

function ctx(p: Pod, configs = source()): EnvContext {
  return { pod: p, configs, allocatable: { cpuMillis: 2000, memoryBytes: 4_000_000_000, ephemeralStorageBytes: 10_000_000_000 }, podIPs: ['10.91.0.5'], hostIPs: ['192.168.1.2'] };
}

/** The final variables as the container would see them (after expansion). */
function finalEnv(c: Container, context: EnvContext): Record<string, string> {
  return Object.fromEntries(containerEnvironment(resolveContainerEnv(c, context).entries).map((v) => [v.name, v.value]));
}

test('§14.35 envFrom with prefix loses to env; a later envFrom source wins on the same key', () => {
  const c: Container = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cm1' }, prefix: 'P_' }, { configMapRef: { name: 'cm1' } }, { configMapRef: { name: 'cm2' } }],
    env: [{ name: 'P_K', value: '2' }],
  };
  const env = finalEnv(c, ctx(pod([c]), source([cm('cm1', { K: '1', Z: 'first' }), cm('cm2', { Z: 'second' })])));
  assert.equal(env.P_K, '2');
  assert.equal(env.K, '1');
  assert.equal(env.Z, 'second');
});

test('envFrom: invalid names are skipped and reported; secrets are decoded', () => {
  const c: Container = { name: 'c', envFrom: [{ secretRef: { name: 's1' } }, { configMapRef: { name: 'cm1' } }] };
  const r = resolveContainerEnv(c, ctx(pod([c]), source([cm('cm1', { 'a=b': 'x', ok: 'y' })], [secret('s1', { PASSWORD: 'hunter2' })])));
  assert.deepEqual(r.invalidKeys, ['a=b']);
  assert.deepEqual(r.entries, [
    { name: 'PASSWORD', value: 'hunter2' },
    { name: 'ok', value: 'y' },
  ]);
});

test('§14.34 missing ConfigMap or key: CreateContainerConfigError with the kubelet message; optional omits', () => {
  const missing: Container = { name: 'c', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'k' } } }] };
  assert.throws(() => resolveContainerEnv(missing, ctx(pod([missing]))), (e: unknown) => e instanceof ContainerConfigError && e.message === 'configmap "cm1" not found' && e.reason === 'CreateContainerConfigError');
  assert.throws(() => resolveContainerEnv(missing, ctx(pod([missing]), source([cm('cm1', { other: '1' })]))), /couldn't find key k in ConfigMap ns1\/cm1/);
  const secretRef: Container = { name: 'c', env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }] };
  assert.throws(() => resolveContainerEnv(secretRef, ctx(pod([secretRef]))), /secret "s1" not found/);
  assert.throws(() => resolveContainerEnv(secretRef, ctx(pod([secretRef]), source([], [secret('s1', {})]))), /couldn't find key k in Secret ns1\/s1/);
  const envFrom: Container = { name: 'c', envFrom: [{ secretRef: { name: 'gone' } }] };
  assert.throws(() => resolveContainerEnv(envFrom, ctx(pod([envFrom]))), /secret "gone" not found/);
  const optional: Container = {
    name: 'c',
    env: [
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'k', optional: true } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's1', key: 'k', optional: true } } },
      { name: 'C', value: 'c' },
    ],
    envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
  };
  assert.deepEqual(finalEnv(optional, ctx(pod([optional]))), { C: 'c' });
});

test('§14.36 fieldRef values, labels map formatted, status IPs from the runtime', () => {
  const paths = [
    'metadata.name',
    'metadata.namespace',
    'metadata.uid',
    "metadata.labels['a']",
    "metadata.labels['missing']",
    "metadata.annotations['note']",
    'metadata.labels',
    'spec.nodeName',
    'spec.serviceAccountName',
    'status.podIP',
    'status.podIPs',
    'status.hostIP',
  ];
  const c: Container = { name: 'c', env: paths.map((p, i) => ({ name: `V${i}`, valueFrom: { fieldRef: { fieldPath: p } } })) };
  const env = finalEnv(c, ctx(pod([c])));
  assert.deepEqual(
    paths.map((_, i) => env[`V${i}`]),
    ['p1', 'ns1', 'u-1', '1', '', 'x"y', 'a="1"\nb="2"', 'node1', 'sa1', '10.91.0.5', '10.91.0.5', '192.168.1.2'],
  );
});

test('§14.36 resourceFieldRef: ceiling of quantity / divisor; unset limit is node allocatable, unset request 0', () => {
  const c: Container = {
    name: 'main',
    resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } },
    env: [
      { name: 'CPU1', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'REQ_MEM', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      { name: 'OTHER', valueFrom: { resourceFieldRef: { containerName: 'side', resource: 'limits.memory' } } },
      { name: 'OTHER_CPU', valueFrom: { resourceFieldRef: { containerName: 'side', resource: 'limits.cpu', divisor: '1m' } } },
    ],
  };
  const side: Container = { name: 'side' };
  const env = finalEnv(c, ctx(pod([c, side])));
  assert.deepEqual(
    [env.CPU1, env.CPU_M, env.MEM, env.MEM_MI, env.REQ_MEM, env.OTHER, env.OTHER_CPU],
    ['1', '250', String(64 * 1024 * 1024), '64', '0', '4000000000', '2000'],
  );
});

test('§14.33 expansion: literal values expand against earlier entries only; valueFrom results never expand', () => {
  const c: Container = {
    name: 'c',
    env: [
      { name: 'A', value: 'x' },
      { name: 'B', value: '$(A)-$(C)-$$(A)-$(PATH)' },
      { name: 'C', value: 'z' },
      { name: 'D', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'k' } } },
      { name: 'E', value: '$(D)' },
    ],
  };
  const env = finalEnv(c, ctx(pod([c]), source([cm('cm1', { k: '$(A)' })])));
  assert.equal(env.B, 'x-$(C)-$(A)-$(PATH)');
  assert.equal(env.D, '$(A)');
  assert.equal(env.E, '$(A)');
});

test('formatMap sorts keys and Go-quotes values', () => {
  assert.equal(formatMap({ b: 'two\nlines', a: 'q"\\' }), 'a="q\\"\\\\"\nb="two\\nlines"');
  assert.equal(formatMap({}), '');
});
