import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { InvalidError } from '../errors.js';
import type { Pod } from '../types.js';
import { aggregateMessage, applyLimitRangeDefaults, claimLimitViolations, defaultLimitRange, LIMIT_RANGER_ANNOTATION, podLimitViolations, prepareLimitRange } from './limit-range.js';

const lr = (limits: NonNullable<LimitRange['spec']>['limits']): LimitRange => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'default' }, spec: { limits } });
const pod = (containers: Array<{ name: string; requests?: Record<string, string>; limits?: Record<string, string> }>, init: typeof containers = []): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: {
    containers: containers.map((c) => ({ name: c.name, image: 'busybox', resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } })),
    ...(init.length ? { initContainers: init.map((c) => ({ name: c.name, image: 'busybox', resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } })) } : {}),
  },
});

const causes = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidError, String(e));
    return (e.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
  assert.fail('no error');
};

test('a Container item defaults as upstream: max → default, default → defaultRequest, min → defaultRequest', () => {
  const out = defaultLimitRange(lr([{ type: 'Container', max: { cpu: '800m' }, min: { memory: '100Mi' } }, { type: 'Pod', max: { cpu: '2' } }]));
  assert.deepEqual(out.spec?.limits[0], { type: 'Container', max: { cpu: '800m' }, min: { memory: '100Mi' }, default: { cpu: '800m' }, defaultRequest: { cpu: '800m', memory: '100Mi' } });
  assert.deepEqual(out.spec?.limits[1], { type: 'Pod', max: { cpu: '2' } }, 'Pod items are left alone');
  // The docs' memory-defaults: only `default` given; the request follows it.
  assert.deepEqual(defaultLimitRange(lr([{ type: 'Container', default: { memory: '512Mi' } }])).spec?.limits[0].defaultRequest, { memory: '512Mi' });
});

test('validation: min over max, defaults outside the range, Pod defaults, PVC without storage bounds, duplicates, bad names', () => {
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'Container', min: { cpu: '1' }, max: { cpu: '500m' } }]), undefined)), [
    'spec.limits[0].min[cpu]: Invalid value: "1": min value 1 is greater than max value 500m',
    // max → default (500m) → defaultRequest: the min is over both.
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "500m": min value 1 is greater than default request value 500m',
    'spec.limits[0].default[cpu]: Invalid value: "1": min value 1 is greater than default value 500m',
  ]);
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'Container', default: { cpu: '2' }, max: { cpu: '1' } }]), undefined)), [
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than max value 1',
    'spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is greater than max value 1',
  ]);
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'Pod', default: { cpu: '1' } }, { type: 'Pod', max: { cpu: '1' } }]), undefined)), [
    "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
    'spec.limits[1].type: Duplicate value: "Pod"',
  ]);
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }]), undefined)), [
    'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
  ]);
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'Container', max: { gpus: '1' }, maxLimitRequestRatio: { cpu: '500m' } }]), undefined)), [
    'spec.limits[0].max[gpus]: Invalid value: "gpus": must be a standard resource for containers',
    // Defaulting comes first, as upstream: the max copied into default and defaultRequest is checked there too.
    'spec.limits[0].default[gpus]: Invalid value: "gpus": must be a standard resource for containers',
    'spec.limits[0].defaultRequest[gpus]: Invalid value: "gpus": must be a standard resource for containers',
    'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1',
  ]);
  assert.deepEqual(causes(() => prepareLimitRange(lr([{ type: 'Widget', max: { cpu: '1' } }]), undefined)), ['spec.limits[0].type: Invalid value: "Widget": must be a standard limit type or fully qualified']);
  assert.ok(prepareLimitRange(lr([{ type: 'Container', min: { cpu: '200m' }, max: { cpu: '800m' } }]), undefined));
});

test('defaults fill only what a container lacks, init containers too, and the annotation says what', () => {
  const ranges = [defaultLimitRange(lr([{ type: 'Container', default: { cpu: '1', memory: '512Mi' }, defaultRequest: { cpu: '500m', memory: '256Mi' } }]))];
  const out = applyLimitRangeDefaults(pod([{ name: 'app', requests: { cpu: '100m' } }, { name: 'full', requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }], [{ name: 'setup' }]), ranges);
  assert.deepEqual(out.spec?.containers[0].resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  assert.deepEqual(out.spec?.containers[1].resources, { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
  assert.deepEqual(out.spec?.initContainers?.[0].resources, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  assert.equal(
    out.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
    'LimitRanger plugin set: memory request for container app; cpu, memory limit for container app; cpu, memory request for init container setup; cpu, memory limit for init container setup',
  );
  const untouched = pod([{ name: 'full', requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }]);
  assert.equal(applyLimitRangeDefaults(untouched, ranges), untouched, 'nothing set: the same pod, no annotation');
});

test('constraints with upstream messages: the docs\' cpu and memory min/max, a Pod item over summed limits, the ratio', () => {
  const cpu = [defaultLimitRange(lr([{ type: 'Container', min: { cpu: '200m' }, max: { cpu: '800m' } }]))];
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { cpu: '500m' }, limits: { cpu: '1500m' } }]), cpu), 'maximum cpu usage per Container is 800m, but limit is 1500m');
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { cpu: '100m' }, limits: { cpu: '800m' } }]), cpu), 'minimum cpu usage per Container is 200m, but request is 100m');
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { cpu: '500m' }, limits: { cpu: '800m' } }]), cpu), undefined);
  const mem = [defaultLimitRange(lr([{ type: 'Container', min: { memory: '500Mi' }, max: { memory: '1Gi' } }]))];
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { memory: '800Mi' }, limits: { memory: '1.5Gi' } }]), mem), 'maximum memory usage per Container is 1Gi, but limit is 1536Mi');
  assert.equal(podLimitViolations(pod([{ name: 'c' }]), mem), '[minimum memory usage per Container is 500Mi.  No request is specified, maximum memory usage per Container is 1Gi.  No limit is specified]');
  const perPod = [lr([{ type: 'Pod', max: { cpu: '1' } }])];
  assert.equal(podLimitViolations(pod([{ name: 'a', limits: { cpu: '600m' } }, { name: 'b', limits: { cpu: '600m' } }]), perPod), 'maximum cpu usage per Pod is 1, but limit is 1200m');
  const ratio = [lr([{ type: 'Container', maxLimitRequestRatio: { memory: '2' } }])];
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { memory: '100Mi' }, limits: { memory: '400Mi' } }]), ratio), 'memory max limit to request ratio per Container is 2, but provided ratio is 4.000000');
  assert.equal(podLimitViolations(pod([{ name: 'c', requests: { memory: '100Mi' }, limits: { memory: '200Mi' } }]), ratio), undefined);
});

test('claims: the docs\' storage limits on the request only', () => {
  const storage = [lr([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }])];
  const claim = (size: string) => ({ spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } });
  assert.equal(claimLimitViolations(claim('5Gi'), storage), 'maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
  assert.equal(claimLimitViolations(claim('500Mi'), storage), 'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  assert.equal(claimLimitViolations(claim('1Gi'), storage), undefined);
});

test('aggregated messages: one as is, duplicates once, several in brackets', () => {
  assert.equal(aggregateMessage([]), undefined);
  assert.equal(aggregateMessage(['a']), 'a');
  assert.equal(aggregateMessage(['a', 'a']), 'a');
  assert.equal(aggregateMessage(['a', 'b', 'a']), '[a, b]');
});
