/**
 * @module Who may do what: core/v1 ServiceAccount (with its `token` subresource, TokenRequest,
 * served by api/routes/service-account-token.ts) and rbac.authorization.k8s.io/v1 Role,
 * ClusterRole, RoleBinding and ClusterRoleBinding, with upstream's columns.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { KubeObject, ServiceAccount } from '../../../core/types.js';
import { validateObjectMeta } from '../../../core/pod-validation.js';
import { throwIfInvalid } from '../../../core/field-error.js';
import { rfc3339Seconds } from '../../../core/rfc3339.js';
import { RBAC_GROUP, validateBinding, validateRole } from '../../../core/rbac-validation.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

export const serviceAccountKind: KindDefinition<ServiceAccount & KubeObject> = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  prepare(sa) {
    throwIfInvalid('ServiceAccount', sa.metadata?.name ?? '', validateObjectMeta(sa.metadata ?? {}, 'ServiceAccount', true));
    return sa;
  },
  customSubresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  table: {
    columns: [NAME_COLUMN, column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COLUMN],
    cells: (sa, now) => [sa.metadata?.name, (sa.secrets ?? []).length, age(sa, now)],
  },
};

/** `2025-01-01T00:00:00Z`: the CREATED AT column of roles. */
const createdAt = (o: KubeObject): string => (o.metadata?.creationTimestamp ? rfc3339Seconds(Date.parse(o.metadata.creationTimestamp)) : '');

const CREATED_AT = column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' });

function roleKind<T extends (Role | ClusterRole) & KubeObject>(kind: 'Role' | 'ClusterRole'): KindDefinition<T> {
  return {
    group: RBAC_GROUP,
    version: 'v1',
    kind,
    resource: kind === 'Role' ? 'roles' : 'clusterroles',
    singular: kind.toLowerCase(),
    namespaced: kind === 'Role',
    prepare(role, stored) {
      validateRole(role, kind, stored);
      return role;
    },
    table: { columns: [NAME_COLUMN, CREATED_AT], cells: (r) => [r.metadata?.name, createdAt(r)] },
  };
}

const subjectsOf = (b: RoleBinding | ClusterRoleBinding, kind: string): string =>
  (b.subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? b.metadata?.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');

function bindingKind<T extends (RoleBinding | ClusterRoleBinding) & KubeObject>(kind: 'RoleBinding' | 'ClusterRoleBinding'): KindDefinition<T> {
  return {
    group: RBAC_GROUP,
    version: 'v1',
    kind,
    resource: kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings',
    singular: kind.toLowerCase(),
    namespaced: kind === 'RoleBinding',
    prepare(binding, stored) {
      validateBinding(binding, kind, stored);
      return binding;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('Role', 'RoleRef is the reference to the role.'),
        AGE_COLUMN,
        column('Users', 'Users in the binding.', { priority: 1 }),
        column('Groups', 'Groups in the binding.', { priority: 1 }),
        column('ServiceAccounts', 'ServiceAccounts in the binding.', { priority: 1 }),
      ],
      cells: (b, now) => [b.metadata?.name, `${b.roleRef?.kind}/${b.roleRef?.name}`, age(b, now), subjectsOf(b, 'User'), subjectsOf(b, 'Group'), subjectsOf(b, 'ServiceAccount')],
    },
  };
}

export const rbacKinds: KindDefinition[] = [
  roleKind('Role'),
  roleKind('ClusterRole'),
  bindingKind('RoleBinding'),
  bindingKind('ClusterRoleBinding'),
] as KindDefinition[];
