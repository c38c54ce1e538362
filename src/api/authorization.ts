/**
 * @module Authorization of every request (the API server's RBAC authorizer after the privileged
 * system:masters one): the request's attributes against the Roles, ClusterRoles and bindings in
 * the store, held in a cache the store's watches invalidate. A denial is upstream's 403 Status
 * (`pods is forbidden: User "system:serviceaccount:app:reader" cannot list resource "pods" in API
 * group "" in the namespace "app"`).
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { ForbiddenError } from '../core/errors.js';
import type { ObjectStore } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/types.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../core/rbac-bootstrap.js';
import { RBAC_GROUP } from '../core/rbac-validation.js';
import type { GenericStore } from './registry/generic-store.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
import { authorize, forbiddenMessage, SYSTEM_MASTERS, type Decision, type RbacPolicy, type RequestAttributes, type UserInfo } from '../core/rbac-authorizer.js';

const RESOURCES = {
  roles: 'roles.rbac.authorization.k8s.io',
  clusterRoles: 'clusterroles.rbac.authorization.k8s.io',
  roleBindings: 'rolebindings.rbac.authorization.k8s.io',
  clusterRoleBindings: 'clusterrolebindings.rbac.authorization.k8s.io',
} as const;

export class RbacPolicyCache {
  private policy: RbacPolicy | undefined;
  private readonly stops: Array<() => void> = [];

  constructor(private readonly store: ObjectStore) {
    for (const resource of Object.values(RESOURCES)) {
      // Any change drops the cache; the next request lists again.
      this.stops.push(store.watch(resource, undefined, store.currentResourceVersion(), () => (this.policy = undefined)));
    }
  }

  current(): RbacPolicy {
    this.policy ??= {
      roles: this.store.list<Role & { metadata: object }>(RESOURCES.roles, undefined).items as Role[],
      clusterRoles: this.store.list<ClusterRole & { metadata: object }>(RESOURCES.clusterRoles, undefined).items as ClusterRole[],
      roleBindings: this.store.list<RoleBinding & { metadata: object }>(RESOURCES.roleBindings, undefined).items as RoleBinding[],
      clusterRoleBindings: this.store.list<ClusterRoleBinding & { metadata: object }>(RESOURCES.clusterRoleBindings, undefined).items as ClusterRoleBinding[],
    };
    return this.policy;
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}

export function decide(user: UserInfo, attrs: RequestAttributes, policy: RbacPolicyCache): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: `member of ${SYSTEM_MASTERS}` };
  return authorize(user, attrs, policy.current());
}

/** Throws upstream's 403 unless `user` may do `attrs`. */
export function requireAccess(user: UserInfo, attrs: RequestAttributes, policy: RbacPolicyCache): void {
  if (decide(user, attrs, policy).allowed) return;
  const details = attrs.kind === 'resource' ? { ...(attrs.name ? { name: attrs.name } : {}), ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}), kind: attrs.resource } : {};
  throw new ForbiddenError(forbiddenMessage(user, attrs), details);
}

/** Creates the bootstrap ClusterRoles and ClusterRoleBindings that are missing (the API server's RBAC post-start hook). */
export function ensureBootstrapPolicy(objects: GenericStore, registry: ResourceRegistry, logger: Logger): void {
  const roles = registry.byResource(RBAC_GROUP, 'v1', 'clusterroles');
  const bindings = registry.byResource(RBAC_GROUP, 'v1', 'clusterrolebindings');
  if (!roles || !bindings) return;
  for (const [def, items] of [
    [roles, bootstrapClusterRoles()],
    [bindings, bootstrapClusterRoleBindings()],
  ] as const) {
    for (const obj of items) {
      const name = obj.metadata!.name!;
      if (objects.tryGet(def, undefined, name)) continue;
      try {
        objects.create(def, undefined, obj as KubeObject);
      } catch (err) {
        logger.warn('bootstrap RBAC object not created', { name, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
