/**
 * @module An HTTP client for the OCI distribution API (images.md §3): ping, manifests with all
 * four media types in Accept, blobs that resume with Range after a dropped connection, redirects
 * (to a CDN on another host: the registry's Authorization is never sent there), and auth:
 * anonymous, Basic, and Bearer token challenges (token cached per host and scope).
 * Transport per endpoint: HTTPS with the system CAs or the endpoint's CA; for an `insecure`
 * endpoint (loopback registries are, as in Docker) HTTPS without verification first, then plain
 * HTTP when the server does not speak TLS.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { RegistryCredentials } from '../../core/registry-auth.js';
import { parseAuthChallenges, type AuthChallenge } from './auth-challenge.js';

export interface RegistryEndpoint {
  /** host[:port] to connect to (a mirror's own host for mirrors). */
  host: string;
  /** Plain HTTP and unverified TLS allowed. */
  insecure?: boolean;
  /** PEM CA bundle trusted for this endpoint (besides none: the system CAs are replaced). */
  ca?: string;
  credentials?: RegistryCredentials;
}

export type RegistryErrorKind = 'unauthorized' | 'not-found' | 'unreachable' | 'protocol';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ManifestResponse {
  bytes: Buffer;
  mediaType?: string;
  /** Docker-Content-Digest, when sent. */
  digest?: string;
}

export interface RegistryClientOptions {
  /** Attempts per request for connection failures and 5xx (and per blob for resumes). */
  attempts?: number;
  /** Idle socket timeout. */
  timeoutMs?: number;
  retryDelayMs?: number;
  userAgent?: string;
}

const MAX_MANIFEST = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

interface Token {
  value: string;
  expires: number;
}

export class RegistryClient {
  private readonly schemes = new Map<string, Promise<'https' | 'http'>>();
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, Token>();
  private readonly agents = new Map<string, http.Agent>();
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly userAgent: string;

  constructor(opts: RegistryClientOptions = {}) {
    this.attempts = opts.attempts ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
    this.userAgent = opts.userAgent ?? 'peapod';
  }

