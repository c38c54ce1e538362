/**
 * @module What the kubelet's "atomic writer" volumes hold: the files of a configMap, secret,
 * downwardAPI or projected volume (items select and rename keys, modes from items[].mode or
 * defaultMode), computed purely from the pod and the ConfigSource. Writing them is the
 * AtomicVolumeWriter port's job (adapters/system/atomic-writer.ts).
 */
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, ServiceAccountTokenProjection, Volume } from 'kubernetes-types/core/v1.js';
import {
  ContainerConfigError,
  configMapNotFound,
  containerResourceValue,
  objectFieldValue,
  secretNotFound,
  type ConfigSource,
  type NodeAllocatable,
} from './container-env.js';

/** One file of the volume: path relative to the volume root. */
export interface FileProjection {
  path: string;
  data: Uint8Array;
  mode: number;
}

/**
 * Writes a whole payload into `dir` with the kubelet's layout (`..<timestamp>` dir, `..data`
 * symlink swapped by rename, visible names as symlinks into `..data`). `tmpfs` mounts a tmpfs on
 * `dir` first (secrets never touch the node's disk). Resolves true when something changed.
 */
export interface AtomicVolumeWriter {
  /** With `fsGroup` every file and directory of the volume is group-owned by it (directories setgid). */
  write(dir: string, payload: FileProjection[], opts: { tmpfs: boolean; fsGroup?: number }): Promise<boolean>;
}

/**
 * SetVolumeOwnership's modes for a read-only volume with an fsGroup: the group may read every
 * file (a secret's 0400 becomes 0440).
 */
export function withFsGroupModes(payload: FileProjection[], fsGroup: number | undefined): FileProjection[] {
  return fsGroup === undefined ? payload : payload.map((f) => ({ ...f, mode: f.mode | 0o440 }));
}

/** The kubelet's default for every atomic-writer volume (API defaulting sets 0644 too). */
export const DEFAULT_VOLUME_MODE = 0o644;

export type AtomicVolumeKind = 'configmap' | 'secret' | 'downward-api' | 'projected';

/** The volume's plugin directory name (`kubernetes.io~<kind>`), or undefined for other volume types. */
export function atomicVolumeKind(volume: Volume): AtomicVolumeKind | undefined {
  if (volume.configMap) return 'configmap';
  if (volume.secret) return 'secret';
  if (volume.downwardAPI) return 'downward-api';
  if (volume.projected) return 'projected';
  return undefined;
}

/** Secrets and projected volumes live on tmpfs. */
export function isTmpfsVolume(kind: AtomicVolumeKind): boolean {
  return kind === 'secret' || kind === 'projected';
}

/** Whether this volume's content comes from this ConfigMap or Secret (so its change must be written). */
export function volumeReferences(volume: Volume, kind: 'ConfigMap' | 'Secret', name: string): boolean {
  if (kind === 'ConfigMap' && volume.configMap?.name === name) return true;
  if (kind === 'Secret' && volume.secret?.secretName === name) return true;
  return (volume.projected?.sources ?? []).some((s) => (kind === 'ConfigMap' ? s.configMap?.name === name : s.secret?.name === name));
}

export interface PayloadContext {
  pod: Pod;
  configs: ConfigSource;
  allocatable: NodeAllocatable;
  /** The token of a serviceAccountToken projection, fetched beforehand (agent/token-manager.ts). */
  serviceAccountToken?(source: ServiceAccountTokenProjection): string | undefined;
}

const utf8 = new TextEncoder();

export function volumePayload(volume: Volume, ctx: PayloadContext): FileProjection[] {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  let files: FileProjection[];
  if (volume.configMap) {
    const src = volume.configMap;
    const mode = src.defaultMode ?? DEFAULT_VOLUME_MODE;
    const cm = ctx.configs.getConfigMap(ns, src.name ?? '');
    if (!cm) {
      if (src.optional) return [];
      throw configMapNotFound(src.name ?? '');
    }
    files = configMapFiles(cm, src.items, mode, src.optional === true);
  } else if (volume.secret) {
    const src = volume.secret;
    const mode = src.defaultMode ?? DEFAULT_VOLUME_MODE;
    const secret = ctx.configs.getSecret(ns, src.secretName ?? '');
    if (!secret) {
      if (src.optional) return [];
      throw secretNotFound(src.secretName ?? '');
    }
    files = secretFiles(secret, src.items, mode, src.optional === true);
  } else if (volume.downwardAPI) {
    const mode = volume.downwardAPI.defaultMode ?? DEFAULT_VOLUME_MODE;
    files = downwardFiles(volume.downwardAPI.items ?? [], mode, ctx);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_VOLUME_MODE;
    files = [];
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) {
        const cm = ctx.configs.getConfigMap(ns, source.configMap.name ?? '');
        if (!cm) {
          if (source.configMap.optional) continue;
          throw configMapNotFound(source.configMap.name ?? '');
        }
        files.push(...configMapFiles(cm, source.configMap.items, mode, source.configMap.optional === true));
      } else if (source.secret) {
        const secret = ctx.configs.getSecret(ns, source.secret.name ?? '');
        if (!secret) {
          if (source.secret.optional) continue;
          throw secretNotFound(source.secret.name ?? '');
        }
        files.push(...secretFiles(secret, source.secret.items, mode, source.secret.optional === true));
      } else if (source.downwardAPI) {
        files.push(...downwardFiles(source.downwardAPI.items ?? [], mode, ctx));
      } else if (source.serviceAccountToken) {
        const token = ctx.serviceAccountToken?.(source.serviceAccountToken);
        if (token === undefined) throw new ContainerConfigError(`volume "${volume.name}": no service account token for the pod yet`);
        files.push({ path: source.serviceAccountToken.path, data: utf8.encode(token), mode });
      } else {
        throw new ContainerConfigError(`volume "${volume.name}": this projected volume source is not supported yet`);
      }
    }
  } else {
    return [];
  }
  for (const f of files) {
    const problem = payloadPathProblem(f.path);
    if (problem) throw new ContainerConfigError(`volume "${volume.name}": invalid path ${JSON.stringify(f.path)}: ${problem}`);
  }
  return files;
}

