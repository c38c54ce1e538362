import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { DESIRED_REPLICAS, fenceposts, MAX_REPLICAS, planDeployment, REVISION } from './deployment-plan.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

function dep(replicas: number, image: string, status: Deployment['status'] = {}, extra: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 2, annotations: { [REVISION]: '1' } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(image), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, progressDeadlineSeconds: 600, revisionHistoryLimit: 10, ...extra },
    status,
  };
}

function rs(name: string, image: string, replicas: number, available: number, revision: string, desired = replicas, created = T0): ReplicaSet {
  return {
    metadata: { name, namespace: 'default', uid: `${name}-uid`, creationTimestamp: new Date(created).toISOString(), generation: 1, annotations: { [REVISION]: revision, [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + 1) } },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': name } }, template: { ...template(image), metadata: { labels: { app: 'web', 'pod-template-hash': name } } } },
    status: { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
}

test('fenceposts: 25 % of 4 is a surge of 1 and 1 unavailable; both 0 means 1 unavailable', () => {
  assert.deepEqual(fenceposts(dep(4, 'a')), { surge: 1, unavailable: 1 });
  assert.deepEqual(fenceposts(dep(3, 'a', {}, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })), { surge: 0, unavailable: 1 });
});

test('a template change creates the next revision within the surge; old pods go only while enough stay available', () => {
  const d = dep(4, 'b', { observedGeneration: 1, replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
  const first = planDeployment(d, [rs('old', 'a', 4, 4, '1')], [], T0);
  const create = first.actions.find((a) => a.type === 'create');
  assert.ok(create);
  assert.equal(create.rs.spec?.replicas, 1, 'replicas + maxSurge = 5 pods at most');
  assert.equal(create.rs.metadata?.annotations?.[REVISION], '2');
  assert.equal(first.annotations?.[REVISION], '2');
  // Next pass: new at 1 (not yet available), old at 4: old may lose one (4 + 1 − 3 − 1 = 1).
  const second = planDeployment(d, [rs('old', 'a', 4, 4, '1'), rs('new', 'b', 1, 0, '2', 4, T0 + 1000)], [], T0 + 1000);
  const scaled = second.actions.filter((a) => a.type === 'update').map((a) => [a.rs.metadata?.name, a.rs.spec?.replicas]);
  assert.deepEqual(scaled, [['old', 3]]);
  assert.deepEqual(second.events.map((e) => e.message), ['Scaled down replica set old from 4 to 3']);
});

test('Progressing turns ProgressDeadlineExceeded once the deadline passes without progress, not before', () => {
  const progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "new" is progressing.', lastUpdateTime: new Date(T0).toISOString(), lastTransitionTime: new Date(T0).toISOString() };
  const status = { observedGeneration: 2, replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4, conditions: [progressing] };
  const d = dep(4, 'b', status);
  const stuck = [rs('old', 'a', 4, 4, '1'), rs('new', 'b', 1, 0, '2', 4, T0)];
  const before = planDeployment(d, stuck, [], T0 + 599_000);
  assert.equal(before.status?.conditions?.find((c) => c.type === 'Progressing')?.reason ?? 'ReplicaSetUpdated', 'ReplicaSetUpdated');
  assert.ok(before.requeueAfterMs !== undefined && before.requeueAfterMs <= 2_000, 'looked at again when the deadline falls due');
  const after = planDeployment(d, stuck, [], T0 + 601_000);
  const cond = after.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'ProgressDeadlineExceeded');
  assert.equal(cond?.message, 'ReplicaSet "new" has timed out progressing.');
});

test('scaling during a rollout is proportional; history beyond revisionHistoryLimit is cleaned up', () => {
  const d = dep(8, 'b', { replicas: 5, observedGeneration: 1 });
  // Two active ReplicaSets sized for 4 (max 5): scaled to 8 (max 10), each doubles.
  const plan = planDeployment(d, [rs('old', 'a', 3, 3, '1', 4), rs('new', 'b', 2, 2, '2', 4, T0 + 1)], [], T0);
  const sizes = Object.fromEntries(plan.actions.map((a) => [a.rs.metadata?.name, a.rs.spec?.replicas]));
  assert.deepEqual(sizes, { old: 6, new: 4 });
  const done = dep(2, 'c', { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, { revisionHistoryLimit: 1 });
  const history = [rs('r1', 'a', 0, 0, '1', 2), rs('r2', 'b', 0, 0, '2', 2, T0 + 1), rs('r3', 'c', 2, 2, '3', 2, T0 + 2)];
  assert.deepEqual(planDeployment(done, history, [], T0).actions.filter((a) => a.type === 'delete').map((a) => a.rs.metadata?.name), ['r1']);
});
