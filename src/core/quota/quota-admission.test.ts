import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { InvalidError } from '../errors.js';
import type { KubeObject, Pod } from '../types.js';
import { admitToQuotas, type QuotaDecision } from './quota-admission.js';
import { countedResource, evaluatorFor, podEvaluator } from './quota-evaluators.js';
import { recountQuota } from './quota-usage.js';
import { prepareResourceQuota } from './resource-quota-validation.js';
import { fromResources } from './resource-list.js';

const PODS = { group: '', resource: 'pods' };
const NOW = Date.parse('2026-01-01T00:00:00Z');

const quota = (name: string, hard: Record<string, string>, used?: Record<string, string>, spec: Partial<NonNullable<ResourceQuota['spec']>> = {}): ResourceQuota => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns', resourceVersion: '7' },
  spec: { hard, ...spec },
  ...(used ? { status: { hard, used } } : {}),
});

const pod = (name: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> }[] = [{}], extra: Partial<NonNullable<Pod['spec']>> = {}, phase?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'busybox', resources: r })), ...extra },
  ...(phase ? { status: { phase } } : {}),
});

const create = (quotas: ResourceQuota[], obj: KubeObject, resource = PODS): QuotaDecision => admitToQuotas(quotas, { operation: 'create', resource, obj, now: NOW });
const refusal = (d: QuotaDecision): string => (d.allowed ? assert.fail(`allowed: ${JSON.stringify(d)}`) : d.message);

