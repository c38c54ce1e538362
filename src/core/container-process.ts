/**
 * @module The process a container runs: argv from command/args vs the image's Entrypoint/Cmd,
 * `$(VAR)` expansion as Kubernetes' forked expansion package does it, the environment as
 * kubelet + containerd assemble it, and the working directory.
 */
import type { Container } from './types.js';
import type { ImageRuntimeConfig } from './ports.js';

/** The PATH containerd's default spec carries; image ENV PATH replaces it. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * One container variable in kubelet order (envFrom entries, then `env` entries in spec order with
 * valueFrom already resolved). `expand: true` marks an `env[].value` literal: only those get
 * `$(VAR)` expansion, against the entries before them (valueFrom/envFrom results never expand).
 */
export interface EnvEntry {
  name: string;
  value: string;
  expand?: boolean;
}

export interface ResolveProcessOptions {
  /** The pod hostname; becomes HOSTNAME unless the container sets it. */
  hostname?: string;
  /** Service-link variables: visible to expansion, added only for names not otherwise set. */
  serviceEnv?: Array<{ name: string; value: string }>;
}

export interface ResolvedProcess {
  args: string[];
  /** KEY=VALUE strings, as the OCI spec wants them. */
  env: string[];
  cwd: string;
}

export function resolveProcess(
  container: Container,
  imageConfig: ImageRuntimeConfig,
  env: EnvEntry[],
  options: ResolveProcessOptions = {},
): ResolvedProcess {
  const vars = containerEnvironment(env, options.serviceEnv ?? []);
  const lookup = new Map(vars.map((v) => [v.name, v.value]));
  const expandAll = (list: string[] | undefined): string[] =>
    (list ?? []).map((s) => expandVariables(s, lookup));
  const args = processArgs(expandAll(container.command), expandAll(container.args), imageConfig);

  const base = [`PATH=${DEFAULT_PATH}`];
  if (options.hostname !== undefined) base.push(`HOSTNAME=${options.hostname}`);
  const withImage = mergeEnv(base, imageConfig.Env ?? []);
  const finalEnv = mergeEnv(
    withImage,
    vars.map((v) => `${v.name}=${v.value}`),
  );
  return { args, env: finalEnv, cwd: container.workingDir || imageConfig.WorkingDir || '/' };
}

/**
 * The container's own variables after expansion, in first-seen order with later values winning
 * (kubelet builds a map; order is not part of the contract), service variables last.
 */
export function containerEnvironment(
  env: EnvEntry[],
  serviceEnv: Array<{ name: string; value: string }> = [],
): Array<{ name: string; value: string }> {
  const current = new Map<string, string>();
  const services = new Map(serviceEnv.map((s) => [s.name, s.value]));
  for (const e of env) {
    const value = e.expand
      ? expandVariablesWith(e.value, (n) => current.get(n) ?? services.get(n))
      : e.value;
    current.set(e.name, value);
  }
  for (const [name, value] of services) if (!current.has(name)) current.set(name, value);
  return [...current].map(([name, value]) => ({ name, value }));
}

/** Command/args vs image Entrypoint/Cmd: the four combinations (expansion already applied). */
export function processArgs(command: string[], args: string[], image: ImageRuntimeConfig): string[] {
  if (command.length > 0) return [...command, ...args];
  const entrypoint = image.Entrypoint ?? [];
  if (args.length > 0) return [...entrypoint, ...args];
  return [...entrypoint, ...(image.Cmd ?? [])];
}

/** `$(NAME)` → value when known, else left verbatim; `$$` → `$`; anything else untouched. */
export function expandVariables(input: string, vars: ReadonlyMap<string, string>): string {
  return expandVariablesWith(input, (n) => vars.get(n));
}

export function expandVariablesWith(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      out += '$';
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close >= 0) {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - cursor;
      } else {
        out += '$(';
      }
    } else {
      out += `$${next}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** containerd's replaceOrAppendEnvValues: an override replaces the same key in place, else appends. */
export function mergeEnv(defaults: string[], overrides: string[]): string[] {
  const out = [...defaults];
  const index = new Map<string, number>();
  out.forEach((kv, i) => index.set(envKey(kv), i));
  for (const kv of overrides) {
    const key = envKey(kv);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(kv);
    } else {
      out[at] = kv;
    }
  }
  return out;
}

function envKey(kv: string): string {
  const eq = kv.indexOf('=');
  return eq < 0 ? kv : kv.slice(0, eq);
}

export interface ImageUser {
  uid?: number;
  gid?: number;
  /** A user name to look up in the image's /etc/passwd. */
  name?: string;
  /** A group name to look up in the image's /etc/group. */
  group?: string;
}

/** Parses an image USER: `1000`, `1000:1000`, `root`, `app:grp`, `app:1000`, `` (root by default). */
export function parseImageUser(user: string): ImageUser {
  const trimmed = user.trim();
  if (trimmed === '') return {};
  const colon = trimmed.indexOf(':');
  const userPart = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const groupPart = colon < 0 ? '' : trimmed.slice(colon + 1);
  const out: ImageUser = {};
  if (/^\d+$/.test(userPart)) out.uid = Number(userPart);
  else if (userPart !== '') out.name = userPart;
  if (/^\d+$/.test(groupPart)) out.gid = Number(groupPart);
  else if (groupPart !== '') out.group = groupPart;
  return out;
}
