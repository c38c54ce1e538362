/** @module POST serviceaccounts/<name>/token: TokenRequest (authentication.k8s.io/v1), as `kubectl create token` sends it. */
import type { TokenRequestSpec } from 'kubernetes-types/authentication/v1.js';
import { ServiceUnavailableError } from '../../core/errors.js';
import { rfc3339Seconds } from '../../core/rfc3339.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeObject, mediaType, readBody } from '../http-util.js';
import type { Router } from '../router.js';

async function createToken(ctx: RequestContext): Promise<Reply> {
  const issuer = ctx.deps.tokens;
  if (!issuer) throw new ServiceUnavailableError('service account tokens are not available: the daemon has no signing key');
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as { spec?: Partial<TokenRequestSpec> } & Parameters<typeof checkTypeMeta>[0];
  checkTypeMeta(body, 'authentication.k8s.io/v1', 'TokenRequest');
  const { namespace, name } = ctx.params;
  const spec = body.spec ?? {};
  const issued = issuer.issue(namespace, name, spec);
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339Seconds(ctx.deps.clock.now()) },
      spec: { audiences: spec.audiences ?? [], expirationSeconds: spec.expirationSeconds ?? 3600, boundObjectRef: spec.boundObjectRef ?? null },
      status: issued,
    },
  };
}

export function addServiceAccountTokenRoutes(router: Router): void {
  router.add('/api/v1/namespaces/:namespace/serviceaccounts/:name/token', { POST: createToken });
}
