/**
 * @module Registry settings from `<data-dir>/registries.json` (documented in the README):
 *
 *   { "registries": { "<host[:port]>": { "insecure": true, "ca": "/path/ca.crt", "mirrors": ["<host>"] } },
 *     "auths": { "<host>": { "auth": "<base64 user:pass>" } } }      // docker config.json shape
 *
 * Read again whenever the file changes, so edits apply to the next pull without a restart.
 * Loopback registries (127.0.0.0/8, ::1, localhost) are insecure-allowed without configuration.
 */
import { readFile, stat } from 'node:fs/promises';
import { BadRequestError } from '../../core/errors.js';
import { mergeCredentials, normalizeRegistryHost, parseDockerConfig, type CredentialMap } from '../../core/registry-auth.js';
import type { RegistryEndpoint } from './registry-client.js';

export interface RegistrySettings {
  insecure?: boolean;
  /** Path of a PEM CA bundle. */
  ca?: string;
  mirrors?: string[];
}

interface Loaded {
  mtimeMs: number;
  registries: Record<string, RegistrySettings & { caPem?: string }>;
  auths: CredentialMap;
}

const EMPTY: Loaded = { mtimeMs: -1, registries: {}, auths: {} };

export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The host actually contacted for a registry name (Docker Hub's API lives elsewhere). */
export function registryApiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

export class RegistryHosts {
  private loaded: Loaded = EMPTY;

  constructor(readonly configPath: string | undefined) {}

  /** Endpoints to try for `domain`, mirrors first, each with its transport and credentials. */
  async endpoints(domain: string, credentials?: CredentialMap): Promise<RegistryEndpoint[]> {
    const cfg = await this.load();
    const creds = mergeCredentials(credentials, cfg.auths);
    const make = (name: string, host: string): RegistryEndpoint => {
      const s = cfg.registries[name] ?? {};
      const ep: RegistryEndpoint = { host };
      // loopback is insecure-allowed unless the file says `"insecure": false` (to insist on verified TLS)
      if (s.insecure ?? isLoopbackHost(host)) ep.insecure = true;
      if (s.caPem) ep.ca = s.caPem;
      const c = creds[name];
      if (c) ep.credentials = c;
      return ep;
    };
    const mirrors = (cfg.registries[domain]?.mirrors ?? []).map((m) => {
      const h = normalizeRegistryHost(m);
      return make(h, h);
    });
    return [...mirrors, make(domain, registryApiHost(domain))];
  }

  private async load(): Promise<Loaded> {
    if (!this.configPath) return EMPTY;
    const st = await stat(this.configPath).catch(() => undefined);
    if (!st) return (this.loaded = EMPTY);
    if (st.mtimeMs + st.size === this.loaded.mtimeMs) return this.loaded;
    const what = this.configPath;
    let json: { registries?: Record<string, RegistrySettings>; auths?: unknown };
    try {
      json = JSON.parse(await readFile(this.configPath, 'utf8'));
    } catch (err) {
      throw new BadRequestError(`${what} is not valid JSON: ${(err as Error).message}`);
    }
    const registries: Loaded['registries'] = {};
    for (const [key, s] of Object.entries(json.registries ?? {})) {
      if (!s || typeof s !== 'object') throw new BadRequestError(`${what}: registries["${key}"] must be an object`);
      if (s.mirrors !== undefined && (!Array.isArray(s.mirrors) || s.mirrors.some((m) => typeof m !== 'string'))) {
        throw new BadRequestError(`${what}: registries["${key}"].mirrors must be a list of hosts`);
      }
      const entry: RegistrySettings & { caPem?: string } = { ...s };
      if (s.ca !== undefined) {
        try {
          entry.caPem = await readFile(s.ca, 'utf8');
        } catch (err) {
          throw new BadRequestError(`${what}: registries["${key}"].ca: cannot read ${s.ca}: ${(err as Error).message}`);
        }
      }
      registries[normalizeRegistryHost(key)] = entry;
    }
    const auths = json.auths === undefined ? {} : parseDockerConfig({ auths: json.auths }, `${what} auths`);
    this.loaded = { mtimeMs: st.mtimeMs + st.size, registries, auths };
    return this.loaded;
  }
}