function keyedFiles(
  data: Map<string, Uint8Array>,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  missing: (key: string) => string,
): FileProjection[] {
  if (!items || items.length === 0) {
    return [...data].map(([key, bytes]) => ({ path: key, data: bytes, mode }));
  }
  const out: FileProjection[] = [];
  for (const item of items) {
    const bytes = data.get(item.key);
    if (bytes === undefined) {
      if (optional) continue;
      throw new ContainerConfigError(missing(item.key));
    }
    out.push({ path: item.path, data: bytes, mode: item.mode ?? mode });
  }
  return out;
}

function configMapFiles(cm: ConfigMap, items: readonly KeyToPath[] | undefined, mode: number, optional: boolean): FileProjection[] {
  const data = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, utf8.encode(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyedFiles(data, items, mode, optional, (key) => `configmap references non-existent config key: ${key}`);
}

function secretFiles(secret: Secret, items: readonly KeyToPath[] | undefined, mode: number, optional: boolean): FileProjection[] {
  const data = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyedFiles(data, items, mode, optional, (key) => `references non-existent secret key: ${key}`);
}

function downwardFiles(items: readonly DownwardAPIVolumeFile[], mode: number, ctx: PayloadContext): FileProjection[] {
  return items.map((item) => {
    let value: string;
    if (item.fieldRef) value = objectFieldValue(ctx.pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) {
      // The API requires containerName here; the kubelet has no "self" for a volume.
      if (!item.resourceFieldRef.containerName) throw new ContainerConfigError(`downwardAPI item ${item.path}: resourceFieldRef needs a containerName`);
      value = containerResourceValue(item.resourceFieldRef, ctx.pod, item.resourceFieldRef.containerName, ctx.allocatable);
    } else value = '';
    return { path: item.path, data: utf8.encode(value), mode: item.mode ?? mode };
  });
}

/** validatePath of the atomic writer: relative, no `..` element, not starting with `..`. */
export function payloadPathProblem(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  if (path.startsWith('/')) return 'must be relative';
  if (path.length > 4096) return 'must be less than or equal to 4096 characters';
  const parts = path.split('/');
  if (parts.some((p) => p === '..')) return "must not contain '..'";
  if (path.startsWith('..')) return "must not start with '..'";
  if (parts.some((p) => p.length > 255)) return 'each element must be less than or equal to 255 characters';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Planning the write (pure), so that the adapter only executes it.

/** `..2026_11_27_10_20_30.<suffix>`: the timestamped directory the kubelet names with UTC time. */
export function timestampDirName(now: number, suffix: string): string {
  const d = new Date(now);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${suffix}`;
}

/** The first element of each path: the names visible at the volume root (symlinks into ..data). */
export function visibleNames(payload: readonly FileProjection[]): string[] {
  return [...new Set(payload.map((f) => f.path.split('/')[0]))].sort();
}

export interface CurrentFile {
  data: Uint8Array;
  mode: number;
}

export interface AtomicWritePlan {
  /** False when the current ..data already holds exactly this payload: nothing is written. */
  changed: boolean;
  /** Visible symlinks to create (missing now). */
  linksToAdd: string[];
  /** Visible symlinks to remove after the swap (no longer in the payload). */
  linksToRemove: string[];
}

/**
 * Compares the current ..data content (undefined on a first write) with the payload.
 * `currentLinks` are the visible entries at the volume root today.
 */
export function planAtomicWrite(
  current: ReadonlyMap<string, CurrentFile> | undefined,
  currentLinks: readonly string[],
  payload: readonly FileProjection[],
): AtomicWritePlan {
  const wanted = visibleNames(payload);
  const linksToAdd = wanted.filter((n) => !currentLinks.includes(n));
  const linksToRemove = currentLinks.filter((n) => !wanted.includes(n)).sort();
  let changed = current === undefined || current.size !== payload.length || linksToAdd.length > 0 || linksToRemove.length > 0;
  if (!changed) {
    for (const f of payload) {
      const c = current!.get(f.path);
      if (!c || (c.mode & 0o777) !== (f.mode & 0o777) || !sameBytes(c.data, f.data)) {
        changed = true;
        break;
      }
    }
  }
  return { changed, linksToAdd, linksToRemove };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
