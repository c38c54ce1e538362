/**
 * @module The `--change` instructions `podman import` accepts (a Dockerfile subset), applied to
 * an image's runtime config. Pure.
 */
import { BadRequestError } from '../core/errors.js';
import type { ImageRuntimeConfig } from '../core/ports.js';

export const SUPPORTED_CHANGES = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;

/** Returns a new config with every change applied in order; throws BadRequestError naming the bad one. */
export function applyChanges(base: ImageRuntimeConfig, changes: readonly string[]): ImageRuntimeConfig {
  const config: ImageRuntimeConfig = structuredClone(base);
  for (const change of changes) applyChange(config, change);
  return config;
}

function applyChange(config: ImageRuntimeConfig, change: string): void {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(change);
  const fail = (why: string): never => {
    throw new BadRequestError(`invalid change "${change}": ${why}`);
  };
  if (!m) return fail('expected "INSTRUCTION arguments"');
  const instruction = m[1].toUpperCase();
  const args = (m[2] ?? '').trim();
  if (!(SUPPORTED_CHANGES as readonly string[]).includes(instruction)) {
    return fail(`unknown instruction ${instruction} (supported: ${SUPPORTED_CHANGES.join(', ')})`);
  }
  if (args === '') return fail(`${instruction} needs an argument`);
  switch (instruction) {
    case 'CMD':
      config.Cmd = commandForm(args, fail);
      return;
    case 'ENTRYPOINT':
      config.Entrypoint = commandForm(args, fail);
      return;
    case 'ENV': {
      const env = (config.Env ??= []);
      for (const [k, v] of keyValues(args, 'ENV', fail)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      return;
    }
    case 'LABEL': {
      const labels = (config.Labels ??= {});
      for (const [k, v] of keyValues(args, 'LABEL', fail)) labels[k] = v;
      return;
    }
    case 'EXPOSE': {
      const ports = (config.ExposedPorts ??= {});
      for (const word of splitWords(args, fail)) {
        const pm = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(word);
        if (!pm || Number(pm[1]) < 1 || Number(pm[1]) > 65535) fail(`EXPOSE port "${word}" must be PORT or PORT/tcp|udp|sctp`);
        ports[`${pm![1]}/${(pm![2] ?? 'tcp').toLowerCase()}`] = {};
      }
      return;
    }
    case 'VOLUME': {
      const volumes = (config.Volumes ??= {});
      const paths = args.startsWith('[') ? jsonArray(args, fail) : splitWords(args, fail);
      for (const p of paths) {
        if (!p.startsWith('/')) fail(`VOLUME path "${p}" must be absolute`);
        volumes[p] = {};
      }
      return;
    }
    case 'WORKDIR': {
      const [dir] = single(args, 'WORKDIR', fail);
      config.WorkingDir = dir.startsWith('/') ? dir : `${config.WorkingDir?.replace(/\/$/, '') ?? ''}/${dir}`;
      return;
    }
    case 'USER':
      config.User = single(args, 'USER', fail)[0];
      return;
    case 'STOPSIGNAL': {
      const [sig] = single(args, 'STOPSIGNAL', fail);
      if (!/^(?:SIG[A-Z0-9+-]+|[A-Z][A-Z0-9+-]*|[0-9]{1,2})$/.test(sig)) fail(`STOPSIGNAL "${sig}" is not a signal`);
      config.StopSignal = sig;
      return;
    }
  }
}

/** Exec form `["a","b"]` as is; shell form `a b` as `/bin/sh -c "a b"`, as Dockerfiles do. */
function commandForm(args: string, fail: (why: string) => never): string[] {
  if (args.startsWith('[')) return jsonArray(args, fail);
  return ['/bin/sh', '-c', args];
}

function jsonArray(args: string, fail: (why: string) => never): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return fail('not a valid JSON array of strings');
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) return fail('not a JSON array of strings');
  return parsed as string[];
}

function single(args: string, what: string, fail: (why: string) => never): [string] {
  const words = splitWords(args, fail);
  if (words.length !== 1) fail(`${what} takes exactly one argument`);
  return [words[0]];
}

/** `K=V K2="a b"`, or the legacy one-pair form `K V with spaces`. */
function keyValues(args: string, what: string, fail: (why: string) => never): [string, string][] {
  const words = splitWords(args, fail);
  if (!words[0].includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args);
    if (!m) return fail(`${what} needs KEY=VALUE`);
    return [[m[1], m[2]]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) fail(`${what} argument "${w}" must be KEY=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Splits on unquoted whitespace; handles "double", 'single' quotes and backslash escapes. */
export function splitWords(s: string, fail: (why: string) => never): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) fail('unterminated quote');
  if (inWord) words.push(cur);
  return words;
}
