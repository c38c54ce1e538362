/**
 * @module Pulls one image by the OCI distribution protocol (images.md §3) through a
 * RegistryAccess (adapters/registry implements it): manifest or index → platform → config →
 * layers. Every manifest is checked against the digest asked for (or Docker-Content-Digest),
 * every blob against its descriptor's digest and size, every layer against its diffID. Layers
 * download concurrently and unpack as they arrive; layers already on disk are not fetched.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { BadRequestError } from '../core/errors.js';
import { formatImageReference, repositoryName, type ImageReference } from '../core/image-reference.js';
import type { ImagePullProgress } from '../core/ports.js';
import type { CredentialMap } from '../core/registry-auth.js';
import type { LoadContext, LoadedImage, StoredLayer } from './image-loader.js';
import { checkConfig, checkIndex, checkManifest, isIndex, MediaType, parseJson, selectManifest, type Descriptor, type ManifestJson } from './oci-types.js';

export interface PullEndpoint {
  host: string;
}

/** What the puller needs from the network side (adapters/registry's Registries). */
export interface RegistryAccess {
  /** Endpoints to try for a registry name, mirrors first, with their transport and credentials. */
  endpoints(domain: string, credentials?: CredentialMap): Promise<PullEndpoint[]>;
  getManifest(ep: PullEndpoint, repo: string, reference: string, accept: string[]): Promise<{ bytes: Buffer; mediaType?: string; digest?: string }>;
  /** The blob's bytes; resumes broken transfers. The caller verifies. */
  openBlob(ep: PullEndpoint, repo: string, digest: string, size: number): NodeJS.ReadableStream;
}

export interface PullContext extends LoadContext {
  registry: RegistryAccess;
  credentials?: CredentialMap;
  onProgress?: (p: ImagePullProgress) => void;
  /** Layers downloaded at once. */
  concurrency?: number;
}

export interface PulledImage extends LoadedImage {
  /** Digest of what the reference named: the index for a multi-arch image. */
  topDigest: string;
  downloadedBytes: number;
  size: number;
}

export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerList, MediaType.dockerManifest];
const MAX_META = 4 * 1024 * 1024;

/** Tries the endpoints in order (mirrors first); the registry's own error is the one reported. */
export async function pullImage(ctx: PullContext, ref: ImageReference): Promise<PulledImage> {
  const endpoints = await ctx.registry.endpoints(ref.domain, ctx.credentials);
  let lastErr: unknown;
  for (const ep of endpoints) {
    try {
      return await pullFrom(ctx, ep, ref);
    } catch (err) {
      lastErr = err;
      // a corrupt blob is the content's fault, not the mirror's: stop there
      if (err instanceof BadRequestError) throw err;
    }
  }
  throw lastErr;
}

async function pullFrom(ctx: PullContext, ep: PullEndpoint, ref: ImageReference): Promise<PulledImage> {
  const repo = ref.path;
  const name = repositoryName(ref);
  ctx.onProgress?.({ phase: 'resolving' });
  const top = await fetchManifest(ctx, ep, repo, ref.digest ?? ref.tag!, ref.digest, `${name}:${ref.tag ?? ref.digest}`);
  const indexDigests: string[] = [];
  let current = top;
  for (let depth = 0; isIndex(current.mediaType, current.json); depth++) {
    if (depth > 4) throw new BadRequestError(`${name}: image indexes nested too deeply`);
    indexDigests.push(current.digest);
    const index = checkIndex(current.json, `index ${current.digest} of ${name}`);
    const chosen = selectManifest(index, ctx.platform);
    if (!chosen) {
      const offered = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : 'unknown')).join(', ');
      throw new BadRequestError(`no image for ${ctx.platform.os}/${ctx.platform.architecture} in ${formatImageReference(ref)} (it offers ${offered || 'nothing'})`);
    }
    current = await fetchManifest(ctx, ep, repo, chosen.digest, chosen.digest, `${name}@${chosen.digest}`, chosen.size);
  }
  const manifest: ManifestJson = checkManifest(current.json, `manifest ${current.digest} of ${name}`);
  const configBytes = await fetchSmallBlob(ctx, ep, repo, manifest.config);
  const config = checkConfig(parseJson(configBytes, `config ${manifest.config.digest}`), `config ${manifest.config.digest} of ${name}`, manifest.layers.length);
  const downloaded = { bytes: 0 };
  const layers = await fetchLayers(ctx, ep, repo, manifest.layers, config.rootfs.diff_ids, downloaded);
  const names = ref.digest ? [`${name}@${ref.digest}`] : [formatImageReference(ref)];
  const out: PulledImage = {
    id: manifest.config.digest,
    names,
    manifestDigest: current.digest,
    config,
    layers,
    topDigest: top.digest,
    downloadedBytes: downloaded.bytes,
    size: manifest.layers.reduce((s, l) => s + l.size, 0),
  };
  if (indexDigests.length > 0) out.indexDigests = indexDigests;
  if (config.created) out.created = config.created;
  return out;
}

