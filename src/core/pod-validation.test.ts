import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePodCreate, validatePodUpdate, validateNamespace, validateObjectName, podCreateErrors, diffPaths } from './pod-validation.js';
import { applyPodDefaults } from './pod-defaults.js';
import { InvalidError } from './errors.js';
import type { Pod, PodSpec } from './types.js';

function pod(spec: Partial<PodSpec> = {}, meta: Pod['metadata'] = {}): Pod {
  return applyPodDefaults({
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
  });
}

function causes(p: Pod): Array<{ field?: string; message?: string; reason?: string }> {
  try {
    validatePodCreate(p);
  } catch (err) {
    assert.ok(err instanceof InvalidError);
    return err.causes;
  }
  return [];
}

function invalid(fn: () => void): InvalidError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidError, String(err));
    return err;
  }
  assert.fail('expected InvalidError');
}

test('a defaulted valid pod passes', () => {
  validatePodCreate(pod({
    initContainers: [{ name: 'sc', image: 'busybox', restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } }],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cm', configMap: { name: 'x', items: [{ key: 'k', path: 'a/b' }] } }],
    containers: [{
      name: 'c', image: 'busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }],
      env: [{ name: 'my.var-1', value: 'x' }, { name: 'P', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }],
      volumeMounts: [{ name: 'data', mountPath: '/data', subPath: 'x/y' }, { name: 'cm', mountPath: '/cm' }],
      livenessProbe: { httpGet: { port: 'http' } },
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
      resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    }],
  }, { labels: { app: 'web', 'example.com/tier': 'front' }, annotations: { 'a.b/c': 'anything goes' } }));
});

test('error message shape matches the API server', () => {
  const p = pod();
  p.spec!.containers[0].image = '';
  const err = invalid(() => validatePodCreate(p));
  assert.equal(err.message, 'Pod "web" is invalid: spec.containers[0].image: Required value');
  assert.deepEqual(err.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }]);
  assert.equal(err.httpCode, 422);
});

