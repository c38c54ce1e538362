/**
 * @module The "who am I, what may I do" reviews that kubectl (`auth can-i`, `auth can-i --list`,
 * `auth whoami`) and tools like k9s ask before they act, answered for the calling identity (after
 * impersonation, so `kubectl auth can-i --as=system:serviceaccount:ns:name` asks for that
 * service account) by the same RBAC decision every request gets.
 */
import { BadRequestError } from '../../core/errors.js';
import { rulesFor, type RequestAttributes } from '../../core/rbac-authorizer.js';
import type { KubeObject } from '../../core/types.js';
import { decide } from '../authorization.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeObject, mediaType, readBody } from '../http-util.js';
import type { Router } from '../router.js';

export { ADMIN_USER } from '../authentication.js';

async function review(ctx: RequestContext, apiVersion: string, kind: string): Promise<KubeObject & { spec?: unknown }> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as KubeObject & { spec?: unknown };
  checkTypeMeta(body, apiVersion, kind);
  if (body.spec !== undefined && (body.spec === null || typeof body.spec !== 'object' || Array.isArray(body.spec))) {
    throw new BadRequestError('spec must be an object');
  }
  return body;
}

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

async function accessReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authorization.k8s.io/v1';
  const body = await review(ctx, apiVersion, 'SelfSubjectAccessReview');
  const spec = (body.spec ?? {}) as ReviewSpec;
  let attrs: RequestAttributes;
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes;
    attrs = {
      kind: 'resource',
      verb: r.verb ?? '',
      apiGroup: r.group ?? '',
      resource: r.resource ?? '',
      ...(r.subresource ? { subresource: r.subresource } : {}),
      ...(r.name ? { name: r.name } : {}),
      ...(r.namespace ? { namespace: r.namespace } : {}),
    };
  } else if (spec.nonResourceAttributes) {
    attrs = { kind: 'nonResource', verb: spec.nonResourceAttributes.verb ?? '', path: spec.nonResourceAttributes.path ?? '' };
  } else {
    throw new BadRequestError('SelfSubjectAccessReview: exactly one of spec.resourceAttributes or spec.nonResourceAttributes is required');
  }
  const d = decide(ctx.user, attrs, ctx.deps.rbac);
  const status = d.allowed ? { allowed: true, reason: d.reason } : { allowed: false };
  return { code: 201, body: { apiVersion, kind: 'SelfSubjectAccessReview', metadata: {}, spec, status } };
}

async function rulesReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authorization.k8s.io/v1';
  const body = await review(ctx, apiVersion, 'SelfSubjectRulesReview');
  const namespace = ((body.spec ?? {}) as { namespace?: string }).namespace ?? '';
  const rules = rulesFor(ctx.user, namespace, ctx.deps.rbac.current());
  return {
    code: 201,
    body: { apiVersion, kind: 'SelfSubjectRulesReview', metadata: {}, spec: body.spec ?? {}, status: { ...rules, incomplete: false } },
  };
}

async function subjectReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authentication.k8s.io/v1';
  await review(ctx, apiVersion, 'SelfSubjectReview');
  const u = ctx.user;
  const userInfo = { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
  return { code: 201, body: { apiVersion, kind: 'SelfSubjectReview', metadata: {}, status: { userInfo } } };
}

export function addSelfSubjectRoutes(router: Router): void {
  router.add('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { POST: accessReview });
  router.add('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { POST: rulesReview });
  router.add('/apis/authentication.k8s.io/v1/selfsubjectreviews', { POST: subjectReview });
}
