/**
 * @module Who is asking: the one place where a request's credentials become a user (the API
 * server's authenticator chain). A bearer token is the admin's (all-powerful, system:masters) or
 * a service account token this daemon signed, still bound to a live ServiceAccount (and Pod) of
 * the same uid; anything else is no one (401). Further credential kinds (the dashboard's session)
 * belong here too. Impersonation headers (kubectl --as) then switch to another user when RBAC
 * lets the caller impersonate it.
 */
import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from '../core/errors.js';
import type { Clock, ObjectStore } from '../core/ports.js';
import { authorize, forbiddenMessage, type RbacPolicy, type RequestAttributes, type UserInfo } from '../core/rbac-authorizer.js';
import { DEFAULT_ISSUER, parseServiceAccountUsername, serviceAccountUser, verifyToken } from '../core/service-account-token.js';
import type { Pod, ServiceAccount } from '../core/types.js';

/** The daemon's own user: the admin token over HTTPS, and root on the unix socket. */
export const ADMIN_USER: UserInfo = { username: 'peapod-admin', groups: ['system:masters', 'system:authenticated'] };

export interface AuthenticatorOptions {
  adminToken: string;
  /** Verifies service account tokens; absent: only the admin token is accepted. */
  serviceAccountKey?: KeyObject;
  /** Audiences the API accepts (default: the issuer, as the API server's --api-audiences). */
  audiences?: readonly string[];
  store: ObjectStore;
  clock: Clock;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class Authenticator {
  private readonly adminDigest: Buffer;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.adminDigest = digest(opts.adminToken);
  }

  /** The user behind the request's credentials, or undefined (401). */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? this.authenticateToken(m[1]) : undefined;
  }

  /** The user a bearer token stands for (ADMIN_USER itself for the admin token), or undefined. */
  authenticateToken(token: string): UserInfo | undefined {
    if (timingSafeEqual(digest(token), this.adminDigest)) return ADMIN_USER;
    return this.serviceAccount(token);
  }

  private serviceAccount(token: string): UserInfo | undefined {
    const key = this.opts.serviceAccountKey;
    if (!key || token.split('.').length !== 3) return undefined;
    const claims = verifyToken(token, key, this.opts.clock.now(), this.opts.audiences ?? [DEFAULT_ISSUER]);
    if (!claims) return undefined;
    const k8s = claims['kubernetes.io'];
    // Bound tokens die with what they are bound to (a new object of the same name has another uid).
    const sa = this.opts.store.tryGet<ServiceAccount>('serviceaccounts', k8s.namespace, k8s.serviceaccount.name);
    if (!sa || sa.metadata?.uid !== k8s.serviceaccount.uid) return undefined;
    if (k8s.pod) {
      const pod = this.opts.store.tryGet<Pod>('pods', k8s.namespace, k8s.pod.name);
      if (!pod || pod.metadata?.uid !== k8s.pod.uid) return undefined;
    }
    return serviceAccountUser(claims);
  }
}

/**
 * The user a request acts as after its Impersonate-* headers: the caller must be allowed to
 * `impersonate` the user (a service account's name: the serviceaccounts resource), each group
 * and the uid. No headers: the caller itself.
 */
export function impersonate(caller: UserInfo, req: IncomingMessage, policy: () => RbacPolicy): UserInfo {
  const as = header(req, 'impersonate-user');
  const groups = headerList(req, 'impersonate-group');
  const uid = header(req, 'impersonate-uid');
  if (as === undefined) {
    if (groups.length > 0 || uid !== undefined) throw new ForbiddenError('requested impersonation of groups or a uid without a user');
    return caller;
  }
  const checks: RequestAttributes[] = [];
  const sa = parseServiceAccountUsername(as);
  checks.push(sa ? { kind: 'resource', verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name } : { kind: 'resource', verb: 'impersonate', apiGroup: '', resource: 'users', name: as });
  for (const g of groups) checks.push({ kind: 'resource', verb: 'impersonate', apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) checks.push({ kind: 'resource', verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  const p = policy();
  for (const attrs of checks) {
    if (!authorize(caller, attrs, p).allowed) throw new ForbiddenError(forbiddenMessage(caller, attrs), { name: attrs.kind === 'resource' ? attrs.name : undefined, kind: attrs.kind === 'resource' ? attrs.resource : undefined });
  }
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`] : [];
  return { username: as, ...(uid !== undefined ? { uid } : {}), groups: [...new Set([...groups, ...implied, 'system:authenticated'])] };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function headerList(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}