test('names: pod subdomain, namespace label, container label', () => {
  const c = causes(pod({ containers: [{ name: 'Foo', image: 'x', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }] }, { name: 'Bad_Name', namespace: 'NS' }));
  assert.deepEqual(c.map((x) => x.field), ['metadata.name', 'metadata.namespace', 'spec.containers[0].name']);
  assert.match(c[0].message!, /^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
  assert.equal(c[2].message, `Invalid value: "Foo": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
  const missing = causes(pod({}, { name: '' }));
  assert.deepEqual(missing, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  assert.deepEqual(causes(pod({}, { name: '', generateName: 'web-' })), []);
  assert.equal(causes(pod({}, { name: 'a'.repeat(254) }))[0].message!.includes('must be no more than 253 characters'), true);
});

test('labels and annotations syntax', () => {
  const c = causes(pod({}, { labels: { 'bad key!': 'v', ok: 'bad value!' }, annotations: { 'a/b/c': 'x' } }));
  assert.deepEqual(c.map((x) => x.field), ['metadata.labels', 'metadata.labels.ok', 'metadata.annotations']);
  assert.match(c[1].message!, /a valid label must be an empty string/);
  const big = causes(pod({}, { annotations: { k: 'x'.repeat(262145) } }));
  assert.deepEqual(big, [{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' }]);
});

test('containers required, duplicate names across init and app (scenario 50)', () => {
  assert.deepEqual(causes(pod({ containers: [] })), [{ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' }]);
  const c = causes(pod({ initContainers: [{ name: 'x', image: 'busybox' }], containers: [{ name: 'x', image: 'busybox' }] }));
  assert.deepEqual(c, [{ reason: 'FieldValueDuplicate', field: 'spec.initContainers[0].name', message: 'Duplicate value: "x"' }]);
});

test('image whitespace', () => {
  const c = causes(pod({ containers: [{ name: 'c', image: ' busybox' }] }));
  assert.equal(c[0].message, 'Invalid value: " busybox": must not have leading or trailing whitespace');
});

test('ports: range, names, protocol, duplicate host ports (scenario 50)', () => {
  const c = causes(pod({
    containers: [
      { name: 'a', image: 'x', ports: [{ containerPort: 70000 }, { containerPort: 80, name: 'http', hostPort: 8080 }, { containerPort: 81, name: 'http' }, { containerPort: 82, name: 'Bad--' }, { containerPort: 83, protocol: 'ICMP' }] },
      { name: 'b', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] },
    ],
  }));
  const byField = Object.fromEntries(c.map((x) => [x.field, x.message]));
  assert.equal(byField['spec.containers[0].ports[0].containerPort'], 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  assert.equal(byField['spec.containers[0].ports[2].name'], 'Duplicate value: "http"');
  assert.match(byField['spec.containers[0].ports[3].name']!, /^Invalid value: "Bad--": /);
  assert.equal(byField['spec.containers[0].ports[4].protocol'], 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
  assert.equal(byField['spec.containers[1].ports[0].hostPort'], 'Duplicate value: "/TCP/8080"');
});

test('restartPolicy and dnsPolicy values', () => {
  const c = causes(pod({ restartPolicy: 'Sometimes', dnsPolicy: 'Google' }));
  assert.deepEqual(c.map((x) => x.message), [
    'Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    'Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
  ]);
  assert.equal(causes(pod({ dnsPolicy: 'None' }))[0].field, 'spec.dnsConfig');
  assert.deepEqual(causes(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } })), []);
  assert.equal(causes(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['nope'] } }))[0].field, 'spec.dnsConfig.nameservers[0]');
});

test('env names and valueFrom', () => {
  const c = causes(pod({ containers: [{ name: 'c', image: 'x', env: [
    { name: '' }, { name: 'A=B' }, { name: 'X', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'Y', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.bogus' } } },
  ] }] }));
  assert.deepEqual(c.map((x) => x.field), ['spec.containers[0].env[0].name', 'spec.containers[0].env[1].name', 'spec.containers[0].env[2].valueFrom', 'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath']);
  assert.match(c[1].message!, /printable ASCII characters other than '='/);
});

test('volumes and mounts', () => {
  const c = causes(pod({
    volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {}, hostPath: { path: '/x' } }, { name: 'Bad' , emptyDir: {} }],
    containers: [{ name: 'c', image: 'x', volumeMounts: [
      { name: 'a', mountPath: '/m' }, { name: 'a', mountPath: '/m' }, { name: 'zz', mountPath: '/z' }, { name: 'a', mountPath: '' },
      { name: 'a', mountPath: '/s1', subPath: '/abs' }, { name: 'a', mountPath: '/s2', subPath: 'x/../..' },
    ] }],
  }));
  const byField = Object.fromEntries(c.map((x) => [x.field, x.message]));
  assert.equal(byField['spec.volumes[1].name'], 'Duplicate value: "a"');
  assert.equal(byField['spec.volumes[2].hostPath'], 'Forbidden: may not specify more than 1 volume type');
  assert.match(byField['spec.volumes[3].name']!, /RFC 1123 label/);
  assert.equal(byField['spec.containers[0].volumeMounts[1].mountPath'], 'Invalid value: "/m": must be unique');
  assert.equal(byField['spec.containers[0].volumeMounts[2].name'], 'Not found: "zz"');
  assert.equal(byField['spec.containers[0].volumeMounts[3].mountPath'], 'Required value');
  assert.equal(byField['spec.containers[0].volumeMounts[4].subPath'], 'Invalid value: "/abs": must be a relative path');
  assert.equal(byField['spec.containers[0].volumeMounts[5].subPath'], `Invalid value: "x/../..": must not contain '..'`);
  assert.equal(causes(pod({ volumes: [{ name: 'v' } as never] })).length, 0, 'defaulted to emptyDir');
  const raw = podCreateErrors({ metadata: { name: 'p', namespace: 'd' }, spec: { ...pod().spec!, volumes: [{ name: 'v' }] } });
  assert.deepEqual(raw.map((e) => e.message), ['Required value: must specify a volume type']);
});

test('init containers: restartPolicy and forbidden probes/lifecycle', () => {
  const c = causes(pod({ initContainers: [
    { name: 'i', image: 'x', readinessProbe: { exec: { command: ['true'] } }, lifecycle: { postStart: { exec: { command: ['true'] } } } },
    { name: 'j', image: 'x', restartPolicy: 'Never' },
  ] }));
  assert.deepEqual(c, [
    { reason: 'FieldValueForbidden', field: 'spec.initContainers[0].lifecycle', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' },
    { reason: 'FieldValueForbidden', field: 'spec.initContainers[0].readinessProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' },
    { reason: 'FieldValueNotSupported', field: 'spec.initContainers[1].restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' },
  ]);
  assert.equal(causes(pod({ containers: [{ name: 'c', image: 'x', restartPolicy: 'Always' }] }))[0].field, 'spec.containers[0].restartPolicy');
});

test('probes and handlers', () => {
  const c = causes(pod({ containers: [{ name: 'c', image: 'x',
    livenessProbe: { successThreshold: 2, exec: { command: ['a'] } },
    readinessProbe: { exec: { command: ['a'] }, tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 3 },
    startupProbe: {},
    lifecycle: { preStop: { sleep: { seconds: 31 } } },
  }] }));
  const byField = Object.fromEntries(c.map((x) => [x.field, x.message]));
  assert.equal(byField['spec.containers[0].livenessProbe.successThreshold'], 'Invalid value: 2: must be 1');
  assert.equal(byField['spec.containers[0].readinessProbe.tcpSocket'], 'Forbidden: may not specify more than 1 handler type');
  assert.equal(byField['spec.containers[0].readinessProbe.terminationGracePeriodSeconds'], 'Invalid value: 3: must not be set for readinessProbes');
  assert.equal(byField['spec.containers[0].startupProbe'], 'Required value: must specify a handler type');
  assert.match(byField['spec.containers[0].lifecycle.preStop.sleep.seconds']!, /^Invalid value: 31: /);
});

test('resources: requests must not exceed limits; quantities must parse', () => {
  const c = causes(pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1', memory: 'lots' }, limits: { cpu: '0.5' } } }] }));
  assert.deepEqual(c.map((x) => [x.field, x.message]), [
    ['spec.containers[0].resources.requests[memory]', `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`],
    ['spec.containers[0].resources.requests[cpu]', 'Invalid value: "1": must be less than or equal to cpu limit of 500m'],
  ]);
});

test('pod-level ranges and combinations', () => {
  const c = causes(pod({ activeDeadlineSeconds: 0, terminationGracePeriodSeconds: -1, shareProcessNamespace: true, hostPID: true }));
  assert.deepEqual(c.map((x) => [x.field, x.message]), [
    ['spec.activeDeadlineSeconds', 'Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ['spec.terminationGracePeriodSeconds', 'Invalid value: -1: must be greater than or equal to 0'],
    ['spec.securityContext.shareProcessNamespace', 'Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled'],
  ]);
  const t = causes(pod({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 5 }] }));
  assert.deepEqual(t.map((x) => x.field), ['spec.tolerations[0].operator', 'spec.tolerations[1].effect']);
});

test('validateNamespace and validateObjectName', () => {
  validateNamespace('team-a');
  assert.match(invalid(() => validateNamespace('Team')).message, /^Namespace "Team" is invalid: metadata.namespace: Invalid value: "Team": a lowercase RFC 1123 label/);
  validateObjectName('ConfigMap', 'my.config');
  assert.match(invalid(() => validateObjectName('ConfigMap', 'UPPER')).message, /RFC 1123 subdomain/);
});

test('updates: image, labels, activeDeadlineSeconds decrease, toleration addition are allowed', () => {
  const old = pod({ activeDeadlineSeconds: 100 });
  const next = structuredClone(old);
  next.spec!.containers[0].image = 'busybox:1.37';
  next.spec!.activeDeadlineSeconds = 50;
  next.spec!.tolerations!.push({ key: 'x', operator: 'Exists', effect: 'NoSchedule' });
  next.metadata!.labels = { new: 'label' };
  validatePodUpdate(next, old);
});

test('updates: other spec changes are forbidden and named', () => {
  const old = pod({ containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] });
  const next = structuredClone(old);
  next.spec!.containers[0].command = ['sleep', '60'];
  next.spec!.restartPolicy = 'Never';
  const err = invalid(() => validatePodUpdate(next, old));
  assert.equal(err.causes.length, 1);
  const cause = err.causes[0];
  assert.equal(cause.field, 'spec');
  assert.equal(cause.reason, 'FieldValueForbidden');
  assert.ok(cause.message!.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
  assert.ok(cause.message!.includes('changed: spec.containers[0].command[1], spec.restartPolicy'), cause.message);
  assert.ok(cause.message!.includes('spec.containers[0].command[1]: "3600" -> "60"'));
  assert.match(err.message, /^Pod "web" is invalid: spec: Forbidden: pod updates may not change/);
});

test('updates: activeDeadlineSeconds, tolerations, grace, containers count', () => {
  const old = pod({ activeDeadlineSeconds: 100 });
  const up = structuredClone(old);
  up.spec!.activeDeadlineSeconds = 200;
  assert.equal(invalid(() => validatePodUpdate(up, old)).causes[0].message, 'Invalid value: 200: must be less than or equal to previous value');
  const unset = structuredClone(old);
  delete unset.spec!.activeDeadlineSeconds;
  assert.equal(invalid(() => validatePodUpdate(unset, old)).causes[0].message, 'Invalid value: null: must not update from a positive integer to nil value');
  const tol = structuredClone(old);
  tol.spec!.tolerations = [];
  assert.equal(invalid(() => validatePodUpdate(tol, old)).causes[0].message, 'Forbidden: existing toleration can not be modified except its tolerationSeconds');
  const secs = structuredClone(old);
  secs.spec!.tolerations![0].tolerationSeconds = 10;
  validatePodUpdate(secs, old);
  const neg = structuredClone(old);
  neg.spec!.terminationGracePeriodSeconds = -5;
  const one = structuredClone(old);
  one.spec!.terminationGracePeriodSeconds = 1;
  assert.deepEqual(podCreateErrors(one), []);
  // negative → 1 is allowed (old objects may hold a negative value); other changes are not
  validatePodUpdate(one, neg);
  const two = structuredClone(old);
  two.spec!.terminationGracePeriodSeconds = 2;
  assert.ok(invalid(() => validatePodUpdate(two, old)).causes[0].message!.includes('spec.terminationGracePeriodSeconds'));
  const more = structuredClone(old);
  more.spec!.containers.push({ ...old.spec!.containers[0], name: 'd' });
  assert.equal(invalid(() => validatePodUpdate(more, old)).causes[0].message, 'Forbidden: pod updates may not add or remove containers');
  const renamed = structuredClone(old);
  renamed.metadata!.name = 'other';
  assert.equal(invalid(() => validatePodUpdate(renamed, old)).causes[0].field, 'metadata.name');
});

test('diffPaths names leaf fields', () => {
  assert.deepEqual(diffPaths({ a: [1, 2], b: { c: 1 } }, { a: [1, 3], b: { c: 1, d: undefined } }, 'spec'), [{ path: 'spec.a[1]', from: 2, to: 3 }]);
  assert.deepEqual(diffPaths({ a: [1] }, { a: [1, 2] }, 'spec'), [{ path: 'spec.a', from: [1], to: [1, 2] }]);
});