  /** Closes kept-alive connections. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  async getManifest(ep: RegistryEndpoint, repo: string, reference: string, accept: string[]): Promise<ManifestResponse> {
    const res = await this.request(ep, repo, `/v2/${repo}/manifests/${reference}`, { accept: accept.join(', ') });
    const len = Number(res.headers['content-length'] ?? 0);
    if (len > MAX_MANIFEST) {
      res.destroy();
      throw new RegistryError('protocol', `manifest ${repo}:${reference} from ${ep.host} is ${len} bytes, more than ${MAX_MANIFEST}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      total += c.length;
      if (total > MAX_MANIFEST) {
        res.destroy();
        throw new RegistryError('protocol', `manifest ${repo}:${reference} from ${ep.host} is larger than ${MAX_MANIFEST} bytes`);
      }
      chunks.push(c);
    }
    const out: ManifestResponse = { bytes: Buffer.concat(chunks) };
    const ct = res.headers['content-type'];
    if (ct) out.mediaType = ct.split(';')[0].trim();
    const dg = res.headers['docker-content-digest'];
    if (typeof dg === 'string') out.digest = dg;
    return out;
  }

  /**
   * The blob's bytes (at most `size`). A connection that breaks midway is resumed with a Range
   * request (or restarted and the first bytes skipped when the server ignores Range). The
   * caller verifies the digest.
   */
  openBlob(ep: RegistryEndpoint, repo: string, digest: string, size: number): Readable {
    const self = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      let offset = 0;
      let failures = 0;
      while (offset < size || size === 0) {
        let res: IncomingMessage;
        try {
          res = await self.request(ep, repo, `/v2/${repo}/blobs/${digest}`, offset > 0 ? { range: `bytes=${offset}-` } : {});
        } catch (err) {
          if (err instanceof RegistryError && err.kind !== 'unreachable') throw err;
          if (++failures >= self.attempts) throw err;
          await delay(self.retryDelayMs * failures);
          continue;
        }
        let skip = offset > 0 && res.statusCode !== 206 ? offset : 0;
        try {
          for await (const chunk of res as AsyncIterable<Buffer>) {
            let c = chunk;
            if (skip > 0) {
              if (c.length <= skip) {
                skip -= c.length;
                continue;
              }
              c = c.subarray(skip);
              skip = 0;
            }
            offset += c.length;
            yield c;
          }
        } catch (err) {
          if (++failures >= self.attempts) throw new RegistryError('unreachable', `downloading ${digest} from ${ep.host}: ${(err as Error).message}`);
          await delay(self.retryDelayMs * failures);
          continue;
        }
        if (size === 0 || offset >= size) return;
        // the server closed cleanly but short: a truncated answer, resume after it
        if (++failures >= self.attempts) {
          throw new RegistryError('unreachable', `downloading ${digest} from ${ep.host}: connection closed after ${offset} of ${size} bytes`);
        }
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** A GET on the registry with auth and redirects, retried on connection failures and 5xx; rejects unless 2xx. */
  async request(ep: RegistryEndpoint, repo: string, path: string, headers: Record<string, string>): Promise<IncomingMessage> {
    const scheme = await this.scheme(ep);
    const url = new URL(`${scheme}://${ep.host}${path}`);
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      const auth = await this.authorization(ep, repo);
      let res: IncomingMessage;
      try {
        res = await this.follow(ep, url, { ...headers, ...(auth ? { authorization: auth } : {}) });
      } catch (err) {
        if (attempt >= this.attempts) throw err;
        await delay(this.retryDelayMs * attempt);
        continue;
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const body = await readSmall(res);
      if (status === 401 && !authRetried) {
        const ch = parseAuthChallenges(res.headers['www-authenticate']).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
        if (ch) {
          this.challenges.set(ep.host, ch);
          // a token without this scope: drop it so the next authorization() fetches one
          this.tokens.delete(this.tokenKey(ep, tokenScope(ch, repo)));
          authRetried = true;
          if (ch.scheme === 'bearer' || ep.credentials) continue;
        }
      }
      if (status >= 500 && attempt < this.attempts) {
        await delay(this.retryDelayMs * attempt);
        continue;
      }
      throw statusError(ep, url.pathname, status, body, !!ep.credentials);
    }
  }

  // --------------------------------------------------------------------------------------

  private scheme(ep: RegistryEndpoint): Promise<'https' | 'http'> {
    let p = this.schemes.get(ep.host);
    if (!p) {
      p = (async (): Promise<'https' | 'http'> => {
        if (!ep.insecure) return 'https';
        try {
          const res = await this.send(ep, new URL(`https://${ep.host}/v2/`), {});
          res.resume();
          return 'https';
        } catch (err) {
          if ((err as RegistryError).kind === 'unreachable' && /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/.test((err as Error).message)) throw err;
          return 'http';
        }
      })();
      this.schemes.set(ep.host, p);
      p.catch(() => this.schemes.delete(ep.host));
    }
    return p;
  }

  /** Follows redirects; the Authorization header only goes to the endpoint's own origin. */
  private async follow(ep: RegistryEndpoint, start: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === start.origin;
      const h = { ...headers };
      if (!sameOrigin) delete h.authorization;
      const res = await this.send(ep, url, h, !sameOrigin);
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (hop >= MAX_REDIRECTS) throw new RegistryError('protocol', `too many redirects from ${start.host}${start.pathname}`);
        url = new URL(res.headers.location, url);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RegistryError('protocol', `redirect to unsupported URL ${url.protocol}`);
        continue;
      }
      return res;
    }
  }