interface FetchedManifest {
  digest: string;
  mediaType: string | undefined;
  json: unknown;
}

async function fetchManifest(
  ctx: PullContext,
  ep: PullEndpoint,
  repo: string,
  reference: string,
  expectedDigest: string | undefined,
  what: string,
  expectedSize?: number,
): Promise<FetchedManifest> {
  const res = await ctx.registry.getManifest(ep, repo, reference, MANIFEST_ACCEPT);
  const digest = `sha256:${createHash('sha256').update(res.bytes).digest('hex')}`;
  if (expectedDigest !== undefined && digest !== expectedDigest) {
    throw new BadRequestError(`manifest of ${what} does not match its digest: got ${digest}`);
  }
  if (expectedSize !== undefined && res.bytes.length !== expectedSize) {
    throw new BadRequestError(`manifest of ${what} has ${res.bytes.length} bytes, its descriptor says ${expectedSize}`);
  }
  if (res.digest !== undefined && res.digest.startsWith('sha256:') && res.digest !== digest) {
    throw new BadRequestError(`manifest of ${what} does not match the registry's Docker-Content-Digest ${res.digest}: got ${digest}`);
  }
  const json = parseJson(res.bytes, `manifest of ${what}`);
  const declared = res.mediaType && res.mediaType !== 'application/json' && res.mediaType !== 'text/plain' ? res.mediaType : (json as { mediaType?: string })?.mediaType;
  if (declared && !(MANIFEST_ACCEPT as string[]).includes(declared)) {
    throw new BadRequestError(`manifest of ${what} has the unsupported media type "${declared}"`);
  }
  ctx.hold(digest);
  await ctx.storage.putBlob(res.bytes);
  return { digest, mediaType: declared, json };
}

async function fetchSmallBlob(ctx: PullContext, ep: PullEndpoint, repo: string, d: Descriptor): Promise<Buffer> {
  if (d.size > MAX_META) throw new BadRequestError(`config ${d.digest} is too large (${d.size} bytes)`);
  ctx.hold(d.digest);
  if (!(await ctx.storage.hasBlob(d.digest))) {
    await ctx.storage.ingest(ctx.registry.openBlob(ep, repo, d.digest, d.size), { digest: d.digest, size: d.size });
  }
  return ctx.storage.readBlob(d.digest, MAX_META);
}

async function fetchLayers(
  ctx: PullContext,
  ep: PullEndpoint,
  repo: string,
  descs: Descriptor[],
  diffIds: string[],
  downloaded: { bytes: number },
): Promise<StoredLayer[]> {
  const out: StoredLayer[] = new Array(descs.length);
  let next = 0;
  const worker = async () => {
    while (next < descs.length) {
      const i = next++;
      const d = descs[i];
      const diffId = diffIds[i];
      const mediaType = d.mediaType ?? MediaType.ociLayerGzip;
      if (d.mediaType && /foreign|nondistributable/.test(d.mediaType)) {
        throw new BadRequestError(`layer ${d.digest} is a non-distributable (foreign) layer, which peapod does not fetch`);
      }
      ctx.hold(d.digest);
      ctx.hold(diffId);
      let unpacked: { size?: number };
      if (await ctx.storage.hasLayer(diffId)) {
        ctx.onProgress?.({ phase: 'exists', digest: d.digest, current: d.size, total: d.size });
        unpacked = {};
      } else if (await ctx.storage.hasBlob(d.digest)) {
        ctx.onProgress?.({ phase: 'unpacking', digest: d.digest, current: d.size, total: d.size });
        unpacked = await ctx.storage.unpackLayer(d.digest, mediaType, diffId);
      } else {
        const source = ctx.registry.openBlob(ep, repo, d.digest, d.size);
        let got = 0;
        let lastReport = 0;
        // counts as the consumer reads, so nothing flows before the store is listening
        const counted = new Transform({
          transform(c: Buffer, _enc, cb) {
            got += c.length;
            downloaded.bytes += c.length;
            const now = Date.now();
            if (now - lastReport >= 100 || got === d.size) {
              lastReport = now;
              ctx.onProgress?.({ phase: 'downloading', digest: d.digest, current: got, total: d.size });
            }
            cb(null, c);
          },
        });
        source.on('error', (e: Error) => counted.destroy(e));
        source.pipe(counted);
        ctx.onProgress?.({ phase: 'downloading', digest: d.digest, current: 0, total: d.size });
        unpacked = await ctx.storage.ingestLayer(counted, { digest: d.digest, size: d.size }, mediaType, diffId);
      }
      ctx.onProgress?.({ phase: 'done', digest: d.digest, current: d.size, total: d.size });
      out[i] = { digest: d.digest, mediaType, size: d.size, diffId, unpackedSize: unpacked.size ?? -1 };
    }
  };
  const n = Math.max(1, Math.min(ctx.concurrency ?? 3, descs.length));
  const results = await Promise.allSettled(Array.from({ length: n }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return out;
}
