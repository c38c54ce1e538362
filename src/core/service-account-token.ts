/**
 * @module Bound service account tokens (KEP-1205), as the API server issues them for a
 * TokenRequest: a JWT signed with the daemon's service-account key (ES256), for given audiences,
 * expiring, and bound to the ServiceAccount and (for pods) the Pod by uid, so it dies with them.
 * Also the checks a presented token must pass, the identity it stands for, and the kubelet's
 * rule for refreshing a projected token (at 80 % of its lifetime, or after 24 h). Pure, given a key.
 */
import { createHash, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { fieldErrors as fe, throwIfInvalid } from './field-error.js';
import type { UserInfo } from './rbac-authorizer.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** TokenRequest's default, and the floor the API server enforces. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

export interface BoundObject {
  name: string;
  uid: string;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: BoundObject;
    pod?: BoundObject;
    node?: BoundObject;
    secret?: BoundObject;
  };
}

export interface TokenRequestInput {
  namespace: string;
  serviceAccount: BoundObject;
  audiences: readonly string[];
  expirationSeconds?: number;
  pod?: BoundObject;
  node?: BoundObject;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** The key id upstream puts in the header: base64url(SHA-256 of the public key's DER). */
export function keyId(publicKey: KeyObject): string {
  return b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
}

/** The claims of a TokenRequest; 422 naming spec.expirationSeconds when it is out of range. */
export function tokenClaims(req: TokenRequestInput, nowMs: number, issuer = DEFAULT_ISSUER): ServiceAccountClaims {
  const ttl = req.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (ttl < MIN_TOKEN_EXPIRATION_SECONDS) {
    throwIfInvalid('TokenRequest', req.serviceAccount.name, [fe.invalid('spec.expirationSeconds', ttl, 'may not specify a duration less than 10 minutes')]);
  }
  if (ttl > MAX_TOKEN_EXPIRATION_SECONDS) {
    throwIfInvalid('TokenRequest', req.serviceAccount.name, [fe.invalid('spec.expirationSeconds', ttl, 'may not specify a duration larger than 2^32 seconds')]);
  }
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: issuer,
    sub: `system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`,
    aud: req.audiences.length ? [...req.audiences] : [issuer],
    exp: iat + ttl,
    iat,
    nbf: iat,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: req.namespace,
      serviceaccount: req.serviceAccount,
      ...(req.pod ? { pod: req.pod } : {}),
      ...(req.node ? { node: req.node } : {}),
    },
  };
}

/** A compact JWS (ES256) of the claims. */
export function signToken(claims: ServiceAccountClaims, privateKey: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${b64url(sig)}`;
}

/**
 * The claims of a token this key signed that is valid now for one of `audiences`; undefined for
 * anything else (another issuer's JWT, a bad signature, expired, not yet valid, wrong audience).
 * The bound objects still have to be checked against the store.
 */
export function verifyToken(token: string, publicKey: KeyObject, nowMs: number, audiences: readonly string[], issuer = DEFAULT_ISSUER): ServiceAccountClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: { alg?: string };
  let claims: ServiceAccountClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header.alg !== 'ES256' || typeof claims !== 'object' || claims === null) return undefined;
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok) return undefined;
  const now = Math.floor(nowMs / 1000);
  // A minute of leeway for clock skew, as upstream's validator allows.
  if (claims.iss !== issuer || typeof claims.exp !== 'number' || now > claims.exp + 60 || (typeof claims.nbf === 'number' && now + 60 < claims.nbf)) return undefined;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => audiences.includes(a))) return undefined;
  const k8s = claims['kubernetes.io'];
  if (!k8s?.namespace || !k8s.serviceaccount?.name || !k8s.serviceaccount.uid) return undefined;
  return claims;
}

/** The user a service account token authenticates (serviceaccount.UserInfo with the bound pod in extra). */
export function serviceAccountUser(claims: ServiceAccountClaims): UserInfo {
  const k8s = claims['kubernetes.io'];
  const extra: Record<string, string[]> = {};
  if (k8s.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
  }
  if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  return {
    username: `system:serviceaccount:${k8s.namespace}:${k8s.serviceaccount.name}`,
    uid: k8s.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`, 'system:authenticated'],
    extra,
  };
}

/** `system:serviceaccount:ns:name` → its namespace and name; undefined for other user names. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

/**
 * The kubelet's token manager rule (requiresRefresh): a projected token is fetched again once
 * 80 % of its lifetime has passed, or 24 h, whichever comes first.
 */
export function tokenRefreshAtMs(issuedAtMs: number, expiresAtMs: number): number {
  const ttl = expiresAtMs - issuedAtMs;
  return issuedAtMs + Math.min(ttl * 0.8, 24 * 3600 * 1000);
}
