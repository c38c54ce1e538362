/**
 * Robustness: whatever shape a pod body has, decode → default → validate either accepts it or
 * throws a PeapodError (a 4xx Status), never a TypeError that would become a 500.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePod } from './pod-decode.js';
import { applyPodDefaults } from './pod-defaults.js';
import { validatePodCreate, validatePodUpdate } from './pod-validation.js';
import { BadRequestError, PeapodError } from './errors.js';

const base = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { a: 'b' }, annotations: { x: 'y' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u' }] },
  spec: {
    restartPolicy: 'Always',
    volumes: [
      { name: 'v', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'h', hostPath: { path: '/tmp', type: 'Directory' } },
      { name: 'c', configMap: { name: 'cm', items: [{ key: 'k', path: 'p', mode: 0o600 }] } },
      { name: 's', secret: { secretName: 'sec', defaultMode: 0o400, items: [{ key: 'k', path: 'p' }] } },
      { name: 'd', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'm', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } },
      {
        name: 'pr',
        projected: {
          sources: [
            { configMap: { name: 'cm', items: [{ key: 'k', path: 'q' }] } },
            { secret: { name: 'sec' } },
            { downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } },
            { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          ],
        },
      },
      { name: 'pvc', persistentVolumeClaim: { claimName: 'claim', readOnly: true } },
    ],
    initContainers: [{ name: 'i', image: 'x', command: ['sh'], restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } }],
    containers: [
      {
        name: 'c',
        image: 'x',
        args: ['a'],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'D', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
          { name: 'E', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } },
        ],
        envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 'sec', optional: false } }],
        ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP', name: 'http' }],
        resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
        volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 's' }],
        livenessProbe: { httpGet: { path: '/', port: 80, httpHeaders: [{ name: 'X', value: 'y' }] }, periodSeconds: 5 },
        readinessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 1 },
        startupProbe: { grpc: { port: 9000, service: 's' }, failureThreshold: 30, terminationGracePeriodSeconds: 5 },
        lifecycle: { preStop: { sleep: { seconds: 1 } }, postStart: { httpGet: { port: 'http', scheme: 'HTTPS' } } },
        securityContext: {
          runAsUser: 1000,
          allowPrivilegeEscalation: false,
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
          seLinuxOptions: { level: 's0:c1' },
        },
      },
    ],
    tolerations: [{ key: 'k', operator: 'Exists' }, { key: 'n', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 60 }],
    dnsConfig: { nameservers: ['1.1.1.1'], searches: ['example.com'], options: [{ name: 'ndots', value: '2' }] },
    hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
    imagePullSecrets: [{ name: 'reg' }],
    readinessGates: [{ conditionType: 'example.com/ready' }],
    securityContext: {
      fsGroup: 2000,
      runAsNonRoot: true,
      supplementalGroups: [3000],
      seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
      sysctls: [{ name: 'net.ipv4.ip_forward', value: '1' }],
    },
  },
};

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const values = [
  null, 0, -1, 1.5, 70000, 2 ** 31, -(2 ** 53), 1e300, '', 'x', '../..', '-', 'http', 'NoExecute', 'Exists', '10.0.0.1', 'SYS_ADMIN', true, false,
  [], [null], [1], [{}], [[]], {}, { a: 1 }, { name: 'x' }, ['a', 'b'], 'Memory', '1Gi', '-1', 'Always', 'None',
  // An own `__proto__` member, as JSON.parse makes it: must not become a prototype anywhere.
  JSON.parse('{"__proto__": {"containers": 5, "length": 2, "name": 1}}'),
];

function paths(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/**
 * Sets 1–3 random paths of the base pod to random values; `sameKind` keeps each value's JSON
 * kind (string for string, ...), so the decoder lets most through to defaulting and validation.
 */
function mutate(next: () => number, all: Array<Array<string | number>>, sameKind = false): Record<string, unknown> {
  const pod = structuredClone(base) as Record<string, unknown>;
  for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
    const path = all[Math.floor(next() * all.length)];
    let target = pod as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) {
      const child = target?.[key];
      if (!child || typeof child !== 'object') break;
      target = child as Record<string | number, unknown>;
    }
    if (!target || typeof target !== 'object') continue;
    const key = path[path.length - 1];
    const pool = sameKind ? values.filter((v) => kindOf(v) === kindOf(target[key])) : values;
    if (pool.length > 0) target[key] = structuredClone(pool[Math.floor(next() * pool.length)]);
  }
  return pod;
}

function assertOnlyPeapodErrors(i: number, pod: unknown, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PeapodError, `mutation ${i} threw ${(err as Error)?.stack}\n${JSON.stringify(pod)}`);
  }
}

test('the unmutated base pod is valid, for create and as an update of itself', () => {
  const pod = applyPodDefaults(decodePod(structuredClone(base)));
  validatePodCreate(pod);
  validatePodUpdate(pod, pod);
});

test('a body nested deeper than the stack can clone or diff is a BadRequest, for create and update', () => {
  const deep = JSON.parse(`{"x":${'['.repeat(3000)}${']'.repeat(3000)}}`);
  const pod = { ...structuredClone(base), spec: { ...structuredClone(base.spec), affinity: deep } };
  const previous = applyPodDefaults(decodePod(structuredClone(base)));
  assert.throws(() => validatePodCreate(applyPodDefaults(decodePod(pod))), BadRequestError);
  assert.throws(() => validatePodUpdate(applyPodDefaults(decodePod(pod)), previous), BadRequestError);
});

test('5,000 mutated pods: decode, defaulting and validation never throw anything but a PeapodError', () => {
  const next = rng(42);
  const all = paths(base).filter((p) => p.length > 0);
  const previous = applyPodDefaults(decodePod(structuredClone(base)));
  for (let i = 0; i < 5000; i++) {
    const pod = mutate(next, all);
    assertOnlyPeapodErrors(i, pod, () => validatePodCreate(applyPodDefaults(decodePod(pod))));
    assertOnlyPeapodErrors(i, pod, () => validatePodUpdate(applyPodDefaults(decodePod(pod)), previous));
  }
});

test('5,000 pods mutated within JSON kinds: defaulting and validation never throw anything but a PeapodError', () => {
  const next = rng(7);
  const all = paths(base).filter((p) => p.length > 0);
  const previous = applyPodDefaults(decodePod(structuredClone(base)));
  for (let i = 0; i < 5000; i++) {
    const pod = mutate(next, all, true);
    assertOnlyPeapodErrors(i, pod, () => validatePodCreate(applyPodDefaults(decodePod(pod))));
    assertOnlyPeapodErrors(i, pod, () => validatePodUpdate(applyPodDefaults(decodePod(pod)), previous));
  }
});
