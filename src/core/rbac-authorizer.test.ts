import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { authorize, forbiddenMessage, rulesFor, type RbacPolicy, type RequestAttributes, type UserInfo } from './rbac-authorizer.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './rbac-bootstrap.js';
import { validateBinding, validateRole } from './rbac-validation.js';
import { InvalidError } from './errors.js';

const sa: UserInfo = { username: 'system:serviceaccount:app:reader', groups: ['system:serviceaccounts', 'system:serviceaccounts:app', 'system:authenticated'] };
const listPods: RequestAttributes = { kind: 'resource', verb: 'list', apiGroup: '', resource: 'pods', namespace: 'app' };
const G = 'rbac.authorization.k8s.io';

const base = (): RbacPolicy & { roles: Role[]; roleBindings: RoleBinding[]; clusterRoles: ClusterRole[]; clusterRoleBindings: ClusterRoleBinding[] } => ({
  roles: [],
  clusterRoles: bootstrapClusterRoles(),
  roleBindings: [],
  clusterRoleBindings: bootstrapClusterRoleBindings(),
});

const bind = (ns: string, name: string, roleKind: 'Role' | 'ClusterRole', role: string, subject: RoleBinding['subjects']): RoleBinding => ({
  metadata: { namespace: ns, name },
  roleRef: { apiGroup: G, kind: roleKind, name: role },
  subjects: subject,
});

test('a service account may list pods only once a RoleBinding in that namespace grants it', () => {
  const p = base();
  assert.equal(authorize(sa, listPods, p).allowed, false);
  assert.equal(forbiddenMessage(sa, listPods), 'pods is forbidden: User "system:serviceaccount:app:reader" cannot list resource "pods" in API group "" in the namespace "app"');
  p.roles.push({ metadata: { namespace: 'app', name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] });
  p.roleBindings.push(bind('app', 'read-pods', 'Role', 'pod-reader', [{ kind: 'ServiceAccount', name: 'reader' }]));
  const d = authorize(sa, listPods, p);
  assert.deepEqual(d, { allowed: true, reason: 'RBAC: allowed by RoleBinding "app/read-pods" of Role "pod-reader"' });
  assert.equal(authorize(sa, { ...listPods, namespace: 'other' }, p).allowed, false, 'only in its namespace');
  assert.equal(authorize(sa, { ...listPods, namespace: undefined }, p).allowed, false, 'not across namespaces');
  assert.equal(authorize(sa, { ...listPods, verb: 'delete' }, p).allowed, false);
  assert.equal(authorize(sa, { ...listPods, subresource: 'log', verb: 'get' }, p).allowed, false, 'pods does not cover pods/log');
});

test('the bootstrap view role is aggregated: a labelled ClusterRole extends it, bound through a RoleBinding', () => {
  const p = base();
  p.roleBindings.push(bind('app', 'viewers', 'ClusterRole', 'view', [{ kind: 'Group', apiGroup: G, name: 'system:serviceaccounts:app' }]));
  assert.equal(authorize(sa, listPods, p).allowed, true, 'view lists pods');
  assert.equal(authorize(sa, { ...listPods, resource: 'secrets' }, p).allowed, false, 'view never reads secrets');
  const widgets: RequestAttributes = { kind: 'resource', verb: 'get', apiGroup: 'example.com', resource: 'widgets', namespace: 'app' };
  assert.equal(authorize(sa, widgets, p).allowed, false);
  p.clusterRoles.push({
    metadata: { name: 'widget-viewer', labels: { [`${G}/aggregate-to-view`]: 'true' } },
    rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
  });
  assert.equal(authorize(sa, widgets, p).allowed, true);
  // edit includes view, admin includes edit.
  p.roleBindings.splice(0, 1, bind('app', 'admins', 'ClusterRole', 'admin', [{ kind: 'ServiceAccount', name: 'reader', namespace: 'app' }]));
  assert.equal(authorize(sa, widgets, p).allowed, true);
  assert.equal(authorize(sa, { ...listPods, verb: 'create', resource: 'rolebindings', apiGroup: G }, p).allowed, true);
});

