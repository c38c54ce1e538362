/**
 * @module rbac.authorization.k8s.io/v1 validation as upstream words it (pkg/apis/rbac/validation):
 * rules need verbs and either resources with API groups or, in ClusterRoles only, non-resource
 * URLs; bindings need a roleRef of the right kind, which never changes, and well-formed subjects.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { fieldErrors as fe, throwIfInvalid, type FieldError } from './field-error.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './pod-validation.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * ObjectMeta validation with RBAC's name rule (path.ValidatePathSegmentName): names like
 * `system:basic-user` are fine, `/`, `%`, `.` and `..` are not.
 */
function metaErrors(meta: ObjectMeta, kind: string, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta({ ...meta, name: meta.name ? 'x' : meta.name }, kind, namespaced);
  const name = meta.name ?? '';
  if (name === '.' || name === '..') errs.push(fe.invalid('metadata.name', name, `may not be '${name}'`));
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(fe.invalid('metadata.name', name, `may not contain '${bad}'`));
  return errs;
}

function ruleErrors(rules: readonly PolicyRule[], path: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (!r.verbs?.length) errs.push(fe.required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (r.nonResourceURLs?.length) {
      if (namespaced) errs.push(fe.invalid(`${at}.nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        errs.push(fe.invalid(`${at}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!r.apiGroups?.length) errs.push(fe.required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!r.resources?.length) errs.push(fe.required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

export function validateRole(role: Role | ClusterRole, kind: 'Role' | 'ClusterRole', stored?: Role | ClusterRole): void {
  const errs = metaErrors(role.metadata ?? {}, kind, kind === 'Role');
  if (stored) errs.push(...validateObjectMetaUpdate(role.metadata ?? {}, stored.metadata ?? {}));
  errs.push(...ruleErrors(role.rules ?? [], 'rules', kind === 'Role'));
  throwIfInvalid(kind, role.metadata?.name ?? '', errs);
}

function subjectErrors(subjects: readonly Subject[], bindingNamespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  subjects.forEach((s, i) => {
    const at = `subjects[${i}]`;
    if (!s.name) errs.push(fe.required(`${at}.name`));
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) errs.push(fe.notSupported(`${at}.apiGroup`, s.apiGroup, ['']));
        if (!s.namespace && !bindingNamespaced) errs.push(fe.required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) errs.push(fe.notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        errs.push(fe.notSupported(`${at}.kind`, s.kind, ['Group', 'ServiceAccount', 'User']));
    }
  });
  return errs;
}

export function validateBinding(b: RoleBinding | ClusterRoleBinding, kind: 'RoleBinding' | 'ClusterRoleBinding', stored?: RoleBinding | ClusterRoleBinding): void {
  const namespaced = kind === 'RoleBinding';
  const errs = metaErrors(b.metadata ?? {}, kind, namespaced);
  if (stored) errs.push(...validateObjectMetaUpdate(b.metadata ?? {}, stored.metadata ?? {}));
  const ref = b.roleRef;
  if (!ref) {
    errs.push(fe.required('roleRef'));
  } else {
    if (ref.apiGroup !== RBAC_GROUP) errs.push(fe.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
    const kinds = namespaced ? ['ClusterRole', 'Role'] : ['ClusterRole'];
    if (!kinds.includes(ref.kind)) errs.push(fe.notSupported('roleRef.kind', ref.kind ?? '', kinds));
    if (!ref.name) errs.push(fe.required('roleRef.name'));
    const old = stored?.roleRef;
    if (old && (old.kind !== ref.kind || old.name !== ref.name || old.apiGroup !== ref.apiGroup)) {
      errs.push(fe.invalid('roleRef', ref, 'cannot change roleRef'));
    }
  }
  errs.push(...subjectErrors(b.subjects ?? [], namespaced));
  throwIfInvalid(kind, b.metadata?.name ?? '', errs);
}
