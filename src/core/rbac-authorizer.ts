/**
 * @module The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a
 * rule of a role bound to the user (by name, group or service account) covers its verb, API
 * group, resource/subresource, name and namespace, or its non-resource path; members of
 * system:masters are allowed everything (the API server's privileged-group authorizer).
 * Aggregated ClusterRoles (aggregationRule) take the rules of the ClusterRoles their selectors
 * match, here at evaluation, so they are never stale. Also the rules a user has in a namespace
 * (SelfSubjectRulesReview) and upstream's Forbidden message. Pure.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

export const SYSTEM_MASTERS = 'system:masters';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ResourceAttributes {
  verb: string;
  /** "" for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** Undefined or "" for cluster-scoped requests (and lists across namespaces). */
  namespace?: string;
}

export interface NonResourceAttributes {
  verb: string;
  path: string;
}

export type RequestAttributes = ({ kind: 'resource' } & ResourceAttributes) | ({ kind: 'nonResource' } & NonResourceAttributes);

export interface RbacPolicy {
  roles: readonly Role[];
  clusterRoles: readonly ClusterRole[];
  roleBindings: readonly RoleBinding[];
  clusterRoleBindings: readonly ClusterRoleBinding[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).some((v) => v === '*' || v === value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (subresource !== undefined && (r === `*/${subresource}` || r === `${resource}/*`)));
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** RuleAllows. */
export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (attrs.kind === 'nonResource') return nonResourceMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.apiGroup) || !resourceMatches(rule, attrs.resource, attrs.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attrs.name !== undefined && names.includes(attrs.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.username === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
    default:
      return false;
  }
}

function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const present = e.key in labels;
    const value = labels[e.key];
    const ok =
      e.operator === 'In' ? present && (e.values ?? []).includes(value)
      : e.operator === 'NotIn' ? !present || !(e.values ?? []).includes(value)
      : e.operator === 'Exists' ? present
      : e.operator === 'DoesNotExist' ? !present
      : false;
    if (!ok) return false;
  }
  return true;
}

/** A ClusterRole's rules, its aggregationRule resolved over the others (the aggregation controller's result). */
export function clusterRoleRules(role: ClusterRole, all: readonly ClusterRole[], seen = new Set<string>()): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
  if (selectors.length === 0) return role.rules ?? [];
  seen.add(role.metadata?.name ?? '');
  const out: PolicyRule[] = [];
  for (const other of all) {
    const name = other.metadata?.name ?? '';
    if (seen.has(name)) continue;
    if (!selectors.some((s) => selectorMatches(s, other.metadata?.labels ?? {}))) continue;
    out.push(...clusterRoleRules(other, all, new Set(seen)));
  }
  return out;
}

interface Grant {
  rules: PolicyRule[];
  /** `RoleBinding "ns/name" of Role "x"` for the review's reason. */
  via: string;
}

/** The rules bound to the user that apply in `namespace` (cluster-wide ones always, namespaced ones there). */
function grants(user: UserInfo, namespace: string | undefined, policy: RbacPolicy): Grant[] {
  const out: Grant[] = [];
  const clusterRole = (name: string): ClusterRole | undefined => policy.clusterRoles.find((r) => r.metadata?.name === name);
  for (const b of policy.clusterRoleBindings) {
    if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) continue;
    const role = clusterRole(b.roleRef.name);
    if (role) out.push({ rules: clusterRoleRules(role, policy.clusterRoles), via: `ClusterRoleBinding "${b.metadata?.name}" of ClusterRole "${b.roleRef.name}"` });
  }
  if (namespace) {
    for (const b of policy.roleBindings) {
      const ns = b.metadata?.namespace;
      if (ns !== namespace || !(b.subjects ?? []).some((s) => subjectMatches(s, user, ns))) continue;
      const role = b.roleRef.kind === 'ClusterRole' ? clusterRole(b.roleRef.name) : policy.roles.find((r) => r.metadata?.namespace === ns && r.metadata?.name === b.roleRef.name);
      if (!role) continue;
      const rules = b.roleRef.kind === 'ClusterRole' ? clusterRoleRules(role as ClusterRole, policy.clusterRoles) : (role.rules ?? []);
      // A RoleBinding grants only resource rules, inside its namespace.
      out.push({ rules: rules.filter((r) => !r.nonResourceURLs?.length), via: `RoleBinding "${ns}/${b.metadata?.name}" of ${b.roleRef.kind} "${b.roleRef.name}"` });
    }
  }
  return out;
}

export function authorize(user: UserInfo, attrs: RequestAttributes, policy: RbacPolicy): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: `member of ${SYSTEM_MASTERS}` };
  const namespace = attrs.kind === 'resource' ? attrs.namespace || undefined : undefined;
  for (const g of grants(user, namespace, policy)) {
    if (g.rules.some((r) => ruleAllows(r, attrs))) return { allowed: true, reason: `RBAC: allowed by ${g.via}` };
  }
  return { allowed: false, reason: '' };
}

/** What SelfSubjectRulesReview lists: the user's resource and non-resource rules in a namespace. */
export function rulesFor(user: UserInfo, namespace: string, policy: RbacPolicy): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[] } {
  if (user.groups.includes(SYSTEM_MASTERS)) {
    return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] };
  }
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  for (const g of grants(user, namespace || undefined, policy)) {
    for (const r of g.rules) {
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      else resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
    }
  }
  return { resourceRules, nonResourceRules };
}

/** Upstream's Forbidden message (forbiddenMessage in endpoints/handlers/responsewriters). */
export function forbiddenMessage(user: UserInfo, attrs: RequestAttributes): string {
  const who = `User "${user.username}"`;
  if (attrs.kind === 'nonResource') return `forbidden: ${who} cannot ${attrs.verb} path "${attrs.path}"`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const subject = attrs.name ? `${resource} "${attrs.name}"` : resource;
  const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: ${who} cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${where}`;
}