  private send(ep: RegistryEndpoint, url: URL, headers: Record<string, string>, foreign = false): Promise<IncomingMessage> {
    const isHttps = url.protocol === 'https:';
    const agent = this.agent(isHttps, foreign ? undefined : ep);
    const mod = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method: 'GET', agent, headers: { 'user-agent': this.userAgent, ...headers } }, resolve);
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(new RegistryError('unreachable', `${url.host}: ${describeNetError(err)}`)));
      req.end();
    });
  }

  private agent(isHttps: boolean, ep: RegistryEndpoint | undefined): http.Agent {
    const key = `${isHttps}|${ep?.host ?? ''}|${ep?.insecure ?? false}|${ep?.ca ?? ''}`;
    let a = this.agents.get(key);
    if (!a) {
      if (!isHttps) a = new http.Agent({ keepAlive: true });
      else {
        const opts: https.AgentOptions = { keepAlive: true };
        if (ep?.ca) opts.ca = ep.ca;
        else if (ep?.insecure) opts.rejectUnauthorized = false;
        a = new https.Agent(opts);
      }
      this.agents.set(key, a);
    }
    return a;
  }

  private tokenKey(ep: RegistryEndpoint, scope: string): string {
    return `${ep.host}|${ep.credentials?.username ?? ''}|${scope}`;
  }

  private async authorization(ep: RegistryEndpoint, repo: string): Promise<string | undefined> {
    const ch = this.challenges.get(ep.host);
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      return ep.credentials ? `Basic ${Buffer.from(`${ep.credentials.username}:${ep.credentials.password}`).toString('base64')}` : undefined;
    }
    const scope = tokenScope(ch, repo);
    const key = this.tokenKey(ep, scope);
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(ep, ch, scope);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  private async fetchToken(ep: RegistryEndpoint, ch: AuthChallenge, scope: string): Promise<Token> {
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError('protocol', `${ep.host} asked for a bearer token without a realm`);
    const url = new URL(realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (ep.credentials) {
      url.searchParams.set('account', ep.credentials.username);
      headers.authorization = `Basic ${Buffer.from(`${ep.credentials.username}:${ep.credentials.password}`).toString('base64')}`;
    }
    const sameHost = url.host === ep.host;
    const res = await this.send(ep, url, headers, !sameHost && !ep.ca);
    const body = await readSmall(res);
    const status = res.statusCode ?? 0;
    if (status === 401 || status === 403) {
      throw new RegistryError('unauthorized', `${ep.host}: the token server ${url.host} refused ${ep.credentials ? `the credentials of "${ep.credentials.username}"` : 'anonymous access'} (HTTP ${status})`, status);
    }
    if (status < 200 || status >= 300) throw new RegistryError('protocol', `${ep.host}: token server ${url.host} answered HTTP ${status}`, status);
    let json: { token?: string; access_token?: string; expires_in?: number };
    try {
      json = JSON.parse(body);
    } catch {
      throw new RegistryError('protocol', `${ep.host}: token server ${url.host} sent invalid JSON`);
    }
    const value = json.token ?? json.access_token;
    if (!value) throw new RegistryError('protocol', `${ep.host}: token server ${url.host} sent no token`);
    const ttl = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
    return { value, expires: Date.now() + Math.max(1, ttl - 5) * 1000 };
  }
}

function tokenScope(ch: AuthChallenge, repo: string): string {
  const own = `repository:${repo}:pull`;
  const asked = ch.params.scope;
  return asked && asked.startsWith(`repository:${repo}:`) ? asked : own;
}

function statusError(ep: RegistryEndpoint, path: string, status: number, body: string, hadCredentials: boolean): RegistryError {
  let detail = '';
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    detail = body.trim().slice(0, 200);
  }
  const suffix = detail ? ` (${detail})` : '';
  if (status === 401 || status === 403) {
    return new RegistryError('unauthorized', `${ep.host}: ${hadCredentials ? 'the credentials were refused' : 'authentication required'} for ${path}: HTTP ${status}${suffix}`, status);
  }
  if (status === 404) return new RegistryError('not-found', `${ep.host}: ${path} not found${suffix}`, status);
  return new RegistryError('protocol', `${ep.host}: ${path}: HTTP ${status}${suffix}`, status);
}

async function readSmall(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of res as AsyncIterable<Buffer>) {
      total += c.length;
      if (total > 64 * 1024) {
        res.destroy();
        break;
      }
      chunks.push(c);
    }
  } catch {
    // the status is what matters
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeNetError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `connection refused (${code}): is the registry running?`;
  return code ? `${err.message} (${code})` : err.message;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