test('the docs\' mem-cpu quota: a second pod over requests.memory is refused with the upstream message; the first is charged', () => {
  const hard = { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' };
  const first = pod('quota-mem-cpu-demo', [{ requests: { cpu: '400m', memory: '600Mi' }, limits: { cpu: '800m', memory: '800Mi' } }]);
  const empty = quota('mem-cpu-demo', hard, { 'requests.cpu': '0', 'requests.memory': '0', 'limits.cpu': '0', 'limits.memory': '0' });
  const ok = create([empty], first);
  assert.ok(ok.allowed);
  assert.deepEqual(ok.charges, [{ name: 'mem-cpu-demo', resourceVersion: '7', used: { 'limits.cpu': '800m', 'limits.memory': '800Mi', 'requests.cpu': '400m', 'requests.memory': '600Mi' } }]);
  const charged = quota('mem-cpu-demo', hard, ok.charges[0].used);
  const second = pod('quota-mem-cpu-demo-2', [{ requests: { cpu: '400m', memory: '700Mi' }, limits: { cpu: '800m', memory: '1Gi' } }]);
  assert.equal(refusal(create([charged], second)), 'exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi');
});

test('several names over at once are listed sorted; pods count; a terminal pod costs only count/pods', () => {
  const q = quota('q', { pods: '2', 'requests.cpu': '1' }, { pods: '2', 'requests.cpu': '900m' });
  assert.equal(refusal(create([q], pod('p', [{ requests: { cpu: '200m' } }]))), 'exceeded quota: q, requested: pods=1,requests.cpu=200m, used: pods=2,requests.cpu=900m, limited: pods=2,requests.cpu=1');
  assert.deepEqual(fromResources(podEvaluator.usage(pod('done', [{ requests: { cpu: '1' } }], {}, 'Succeeded'), NOW)), { 'count/pods': '1' });
  const deleting: Pod = { ...pod('d', [{ requests: { cpu: '1' } }]), metadata: { name: 'd', deletionTimestamp: '2025-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 } };
  assert.deepEqual(fromResources(podEvaluator.usage(deleting, NOW)), { 'count/pods': '1' }, 'past its grace: no compute');
});

test('must specify: a quota on limits makes every container name them, with the quota named', () => {
  const q = quota('mem-cpu-demo', { 'limits.cpu': '2', 'limits.memory': '2Gi', 'requests.cpu': '1' }, { 'limits.cpu': '0', 'limits.memory': '0', 'requests.cpu': '0' });
  const p = pod('p', [{ requests: { cpu: '100m' }, limits: { cpu: '200m' } }, { requests: { cpu: '100m' } }]);
  assert.equal(refusal(create([q], p)), 'failed quota: mem-cpu-demo: must specify limits.cpu for: c1; limits.memory for: c0,c1');
});

test('a quota the controller has not synced yet matches nothing; one with hard but no usage is "status unknown"', () => {
  assert.deepEqual(create([quota('new', { pods: '0' })], pod('p')), { allowed: true, charges: [] });
  const half: ResourceQuota = { ...quota('half', { pods: '1' }), status: { hard: { pods: '1' }, used: {} } };
  assert.equal(refusal(create([half], pod('p'))), 'status unknown for quota: half, resources: pods');
});

test('scopes: BestEffort, NotTerminating and a PriorityClass selector pick the pods they name', () => {
  const be = quota('be', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
  assert.ok(create([be], pod('burstable', [{ requests: { cpu: '1' } }])).allowed);
  assert.match(refusal(create([be], pod('besteffort'))), /^exceeded quota: be, requested: pods=1/);
  const term = quota('term', { pods: '0' }, { pods: '0' }, { scopes: ['Terminating'] });
  assert.ok(create([term], pod('long')).allowed);
  assert.match(refusal(create([term], pod('deadline', [{}], { activeDeadlineSeconds: 60 }))), /exceeded quota: term/);
  const high = quota('pods-high', { pods: '1' }, { pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
  assert.ok(create([high], pod('low', [{}], { priorityClassName: 'low' })).allowed);
  assert.ok(create([high], pod('none')).allowed);
  assert.match(refusal(create([high], pod('hi', [{}], { priorityClassName: 'high' }))), /exceeded quota: pods-high, requested: pods=1, used: pods=1, limited: pods=1/);
  const notIn = quota('not-high', { pods: '0' }, { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }] } });
  assert.ok(!create([notIn], pod('none')).allowed, 'NotIn selects a pod with no class');
});

test('claims count themselves, their storage and per-class twins; Services their node ports; other kinds count/<resource>.<group>', () => {
  const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns' }, spec: { storageClassName: 'gold', resources: { requests: { storage: '3Gi' } } } };
  assert.deepEqual(fromResources(evaluatorFor({ group: '', resource: 'persistentvolumeclaims' }).usage(pvc, NOW)), {
    'count/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/requests.storage': '3Gi',
    persistentvolumeclaims: '1',
    'requests.storage': '3Gi',
  });
  const objects = quota('object-quota-demo', { persistentvolumeclaims: '1', 'services.loadbalancers': '2', 'services.nodeports': '0' }, { persistentvolumeclaims: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
  assert.equal(refusal(create([objects], pvc, { group: '', resource: 'persistentvolumeclaims' })), 'exceeded quota: object-quota-demo, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1');
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  assert.equal(refusal(create([objects], svc, { group: '', resource: 'services' })), 'exceeded quota: object-quota-demo, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0');
  assert.ok(create([objects], { ...svc, spec: { ports: [{ port: 80 }] } }, { group: '', resource: 'services' }).allowed, 'a ClusterIP Service takes no node port');
  const jobs = quota('jobs', { 'count/jobs.batch': '1', configmaps: '1' }, { 'count/jobs.batch': '1', configmaps: '0' });
  assert.equal(refusal(create([jobs], { metadata: { name: 'j' } }, { group: 'batch', resource: 'jobs' })), 'exceeded quota: jobs, requested: count/jobs.batch=1, used: count/jobs.batch=1, limited: count/jobs.batch=1');
  assert.deepEqual(create([jobs], { metadata: { name: 'cm' } }, { group: '', resource: 'configmaps' }), { allowed: true, charges: [{ name: 'jobs', resourceVersion: '7', used: { 'count/jobs.batch': '1', configmaps: '1' } }] });
  assert.deepEqual([countedResource('count/jobs.batch'), countedResource('requests.cpu'), countedResource('gold.storageclass.storage.k8s.io/requests.storage')], [
    { group: 'batch', resource: 'jobs' },
    { group: '', resource: 'pods' },
    { group: '', resource: 'persistentvolumeclaims' },
  ]);
});

test('updates: a claim growing is charged the difference; a pod update is not charged', () => {
  const claim = (size: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns', resourceVersion: '3' }, spec: { resources: { requests: { storage: size } } } });
  const q = quota('storage', { 'requests.storage': '5Gi' }, { 'requests.storage': '4Gi' });
  const grow = (size: string) => admitToQuotas([q], { operation: 'update', resource: { group: '', resource: 'persistentvolumeclaims' }, obj: claim(size), old: claim('4Gi'), now: NOW });
  assert.equal(refusal(grow('6Gi')), 'exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=4Gi, limited: requests.storage=5Gi');
  assert.deepEqual(grow('5Gi'), { allowed: true, charges: [{ name: 'storage', resourceVersion: '7', used: { 'requests.storage': '5Gi' } }] });
  const full = quota('full', { pods: '0' }, { pods: '5' });
  assert.ok(admitToQuotas([full], { operation: 'update', resource: PODS, obj: pod('p'), old: pod('p'), now: NOW }).allowed);
});

test('recount: status.hard follows spec.hard, used sums what the scopes select, and names nothing counts keep their zero', () => {
  const q = quota('q', { pods: '5', 'requests.memory': '1Gi', 'count/pods': '10', configmaps: '3' }, undefined, { scopes: ['NotBestEffort'] });
  const pods = [pod('a', [{ requests: { memory: '100Mi' } }]), pod('b', [{ requests: { memory: '200Mi' } }], {}, 'Failed'), pod('be')];
  const r = recountQuota(q, (gr) => (gr.resource === 'pods' ? pods : []), NOW);
  assert.deepEqual(r.status, {
    hard: { configmaps: '3', 'count/pods': '10', pods: '5', 'requests.memory': '1Gi' },
    used: { configmaps: '0', 'count/pods': '2', pods: '1', 'requests.memory': '100Mi' },
  });
  assert.equal(r.changed, true);
  const again = recountQuota({ ...q, status: r.status }, (gr) => (gr.resource === 'pods' ? pods : []), NOW);
  assert.equal(again.changed, false, 'an unchanged count writes nothing');
  const deleting: Pod = { ...pod('d', [{ requests: { memory: '1Mi' } }]), metadata: { name: 'd', deletionTimestamp: new Date(NOW + 10_000).toISOString(), deletionGracePeriodSeconds: 30 } };
  assert.equal(recountQuota(q, () => [deleting], NOW).recountAt, NOW + 40_001, 'recounted when its grace runs out');
});

test('validation: standard names, non-negative whole counts, scopes that fit and do not conflict', () => {
  const causes = (spec: NonNullable<ResourceQuota['spec']>): string[] => {
    try {
      prepareResourceQuota({ metadata: { name: 'q', namespace: 'ns' }, spec }, undefined);
    } catch (e) {
      assert.ok(e instanceof InvalidError);
      return (e.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    }
    return [];
  };
  assert.deepEqual(causes({ hard: { cpus: '1', pods: '1.5', 'requests.memory': '-1Gi', 'count/jobs.batch': '2', 'example.com/foo': '1' } }), [
    'spec.hard[cpus]: Invalid value: "cpus": must be a standard resource for quota',
    'spec.hard[pods]: Invalid value: "1500m": must be an integer',
    'spec.hard[requests.memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
  assert.deepEqual(causes({ hard: { 'requests.storage': '1Gi' }, scopes: ['BestEffort', 'NotBestEffort'] }), [
    'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
    'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
    'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
  ]);
  assert.deepEqual(causes({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }, { scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } }), [
    "spec.scopeSelector.matchExpressions[0].values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    "spec.scopeSelector.matchExpressions[1].operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
  ]);
  assert.deepEqual(causes({ hard: { pods: '10', 'limits.cpu': '2' }, scopes: ['NotTerminating'] }), []);
});
