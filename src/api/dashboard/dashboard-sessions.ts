/**
 * @module The dashboard's sign-ins: one-time login links (`peapod dashboard`) and sessions, each
 * session with its own CSRF token. In memory only: a daemon restart signs everyone out, and no
 * secret is ever written to disk. Secrets are looked up by their SHA-256, so a lookup's timing
 * says nothing about a stored secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/ports.js';

export const SESSION_COOKIE = 'peapod_session';
/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** How long a one-time login link stays valid. */
export const LOGIN_LINK_TTL_MS = 5 * 60_000;
const MAX_SESSIONS = 1000;

export interface DashboardSession {
  /** Who signed in (the admin today; a ServiceAccount's user once tokens beyond the admin's exist). */
  user: string;
  csrfToken: string;
  expiresAt: number;
}

const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const secret = (): string => randomBytes(32).toString('base64url');

export class DashboardSessions {
  private readonly sessions = new Map<string, DashboardSession>();
  private readonly logins = new Map<string, { user: string; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  /** A one-time login secret, valid once within LOGIN_LINK_TTL_MS. */
  mintLogin(user: string): { token: string; expiresAt: number } {
    this.sweep();
    const token = secret();
    const expiresAt = this.clock.now() + LOGIN_LINK_TTL_MS;
    this.logins.set(digest(token), { user, expiresAt });
    return { token, expiresAt };
  }

  /** Uses up a login secret; a new session's id, or undefined when unknown, used or expired. */
  redeemLogin(token: string): { id: string; session: DashboardSession } | undefined {
    const key = digest(token);
    const login = this.logins.get(key);
    this.logins.delete(key);
    if (!login || login.expiresAt <= this.clock.now()) return undefined;
    return this.create(login.user);
  }

  create(user: string): { id: string; session: DashboardSession } {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      // The oldest sign-in goes first (Map keeps insertion order).
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = secret();
    const session = { user, csrfToken: secret(), expiresAt: this.clock.now() + SESSION_TTL_MS };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, if any. */
  find(id: string | undefined): DashboardSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(digest(id));
    if (!s) return undefined;
    if (s.expiresAt <= this.clock.now()) {
      this.sessions.delete(digest(id));
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    for (const [k, l] of this.logins) if (l.expiresAt <= now) this.logins.delete(k);
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}
