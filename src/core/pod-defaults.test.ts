import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPodDefaults, defaultImagePullPolicy } from './pod-defaults.js';
import type { Pod } from './types.js';

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
  };
}

test('pod-level defaults', () => {
  const input = pod();
  const out = applyPodDefaults(input);
  const s = out.spec!;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.priority, 0);
  assert.equal(s.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(s.serviceAccountName, undefined);
  assert.deepEqual(s.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  // the input is untouched
  assert.equal(input.spec!.restartPolicy, undefined);
  assert.equal(input.spec!.containers[0].imagePullPolicy, undefined);
});

test('explicit values are kept', () => {
  const out = applyPodDefaults(
    pod({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, dnsPolicy: 'None', enableServiceLinks: false }),
  );
  assert.equal(out.spec!.restartPolicy, 'Never');
  assert.equal(out.spec!.terminationGracePeriodSeconds, 0);
  assert.equal(out.spec!.dnsPolicy, 'None');
  assert.equal(out.spec!.enableServiceLinks, false);
});

test('existing not-ready/unreachable tolerations are not duplicated', () => {
  const out = applyPodDefaults(
    pod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] }),
  );
  assert.equal(out.spec!.tolerations!.length, 2);
  assert.equal(out.spec!.tolerations![0].tolerationSeconds, 10);
  assert.equal(out.spec!.tolerations![1].key, 'node.kubernetes.io/unreachable');
  const all = applyPodDefaults(pod({ tolerations: [{ operator: 'Exists' }] }));
  assert.deepEqual(all.spec!.tolerations, [{ operator: 'Exists' }]);
});

test('container defaults for init and app containers', () => {
  const out = applyPodDefaults(
    pod({
      initContainers: [{ name: 'i', image: 'busybox' }],
      containers: [
        {
          name: 'c',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80 }],
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 2 },
          startupProbe: { grpc: { port: 9000 } },
          lifecycle: { preStop: { httpGet: { port: 80, path: '/stop' } } },
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
        },
      ],
    }),
  );
  const i = out.spec!.initContainers![0];
  assert.equal(i.imagePullPolicy, 'Always');
  assert.equal(i.terminationMessagePath, '/dev/termination-log');
  assert.equal(i.terminationMessagePolicy, 'File');
  assert.deepEqual(i.resources, {});
  const c = out.spec!.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.equal(c.env![0].valueFrom!.fieldRef!.apiVersion, 'v1');
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.readinessProbe!.periodSeconds, 2);
  assert.equal(c.startupProbe!.grpc!.service, '');
  assert.deepEqual(c.lifecycle!.preStop!.httpGet, { port: 80, path: '/stop', scheme: 'HTTP' });
  assert.deepEqual(c.resources!.requests, { cpu: '100m', memory: '64Mi' });
});

test('hostNetwork defaults hostPort to containerPort', () => {
  const out = applyPodDefaults(
    pod({ hostNetwork: true, containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 8080 }] }] }),
  );
  assert.equal(out.spec!.containers[0].ports![0].hostPort, 8080);
});

test('volume defaults', () => {
  const out = applyPodDefaults(
    pod({
      volumes: [
        { name: 'a' },
        { name: 'b', emptyDir: {} },
        { name: 'c', hostPath: { path: '/tmp' } },
        { name: 'd', configMap: { name: 'cm' } },
        { name: 'e', secret: { secretName: 's', defaultMode: 0o400 } },
        { name: 'f', downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'g', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } },
      ],
    }),
  );
  const v = out.spec!.volumes!;
  assert.deepEqual(v[0], { name: 'a', emptyDir: {} });
  assert.deepEqual(v[1], { name: 'b', emptyDir: {} });
  assert.equal(v[2].hostPath!.type, '');
  assert.equal(v[3].configMap!.defaultMode, 420);
  assert.equal(v[4].secret!.defaultMode, 0o400);
  assert.equal(v[5].downwardAPI!.defaultMode, 420);
  assert.equal(v[5].downwardAPI!.items![0].fieldRef!.apiVersion, 'v1');
  assert.equal(v[6].projected!.defaultMode, 420);
  assert.equal(v[6].projected!.sources![0].serviceAccountToken!.expirationSeconds, 3600);
});

test('defaulting is idempotent', () => {
  const p = pod({
    initContainers: [{ name: 'i', image: 'busybox', livenessProbe: { tcpSocket: { port: 1 } } }],
    volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'x' } }],
    tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }],
  });
  const once = applyPodDefaults(p);
  assert.deepEqual(applyPodDefaults(once), once);
});

test('a pod without spec gets one', () => {
  const out = applyPodDefaults({ metadata: { name: 'x' } });
  assert.deepEqual(out.spec!.containers, []);
  assert.equal(out.spec!.restartPolicy, 'Always');
});

test('imagePullPolicy follows the tag rule', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['docker.io/library/busybox', 'Always'],
    ['localhost/busybox', 'Always'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:v1', 'IfNotPresent'],
    ['busybox@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
    ['busybox:latest@sha256:' + 'a'.repeat(64), 'Always'],
    ['Busybox:1', 'IfNotPresent'],
    ['', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) assert.equal(defaultImagePullPolicy(image), want, image);
});
