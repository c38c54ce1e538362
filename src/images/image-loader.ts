/**
 * @module Reads an OCI layout or a docker-archive from an ImageSource into the content store and
 * unpacks its layers. Every blob is checked: OCI blobs against their descriptor digest and size,
 * docker-archive layers against the config's diff_ids. Returns images ready to be recorded.
 */
import { BadRequestError } from '../core/errors.js';
import { parseImageReference, formatImageReference, normalizeLocalName } from '../core/image-reference.js';
import type { ImageStorage, ImageSource, BlobRef } from './image-storage.js';
import {
  checkConfig,
  checkIndex,
  checkManifest,
  CONTAINERD_NAME,
  isIndex,
  layerMediaType,
  MediaType,
  parseJson,
  REF_NAME,
  selectManifest,
  type Descriptor,
  type ImageConfigJson,
  type Platform,
} from './oci-types.js';

export interface StoredLayer {
  digest: string;
  mediaType: string;
  size: number;
  diffId: string;
  /** Uncompressed size. */
  unpackedSize: number;
}

/** One image as recorded in the metadata index. */
export interface StoredImage {
  id: string; // config digest
  names: string[];
  repoDigests: string[];
  manifestDigest: string;
  config: ImageConfigJson;
  layers: StoredLayer[];
  /** Image indexes read on the way to the manifest (kept with the image, removed with it). */
  indexDigests?: string[];
  created?: string;
  /** When it was stored (epoch ms). */
  added: number;
}

export type LoadedImage = Omit<StoredImage, 'names' | 'repoDigests' | 'added'> & { names: string[] };

const MAX_META = 4 * 1024 * 1024;

export interface LoadContext {
  storage: ImageStorage;
  platform: Platform;
  /** Protects a blob or layer from garbage collection while the load is in flight. */
  hold(key: string): void;
  /** Name for OCI entries whose ref.name is only a tag (or absent). */
  name?: string;
}

