/**
 * @module OCI / Docker image JSON shapes, media types, and the pure checks and choices made on
 * them (manifest vs index, platform selection, layer compression). images.md §3.1, §3.3.
 */
import { BadRequestError } from '../core/errors.js';
import type { ImageRuntimeConfig } from '../core/ports.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageIndexJson {
  schemaVersion?: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageConfigJson {
  created?: string;
  architecture?: string;
  os?: string;
  config?: ImageRuntimeConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: unknown[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw new BadRequestError(`${what} is not valid JSON`);
  }
}

export function checkDescriptor(d: unknown, what: string): Descriptor {
  const o = d as Descriptor;
  if (!o || typeof o !== 'object') throw new BadRequestError(`${what} is not a descriptor`);
  if (typeof o.digest !== 'string' || !DIGEST.test(o.digest)) throw new BadRequestError(`${what} has an invalid or unsupported digest "${String(o.digest)}"`);
  if (!Number.isSafeInteger(o.size) || o.size < 0) throw new BadRequestError(`${what} has an invalid size`);
  return o;
}

export function isIndex(mediaType: string | undefined, json: unknown): boolean {
  if (mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList) return true;
  if (mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest) return false;
  return Array.isArray((json as ImageIndexJson)?.manifests);
}

export function checkIndex(json: unknown, what: string): ImageIndexJson {
  const o = json as ImageIndexJson;
  if (!o || !Array.isArray(o.manifests)) throw new BadRequestError(`${what} has no "manifests" list`);
  o.manifests.forEach((m, i) => checkDescriptor(m, `${what} manifests[${i}]`));
  return o;
}

export function checkManifest(json: unknown, what: string): ManifestJson {
  const o = json as ManifestJson;
  if (!o || typeof o !== 'object' || !o.config || !Array.isArray(o.layers)) {
    throw new BadRequestError(`${what} is not an image manifest (schema 1 manifests are not supported)`);
  }
  checkDescriptor(o.config, `${what} config`);
  o.layers.forEach((l, i) => checkDescriptor(l, `${what} layers[${i}]`));
  return o;
}

export function checkConfig(json: unknown, what: string, layerCount?: number): ImageConfigJson {
  const o = json as ImageConfigJson;
  if (!o || typeof o !== 'object' || !o.rootfs || !Array.isArray(o.rootfs.diff_ids)) {
    throw new BadRequestError(`${what} has no rootfs.diff_ids`);
  }
  o.rootfs.diff_ids.forEach((d, i) => {
    if (typeof d !== 'string' || !DIGEST.test(d)) throw new BadRequestError(`${what} rootfs.diff_ids[${i}] is not a sha256 digest`);
  });
  if (layerCount !== undefined && o.rootfs.diff_ids.length !== layerCount) {
    throw new BadRequestError(`${what} lists ${o.rootfs.diff_ids.length} diff_ids for ${layerCount} layers`);
  }
  return o;
}

/** Node's process.arch → OCI architecture. */
export function ociArchitecture(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** The index entry for `want` (variant optional), skipping attestations and unknown/unknown. */
export function selectManifest(index: ImageIndexJson, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (m) => !m.annotations?.['vnd.docker.reference.type'] && m.platform?.os !== 'unknown' && m.platform?.architecture !== 'unknown',
  );
  const match = candidates.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  if (want.variant) {
    const exact = match.find((m) => m.platform?.variant === want.variant);
    if (exact) return exact;
  }
  if (match.length > 0) return match[0];
  // an entry without a platform is taken only when nothing says otherwise
  const bare = candidates.filter((m) => !m.platform);
  return bare.length === 1 ? bare[0] : undefined;
}

/** Layer media type for a blob whose compression was sniffed (docker archives do not say). */
export function layerMediaType(compression: 'gzip' | 'zstd' | 'none'): string {
  return compression === 'gzip' ? MediaType.ociLayerGzip : compression === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
}
