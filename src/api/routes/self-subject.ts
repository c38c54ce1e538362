/**
 * @module The "who am I, what may I do" reviews that kubectl (`auth can-i`, `auth can-i --list`,
 * `auth whoami`) and tools like k9s ask before they act. peapod has one user, the admin (the
 * bearer token over HTTPS, or root on the unix socket), who may do everything, so every review
 * answers yes; what matters is that the answers have the Kubernetes shape.
 */
import { BadRequestError } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeObject, mediaType, readBody } from '../http-util.js';
import type { Router } from '../router.js';

export const ADMIN_USER = { username: 'peapod-admin', groups: ['system:masters', 'system:authenticated'] };
const REASON = 'peapod has one user, the admin, who may do everything';

async function review(ctx: RequestContext, apiVersion: string, kind: string): Promise<KubeObject & { spec?: unknown }> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as KubeObject & { spec?: unknown };
  checkTypeMeta(body, apiVersion, kind);
  if (body.spec !== undefined && (body.spec === null || typeof body.spec !== 'object' || Array.isArray(body.spec))) {
    throw new BadRequestError('spec must be an object');
  }
  return body;
}

async function accessReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authorization.k8s.io/v1';
  const body = await review(ctx, apiVersion, 'SelfSubjectAccessReview');
  const spec = (body.spec ?? {}) as Record<string, unknown>;
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    throw new BadRequestError('SelfSubjectAccessReview: exactly one of spec.resourceAttributes or spec.nonResourceAttributes is required');
  }
  return { code: 201, body: { apiVersion, kind: 'SelfSubjectAccessReview', metadata: {}, spec, status: { allowed: true, reason: REASON } } };
}

async function rulesReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authorization.k8s.io/v1';
  const body = await review(ctx, apiVersion, 'SelfSubjectRulesReview');
  return {
    code: 201,
    body: {
      apiVersion,
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: body.spec ?? {},
      status: {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      },
    },
  };
}

async function subjectReview(ctx: RequestContext): Promise<Reply> {
  const apiVersion = 'authentication.k8s.io/v1';
  await review(ctx, apiVersion, 'SelfSubjectReview');
  return { code: 201, body: { apiVersion, kind: 'SelfSubjectReview', metadata: {}, status: { userInfo: { ...ADMIN_USER, groups: [...ADMIN_USER.groups] } } } };
}

export function addSelfSubjectRoutes(router: Router): void {
  router.add('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { POST: accessReview });
  router.add('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { POST: rulesReview });
  router.add('/apis/authentication.k8s.io/v1/selfsubjectreviews', { POST: subjectReview });
}
