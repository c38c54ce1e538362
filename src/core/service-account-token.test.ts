import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { InvalidError } from './errors.js';
import { keyId, parseServiceAccountUsername, serviceAccountUser, signToken, tokenClaims, tokenRefreshAtMs, verifyToken, DEFAULT_ISSUER } from './service-account-token.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const now = Date.parse('2025-01-01T00:00:00Z');
const req = { namespace: 'app', serviceAccount: { name: 'default', uid: 'sa-uid' }, audiences: [], pod: { name: 'web-0', uid: 'pod-uid' } };

test('a token verifies with its key, for its audience, until it expires', () => {
  const claims = tokenClaims({ ...req, expirationSeconds: 3600 }, now);
  const token = signToken(claims, privateKey, keyId(publicKey));
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid, keyId(publicKey));
  const got = verifyToken(token, publicKey, now + 1000, [DEFAULT_ISSUER]);
  assert.equal(got?.sub, 'system:serviceaccount:app:default');
  assert.deepEqual(got?.['kubernetes.io'].pod, { name: 'web-0', uid: 'pod-uid' });
  assert.equal(verifyToken(token, publicKey, now + 3600_000 + 61_000, [DEFAULT_ISSUER]), undefined, 'expired');
  assert.equal(verifyToken(token, other.publicKey, now, [DEFAULT_ISSUER]), undefined, 'another key');
  assert.equal(verifyToken(token, publicKey, now, ['vault']), undefined, 'another audience');
  const [h, , s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  assert.equal(verifyToken(`${h}.${forged}.${s}`, publicKey, now, [DEFAULT_ISSUER]), undefined, 'claims changed after signing');
  assert.equal(verifyToken('not-a-jwt', publicKey, now, [DEFAULT_ISSUER]), undefined);
  const vault = signToken(tokenClaims({ ...req, audiences: ['vault'] }, now), privateKey, 'k');
  assert.deepEqual(verifyToken(vault, publicKey, now, ['vault'])?.aud, ['vault']);
});

test('the identity of a token: the service account user with its groups and bound pod', () => {
  const user = serviceAccountUser(tokenClaims(req, now));
  assert.equal(user.username, 'system:serviceaccount:app:default');
  assert.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:app', 'system:authenticated']);
  assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
  assert.deepEqual(parseServiceAccountUsername('system:serviceaccount:app:default'), { namespace: 'app', name: 'default' });
  assert.equal(parseServiceAccountUsername('alice'), undefined);
});

test('expirationSeconds below 10 minutes is refused naming the field; the default is one hour', () => {
  assert.throws(() => tokenClaims({ ...req, expirationSeconds: 599 }, now), (err: unknown) => err instanceof InvalidError && /spec\.expirationSeconds/.test(JSON.stringify(err.details)));
  const c = tokenClaims(req, now);
  assert.equal(c.exp - c.iat, 3600);
});

test('the kubelet refreshes at 80 % of the lifetime, at most after 24 h', () => {
  assert.equal(tokenRefreshAtMs(now, now + 3600_000), now + 2880_000);
  assert.equal(tokenRefreshAtMs(now, now + 365 * 86400_000), now + 86400_000);
});
