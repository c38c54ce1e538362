import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { silentLogger } from '../../core/logger.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { DashboardGate } from './dashboard-gate.js';
import { cookieValue, DashboardSessions, LOGIN_LINK_TTL_MS, SESSION_TTL_MS, sessionCookie } from './dashboard-sessions.js';

test('a one-time link works once and only within 5 minutes', () => {
  const clock = new FakeClock();
  const s = new DashboardSessions(clock);
  const a = s.mintLogin('admin');
  const redeemed = s.redeemLogin(a.token);
  assert.ok(redeemed && s.find(redeemed.id)?.user === 'admin');
  assert.equal(s.redeemLogin(a.token), undefined, 'used up');
  const b = s.mintLogin('admin');
  clock.advance(LOGIN_LINK_TTL_MS);
  assert.equal(s.redeemLogin(b.token), undefined, 'expired');
  assert.equal(s.redeemLogin('made-up'), undefined);
});

test('a session ends 12 hours after sign-in, or at sign-out; each has its own CSRF token', () => {
  const clock = new FakeClock();
  const s = new DashboardSessions(clock);
  const one = s.create('admin');
  const two = s.create('admin');
  assert.notEqual(one.session.csrfToken, two.session.csrfToken);
  clock.advance(SESSION_TTL_MS - 1);
  assert.ok(s.find(one.id));
  s.end(two.id);
  assert.equal(s.find(two.id), undefined);
  clock.advance(1);
  assert.equal(s.find(one.id), undefined);
  assert.equal(s.find(undefined), undefined);
});

test('the cookie: HttpOnly, Secure, SameSite=Strict, for every path; read back from a Cookie header', () => {
  assert.match(sessionCookie('abc'), /^peapod_session=abc; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/);
  assert.equal(cookieValue('a=1; peapod_session=xyz; b=2', 'peapod_session'), 'xyz');
  assert.equal(cookieValue(undefined, 'peapod_session'), undefined);
});

function req(headers: Record<string, string>, method = 'GET'): IncomingMessage {
  return { headers: { host: '127.0.0.1:6443', ...headers }, method } as unknown as IncomingMessage;
}

test('the gate: a live session from this origin passes; changes need the CSRF token; cross-site and WebSockets without Origin are refused', () => {
  const sessions = new DashboardSessions(new FakeClock());
  const gate = new DashboardGate({ sessions, checkToken: () => undefined, assets: { get: () => undefined }, logger: silentLogger });
  const { id, session } = sessions.create('admin');
  const cookie = `peapod_session=${id}`;
  assert.deepEqual(gate.authenticate(req({ cookie }), false), { user: 'admin' });
  assert.equal((gate.authenticate(req({}), false) as { code: number }).code, 401);
  assert.equal((gate.authenticate(req({ cookie: 'peapod_session=forged' }), false) as { code: number }).code, 401);
  assert.equal((gate.authenticate(req({ cookie, origin: 'https://evil.example' }), false) as { code: number }).code, 403);
  assert.equal((gate.authenticate(req({ cookie, 'sec-fetch-site': 'cross-site' }), false) as { code: number }).code, 403);
  assert.equal((gate.authenticate(req({ cookie }, 'DELETE'), false) as { code: number }).code, 403);
  assert.equal((gate.authenticate(req({ cookie, 'x-csrf-token': 'wrong' }, 'POST'), false) as { code: number }).code, 403);
  assert.deepEqual(gate.authenticate(req({ cookie, 'x-csrf-token': session.csrfToken, origin: 'https://127.0.0.1:6443' }, 'POST'), false), { user: 'admin' });
  assert.equal((gate.authenticate(req({ cookie }), true) as { code: number }).code, 403, 'a WebSocket without Origin');
  assert.deepEqual(gate.authenticate(req({ cookie, origin: 'https://127.0.0.1:6443' }), true), { user: 'admin' });
});