function blobName(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** Stores `layers` and unpacks them in order (bottom first), checking each diffID. */
export async function storeLayers(ctx: LoadContext, layers: { blob: BlobRef; mediaType: string; diffId: string }[]): Promise<StoredLayer[]> {
  const out: StoredLayer[] = [];
  for (const l of layers) {
    ctx.hold(l.blob.digest);
    ctx.hold(l.diffId);
    const unpacked = await ctx.storage.unpackLayer(l.blob.digest, l.mediaType, l.diffId);
    out.push({ digest: l.blob.digest, mediaType: l.mediaType, size: l.blob.size, diffId: l.diffId, unpackedSize: unpacked.size ?? -1 });
  }
  return out;
}

export async function loadFromSource(ctx: LoadContext, source: ImageSource, what: string): Promise<LoadedImage[]> {
  if (source.has('index.json')) return loadOciLayout(ctx, source, what);
  if (source.has('manifest.json')) return loadDockerArchive(ctx, source, what);
  throw new BadRequestError(`${what} is neither an OCI layout (index.json) nor a docker-archive (manifest.json)`);
}

async function loadOciLayout(ctx: LoadContext, source: ImageSource, what: string): Promise<LoadedImage[]> {
  if (source.has('oci-layout')) {
    const layout = parseJson(await source.readFile('oci-layout', 4096), `${what} oci-layout`) as { imageLayoutVersion?: string };
    if (layout?.imageLayoutVersion !== '1.0.0') throw new BadRequestError(`${what}: unsupported imageLayoutVersion "${String(layout?.imageLayoutVersion)}"`);
  }
  const index = checkIndex(parseJson(await source.readFile('index.json', MAX_META), `${what} index.json`), `${what} index.json`);
  const images: LoadedImage[] = [];
  for (const [i, entry] of index.manifests.entries()) {
    const names = ociNames(entry, ctx.name);
    const image = await loadOciEntry(ctx, source, entry, `${what} index.json manifests[${i}]`, 0);
    const same = images.find((x) => x.id === image.id);
    if (same) same.names.push(...names.filter((n) => !same.names.includes(n)));
    else images.push({ ...image, names });
  }
  return images;
}

async function readVerified(ctx: LoadContext, source: ImageSource, d: Descriptor): Promise<Buffer> {
  if (d.size > MAX_META) throw new BadRequestError(`${d.digest} is too large for a manifest or config (${d.size} bytes)`);
  ctx.hold(d.digest);
  await source.ingest(blobName(d.digest), { digest: d.digest, size: d.size });
  return ctx.storage.readBlob(d.digest, MAX_META);
}

async function loadOciEntry(ctx: LoadContext, source: ImageSource, desc: Descriptor, what: string, depth: number): Promise<Omit<LoadedImage, 'names'>> {
  if (depth > 4) throw new BadRequestError(`${what}: image indexes nested too deeply`);
  const json = parseJson(await readVerified(ctx, source, desc), `${what} (${desc.digest})`);
  if (isIndex(desc.mediaType, json)) {
    const nested = checkIndex(json, `${what} (${desc.digest})`);
    const chosen = selectManifest(nested, ctx.platform);
    if (!chosen) throw new BadRequestError(`${what}: no image for ${ctx.platform.os}/${ctx.platform.architecture} in index ${desc.digest}`);
    const image = await loadOciEntry(ctx, source, chosen, `${what} → ${chosen.digest}`, depth + 1);
    return { ...image, indexDigests: [desc.digest, ...(image.indexDigests ?? [])] };
  }
  const manifest = checkManifest(json, `${what} (${desc.digest})`);
  const config = checkConfig(
    parseJson(await readVerified(ctx, source, manifest.config), `${what} config`),
    `${what} config ${manifest.config.digest}`,
    manifest.layers.length,
  );
  const layers: { blob: BlobRef; mediaType: string; diffId: string }[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    ctx.hold(l.digest);
    const blob = await source.ingest(blobName(l.digest), { digest: l.digest, size: l.size });
    layers.push({ blob, mediaType: l.mediaType ?? MediaType.ociLayerGzip, diffId: config.rootfs.diff_ids[i] });
  }
  const stored = await storeLayers(ctx, layers);
  const out: Omit<LoadedImage, 'names'> = { id: manifest.config.digest, manifestDigest: desc.digest, config, layers: stored };
  if (config.created) out.created = config.created;
  return out;
}

/** Full names from the annotations; a tag-only ref.name needs the caller's name. */
function ociNames(entry: Descriptor, name: string | undefined): string[] {
  const a = entry.annotations ?? {};
  const full = a[CONTAINERD_NAME];
  if (full) return [formatImageReference(parseImageReference(full))];
  const ref = a[REF_NAME];
  if (ref && /[/:@]/.test(ref)) return [formatImageReference(parseImageReference(ref))];
  if (name) {
    const base = normalizeLocalName(name);
    if (ref && base.tag !== undefined && !/:[^/]*$/.test(name)) base.tag = ref;
    return [formatImageReference(base)];
  }
  return [];
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function loadDockerArchive(ctx: LoadContext, source: ImageSource, what: string): Promise<LoadedImage[]> {
  const entries = parseJson(await source.readFile('manifest.json', MAX_META), `${what} manifest.json`) as DockerManifestEntry[];
  if (!Array.isArray(entries) || entries.length === 0) throw new BadRequestError(`${what} manifest.json lists no images`);
  const images: LoadedImage[] = [];
  for (const [i, e] of entries.entries()) {
    const w = `${what} manifest.json[${i}]`;
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === 'string')) {
      throw new BadRequestError(`${w} needs "Config" and "Layers"`);
    }
    const configBlob = await source.ingest(e.Config);
    ctx.hold(configBlob.digest);
    const configBytes = await ctx.storage.readBlob(configBlob.digest, MAX_META);
    const config = checkConfig(parseJson(configBytes, `${w} config`), `${w} config`, e.Layers.length);
    const layers: { blob: BlobRef; mediaType: string; diffId: string }[] = [];
    for (const [j, name] of e.Layers.entries()) {
      const blob = await source.ingest(name);
      ctx.hold(blob.digest);
      const mediaType = layerMediaType(await ctx.storage.blobCompression(blob.digest));
      layers.push({ blob, mediaType, diffId: config.rootfs.diff_ids[j] });
    }
    const stored = await storeLayers(ctx, layers);
    // docker-archives carry no manifest: write the OCI manifest they imply
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: stored.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const m = await ctx.storage.putBlob(Buffer.from(JSON.stringify(manifest)));
    ctx.hold(m.digest);
    const names = (e.RepoTags ?? []).map((t) => formatImageReference(parseImageReference(t)));
    const img: LoadedImage = { id: configBlob.digest, names, manifestDigest: m.digest, config, layers: stored };
    if (config.created) img.created = config.created;
    const same = images.find((x) => x.id === img.id);
    if (same) same.names.push(...names.filter((n) => !same.names.includes(n)));
    else images.push(img);
  }
  return images;
}

