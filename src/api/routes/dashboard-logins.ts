/**
 * @module POST /apis/peapod.io/v1alpha1/dashboardlogins: a one-time link that signs a browser in
 * to the dashboard (what `peapod dashboard` prints). Only a caller that is already the admin gets
 * one: over the unix socket (root, 0600) or with the admin token.
 */
import { ServiceUnavailableError } from '../../core/errors.js';
import type { Reply, RequestContext } from '../context.js';
import type { Router } from '../router.js';

async function create(ctx: RequestContext): Promise<Reply> {
  const logins = ctx.deps.dashboardLogins;
  if (!logins) throw new ServiceUnavailableError('the dashboard needs the HTTPS API (serve --listen)');
  const { url, expiresAt } = logins();
  return {
    code: 201,
    body: {
      kind: 'DashboardLogin',
      apiVersion: 'peapod.io/v1alpha1',
      metadata: {},
      status: { url, expirationTimestamp: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z') },
    },
  };
}

export function addDashboardLoginRoutes(router: Router): void {
  router.add('/apis/peapod.io/v1alpha1/dashboardlogins', { POST: create });
}
