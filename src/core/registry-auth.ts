/**
 * @module Registry credentials in the docker config.json shape, as kubernetes.io/dockerconfigjson
 * Secrets and `~/.docker/config.json` hold them: `{"auths": {"<host>": {"auth": base64(user:pass)}}}`
 * (or `username`/`password`). Keys may be URLs (`https://index.docker.io/v1/`); they are
 * normalised to the registry host an ImageReference names ("docker.io", "127.0.0.1:5000"). Pure.
 */
import { BadRequestError } from './errors.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Registry host → credentials. */
export type CredentialMap = Record<string, RegistryCredentials>;

/** "https://index.docker.io/v1/" → "docker.io"; "http://127.0.0.1:5000/v2" → "127.0.0.1:5000". */
export function normalizeRegistryHost(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.split('/')[0].toLowerCase();
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return 'docker.io';
  return host;
}

/**
 * Credentials of a docker config.json (or its legacy bare `{host: {auth}}` form, `.dockercfg`).
 * Entries without usable credentials are skipped; `what` names the source in errors.
 */
export function parseDockerConfig(json: unknown, what: string): CredentialMap {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new BadRequestError(`${what} is not a JSON object`);
  const o = json as Record<string, unknown>;
  const auths = (o.auths && typeof o.auths === 'object' ? o.auths : o) as Record<string, unknown>;
  const out: CredentialMap = {};
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    let username = typeof e.username === 'string' ? e.username : undefined;
    let password = typeof e.password === 'string' ? e.password : undefined;
    if (typeof e.auth === 'string' && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new BadRequestError(`${what}: the "auth" of ${key} is not base64 of "user:password"`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username === undefined || password === undefined) continue;
    out[normalizeRegistryHost(key)] = { username, password };
  }
  return out;
}

/** Merges credential maps; earlier maps win (the pod's secrets before the daemon's file). */
export function mergeCredentials(...maps: (CredentialMap | undefined)[]): CredentialMap {
  const out: CredentialMap = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k] ??= v;
  return out;
}

/**
 * Credentials of a Secret named in `imagePullSecrets`: `kubernetes.io/dockerconfigjson`
 * (`.dockerconfigjson`) or the legacy `kubernetes.io/dockercfg` (`.dockercfg`); undefined for
 * other types. `data` values are base64, `stringData` is already merged by the API.
 */
export function secretCredentials(secret: unknown): CredentialMap | undefined {
  const s = secret as { type?: string; data?: Record<string, string>; metadata?: { name?: string } };
  const key = s?.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : s?.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : undefined;
  const raw = key ? s.data?.[key] : undefined;
  if (!raw) return undefined;
  const what = `secret "${s.metadata?.name ?? ''}"`;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new BadRequestError(`${what}: ${key} is not valid JSON`);
  }
  return parseDockerConfig(json, what);
}
