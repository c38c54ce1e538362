/**
 * @module Image references as Docker and Podman normalise them: `busybox` is
 * `docker.io/library/busybox:latest`, `localhost/x` stays on `localhost`, `host:5000/a/b:tag`,
 * `name@sha256:<hex>`. Pure; the agent's InvalidImageName and the image store both use it.
 */
import { BadRequestError } from './errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const LOCAL_DOMAIN = 'localhost';
export const DEFAULT_TAG = 'latest';

export interface ImageReference {
  /** Registry host (with port), e.g. "docker.io", "localhost", "127.0.0.1:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  path: string;
  tag?: string;
  /** "sha256:<64 hex>" when pinned. */
  digest?: string;
  /** Whether the caller wrote the domain (false: it was defaulted). */
  explicitDomain: boolean;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Za-z=_-]+$/;
const HOST_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const HEX64 = /^[a-f0-9]{64}$/;
const MAX_NAME = 255;

/** Why `ref` is not a valid image reference, or undefined when it is. */
export function imageReferenceError(ref: string): string | undefined {
  try {
    parseImageReference(ref);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Parses and normalises; throws BadRequestError with a message saying what is wrong. */
export function parseImageReference(ref: string): ImageReference {
  const fail = (why: string): never => {
    throw new BadRequestError(`invalid image name "${ref}": ${why}`);
  };
  if (typeof ref !== 'string' || ref === '') fail('must not be empty');
  if (ref !== ref.trim() || /\s/.test(ref)) fail('must not contain whitespace');
  if (HEX64.test(ref)) fail('a 64-character hexadecimal string is an image id, not a name');

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ANY_DIGEST.test(digest)) fail(`digest "${digest}" is malformed`);
    if (!digest.startsWith('sha256:')) fail(`digest algorithm "${digest.split(':')[0]}" is not supported (only sha256)`);
    if (!DIGEST.test(digest)) fail(`digest "${digest}" must be sha256: followed by 64 lowercase hex digits`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`tag "${tag}" is invalid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }
  if (rest === '') fail('repository name is missing');

  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  let explicitDomain = false;
  if (parts.length > 1 && looksLikeDomain(parts[0])) {
    domain = parts.shift()!;
    explicitDomain = true;
    checkDomain(domain, fail);
  }
  for (const part of parts) {
    if (part === '') fail('repository path has an empty component');
    if (part !== part.toLowerCase()) fail('repository name must be lowercase');
    if (!COMPONENT.test(part)) fail(`repository component "${part}" is invalid (lowercase letters, digits and separators ".", "_", "__", "-")`);
  }
  let path = parts.join('/');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = `library/${path}`;
  if (domain.length + 1 + path.length > MAX_NAME) fail(`repository name must not be longer than ${MAX_NAME} characters`);
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  const out: ImageReference = { domain, path, explicitDomain };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === LOCAL_DOMAIN || first !== first.toLowerCase();
}

function checkDomain(domain: string, fail: (why: string) => never): void {
  let host = domain;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) fail(`registry "${domain}" has an unterminated IPv6 address`);
    const rest = host.slice(end + 1);
    if (rest !== '' && !/^:[0-9]+$/.test(rest)) fail(`registry "${domain}" has an invalid port`);
    if (!/^[0-9A-Fa-f:.]+$/.test(host.slice(1, end))) fail(`registry "${domain}" has an invalid IPv6 address`);
    return;
  }
  const c = host.indexOf(':');
  if (c >= 0) {
    port = host.slice(c + 1);
    host = host.slice(0, c);
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) fail(`registry "${domain}" has an invalid port`);
  }
  if (!host.split('.').every((l) => HOST_LABEL.test(l))) fail(`registry host "${host}" is invalid`);
}

/** "docker.io/library/busybox" */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The normalised string: "docker.io/library/busybox:latest", "host/a@sha256:…", "host/a:t@sha256:…". */
export function formatImageReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

export function normalizeImageReference(ref: string): string {
  return formatImageReference(parseImageReference(ref));
}

/**
 * The name `podman import`/`load` gives: a name without a registry lives under `localhost/`,
 * not docker.io, so a local image never pretends to come from Docker Hub.
 */
export function normalizeLocalName(name: string): ImageReference {
  const ref = parseImageReference(name);
  if (ref.explicitDomain) return ref;
  const local = parseImageReference(`${LOCAL_DOMAIN}/${name}`);
  return local;
}

/**
 * Names to try, in order, when looking `ref` up in the local store: the normalised name, and for
 * a short name also its `localhost/` form (where imported images live), as Podman does.
 */
export function lookupCandidates(ref: string): ImageReference[] {
  const parsed = parseImageReference(ref);
  if (parsed.explicitDomain) return [parsed];
  return [parsed, normalizeLocalName(ref)];
}
