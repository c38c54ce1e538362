/**
 * @module The browser's way in to the HTTPS API: the /ui/ pages (sign-in with the admin token or a
 * one-time link, the app shell, its assets) and, for API requests that carry no bearer token,
 * the session cookie, checked with the same-origin and CSRF rules. Everything a signed-in page
 * does then goes through the ordinary API handlers, as kubectl's requests do. The HTTPS listener
 * calls it (adapters/tls/https-listener.ts, BrowserGate); nothing here is reachable over the
 * unix socket.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { StaticAssets } from '../../core/ports.js';
import { readBody } from '../http-util.js';
import { appShell, loginPage, signedInPage } from './login-page.js';
import { clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie, type DashboardSession, type DashboardSessions } from './dashboard-sessions.js';

export interface DashboardGateDeps {
  sessions: DashboardSessions;
  /** The user a bearer token belongs to, or undefined (today only the admin token signs in). */
  checkToken(token: string): string | undefined;
  assets: StaticAssets;
  logger: Logger;
}

export type GateDecision = { user: string } | { code: 401 | 403; message: string };

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // The one-time link's secret must not leave in a Referer.
  'Referrer-Policy': 'no-referrer',
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class DashboardGate {
  constructor(private readonly d: DashboardGateDeps) {}

  /** Answers /ui and everything under it; false for any other path (the API's). */
  handleUi(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'https://peapod');
    if (url.pathname !== '/ui' && !url.pathname.startsWith('/ui/')) return false;
    void this.serveUi(req, res, url).catch((err: unknown) => {
      this.d.logger.warn('dashboard request failed', { path: url.pathname, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) this.html(res, 400, loginPage('That request could not be read. Sign in again.'));
      else res.destroy();
    });
    return true;
  }

  /**
   * An API request without an Authorization header: allowed with a live session, from this
   * origin, and (for changes) with the session's CSRF token in X-CSRF-Token.
   */
  authenticate(req: IncomingMessage, upgrade: boolean): GateDecision {
    const session = this.session(req);
    if (!session) return { code: 401, message: 'Unauthorized' };
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return { code: 403, message: 'cross-site request refused' };
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(req, origin)) return { code: 403, message: `cross-origin request from ${origin} refused` };
    // A browser always sends Origin on a WebSocket handshake: no Origin, no browser page of ours.
    if (upgrade && origin === undefined) return { code: 403, message: 'WebSocket request without an Origin refused' };
    if (!upgrade && !SAFE_METHODS.has(req.method ?? 'GET') && !tokenMatches(req.headers['x-csrf-token'], session.csrfToken)) {
      return { code: 403, message: 'missing or wrong CSRF token (X-CSRF-Token)' };
    }
    return { user: session.user };
  }

  private session(req: IncomingMessage): DashboardSession | undefined {
    return this.d.sessions.find(cookieValue(req.headers.cookie, SESSION_COOKIE));
  }

  private async serveUi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/ui') return this.redirect(res, '/ui/');
    if (path === '/ui/login' && method === 'POST') return this.signInWithToken(req, res);
    if (path === '/ui/login' && method === 'GET') return this.signInWithLink(res, url.searchParams.get('once') ?? '');
    if (path === '/ui/logout' && method === 'POST') return this.signOut(req, res);
    if (method !== 'GET' && method !== 'HEAD') return this.html(res, 405, loginPage('That page only opens with GET.'));
    const session = this.session(req);
    if (path.startsWith('/ui/assets/')) {
      if (!session) return this.text(res, 401, 'Unauthorized: sign in at /ui/');
      return this.asset(req, res, path.slice('/ui/assets/'.length));
    }
    if (!session) {
      const hadCookie = cookieValue(req.headers.cookie, SESSION_COOKIE) !== undefined;
      return this.html(res, 200, loginPage(hadCookie ? 'Your session has ended or is not valid. Sign in again.' : undefined));
    }
    const app = this.d.assets.get('app.js');
    if (!app) return this.html(res, 503, loginPage('The dashboard is not built: run scripts/setup.sh (it builds dist/web).'));
    return this.html(res, 200, appShell(session.csrfToken, session.user, app.etag.replace(/"/g, '')));
  }

  private async signInWithToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && !sameOrigin(req, origin)) {
      return this.html(res, 403, loginPage('Sign-in from another site was refused.'));
    }
    const body = await readBody(req, 16 * 1024).catch(() => undefined);
    const token = body ? (new URLSearchParams(body.toString('utf8')).get('token') ?? '').trim() : '';
    const user = token ? this.d.checkToken(token) : undefined;
    if (!user) return this.html(res, 401, loginPage('That token is not valid. Use the admin token from peapod kubeconfig.'));
    const { id } = this.d.sessions.create(user);
    res.writeHead(303, { ...SECURITY_HEADERS, Location: '/ui/', 'Set-Cookie': sessionCookie(id), 'Cache-Control': 'no-store', 'Content-Length': 0 });
    res.end();
  }

  private signInWithLink(res: ServerResponse, once: string): void {
    const redeemed = once ? this.d.sessions.redeemLogin(once) : undefined;
    if (!redeemed) {
      const msg = once ? 'This sign-in link has expired or was already used. Run peapod dashboard for a new one.' : undefined;
      return this.html(res, once ? 401 : 200, loginPage(msg));
    }
    const body = signedInPage();
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': sessionCookie(redeemed.id), 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private async signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = this.session(req);
    const body = await readBody(req, 16 * 1024).catch(() => Buffer.alloc(0));
    const csrf = req.headers['x-csrf-token'] ?? new URLSearchParams(body.toString('utf8')).get('csrf') ?? undefined;
    if (session && tokenMatches(csrf, session.csrfToken) && (req.headers.origin === undefined || sameOrigin(req, req.headers.origin))) {
      this.d.sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
    }
    res.writeHead(303, { ...SECURITY_HEADERS, Location: '/ui/', 'Set-Cookie': clearedSessionCookie(), 'Content-Length': 0 });
    res.end();
  }

  private asset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const a = /^[A-Za-z0-9._-]+$/.test(name) ? this.d.assets.get(name) : undefined;
    if (!a) return this.text(res, 404, 'Not found');
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, { ETag: a.etag });
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? a.gzip : a.body;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': a.contentType,
      'Content-Length': body.length,
      ETag: a.etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private html(res: ServerResponse, code: number, body: string): void {
    res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private text(res: ServerResponse, code: number, body: string): void {
    res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private redirect(res: ServerResponse, to: string): void {
    res.writeHead(301, { Location: to, 'Content-Length': 0 });
    res.end();
  }
}

function sameOrigin(req: IncomingMessage, origin: string): boolean {
  return origin === `https://${req.headers.host ?? ''}`;
}

function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