test('system:masters is allowed everything; every authenticated user gets discovery and the self reviews', () => {
  const p = base();
  const admin: UserInfo = { username: 'peapod-admin', groups: ['system:masters', 'system:authenticated'] };
  assert.equal(authorize(admin, { kind: 'resource', verb: 'delete', apiGroup: '', resource: 'nodes', name: 'x' }, { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] }).allowed, true);
  assert.equal(authorize(sa, { kind: 'nonResource', verb: 'get', path: '/apis/apps/v1' }, p).allowed, true);
  assert.equal(authorize(sa, { kind: 'nonResource', verb: 'get', path: '/metrics' }, p).allowed, false);
  assert.equal(forbiddenMessage(sa, { kind: 'nonResource', verb: 'get', path: '/metrics' }), 'forbidden: User "system:serviceaccount:app:reader" cannot get path "/metrics"');
  assert.equal(authorize(sa, { kind: 'resource', verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }, p).allowed, true);
});

test('resource names, wildcards and subresource patterns', () => {
  const p = base();
  p.clusterRoles.push({ metadata: { name: 'x' }, rules: [{ apiGroups: ['*'], resources: ['*/scale', 'configmaps'], resourceNames: [], verbs: ['*'] }, { apiGroups: [''], resources: ['secrets'], resourceNames: ['one'], verbs: ['get'] }] });
  p.clusterRoleBindings.push({ metadata: { name: 'x' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'app' }] });
  const r = (over: Partial<RequestAttributes>): RequestAttributes => ({ kind: 'resource', verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'app', ...over }) as RequestAttributes;
  assert.equal(authorize(sa, r({ name: 'one' }), p).allowed, true);
  assert.equal(authorize(sa, r({ name: 'two' }), p).allowed, false);
  assert.equal(authorize(sa, r({ verb: 'list' }), p).allowed, false, 'resourceNames never allow a list');
  assert.equal(authorize(sa, r({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale', verb: 'update' }), p).allowed, true);
  assert.equal(forbiddenMessage(sa, r({ name: 'two' })), 'secrets "two" is forbidden: User "system:serviceaccount:app:reader" cannot get resource "secrets" in API group "" in the namespace "app"');
  assert.equal(
    forbiddenMessage(sa, r({ resource: 'nodes', namespace: undefined, verb: 'list' })),
    'nodes is forbidden: User "system:serviceaccount:app:reader" cannot list resource "nodes" in API group "" at the cluster scope',
  );
  const rules = rulesFor(sa, 'app', p);
  assert.ok(rules.resourceRules.some((x) => x.resourceNames?.includes('one')));
  assert.ok(rules.nonResourceRules.some((x) => x.nonResourceURLs?.includes('/api')));
});

test('RBAC validation names the field', () => {
  const causes = (fn: () => void): string[] => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof InvalidError);
      return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    }
    return [];
  };
  assert.deepEqual(causes(() => validateRole({ metadata: { name: 'r', namespace: 'a' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] }, 'Role')), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
  ]);
  assert.match(causes(() => validateRole({ metadata: { name: 'r', namespace: 'a' }, rules: [{ nonResourceURLs: ['/x'], verbs: ['get'] }] }, 'Role'))[0], /namespaced rules cannot apply to non-resource URLs/);
  const b = bind('a', 'b', 'Role', 'r', [{ kind: 'ServiceAccount', name: 's' }]);
  assert.deepEqual(causes(() => validateBinding(b, 'RoleBinding')), []);
  assert.match(causes(() => validateBinding({ ...b, roleRef: { ...b.roleRef, name: 'other' } }, 'RoleBinding', b))[0], /^roleRef: .*cannot change roleRef/);
  assert.match(causes(() => validateBinding({ ...b, metadata: { name: 'b' }, roleRef: { ...b.roleRef, kind: 'Role' } }, 'ClusterRoleBinding')).join('\n'), /roleRef.kind: Unsupported value: "Role"/);
});
