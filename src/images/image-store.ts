/**
 * @module The local image store: names → images → layers, on top of an ImageStorage (the
 * file-touching adapter). Metadata changes are serialised through one in-process queue; blobs
 * and layers are content-addressed and written atomically, so concurrent loads of the same
 * image only duplicate work, never corrupt. A layer shared by several images is stored and
 * unpacked once (keyed by diffID) and removed with the last image using it.
 */
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.js';
import { formatImageReference, lookupCandidates, normalizeLocalName, parseImageReference, repositoryName } from '../core/image-reference.js';
import type { ImageManager, ImagePullOptions, ImagePullResult, ImageRecord, ImageRuntimeConfig } from '../core/ports.js';
import { applyChanges } from './image-changes.js';
import { loadFromSource, storeLayers, type LoadContext, type LoadedImage, type StoredImage } from './image-loader.js';
import type { ImageStorage } from './image-storage.js';
import { pullImage, type PullContext, type RegistryAccess } from './image-puller.js';
import { MediaType, ociArchitecture, type Platform } from './oci-types.js';

export interface LocalImageStoreOptions {
  storage: ImageStorage;
  /** True when a container (running or not) uses the image: then it is not removed. */
  inUse?: (imageId: string) => boolean | Promise<boolean>;
  /** Platform picked from multi-arch indexes; default linux/<host arch>. */
  platform?: Platform;
  now?: () => number;
  /** Where `pull` fetches from; without it pulls fail. */
  registry?: RegistryAccess;
}

interface IndexFile {
  version: 1;
  images: StoredImage[];
}

export class LocalImageStore implements ImageManager {
  private images: StoredImage[] = [];
  private ready: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Blob digests and diffIDs an in-flight import/load relies on (ref-counted). */
  private readonly held = new Map<string, number>();
  private readonly storage: ImageStorage;
  private readonly platform: Platform;
  private readonly now: () => number;
  /** In-flight pulls by normalised reference: a second pull of the same image waits for the first. */
  private readonly changeListeners = new Set<() => void>();
  private readonly pulling = new Map<string, { promise: Promise<ImagePullResult>; listeners: Set<(p: import('../core/ports.js').ImagePullProgress) => void> }>();

  constructor(private readonly opts: LocalImageStoreOptions) {
    this.storage = opts.storage;
    this.platform = opts.platform ?? { os: 'linux', architecture: ociArchitecture(process.arch) };
    this.now = opts.now ?? Date.now;
  }

  /** Loads the index and removes what an interrupted run left. Called lazily by every method. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      await this.storage.init();
      const data = (await this.storage.readIndex()) as IndexFile | undefined;
      this.images = data?.images ?? [];
      await this.collectGarbage(undefined);
    })();
    return this.ready;
  }

  async resolve(ref: string): Promise<ImageRecord | undefined> {
    await this.init();
    const img = this.find(ref);
    return img && this.toRecord(img);
  }

  async list(): Promise<ImageRecord[]> {
    await this.init();
    return this.images.map((i) => this.toRecord(i));
  }

  async importRootfs(source: string, name: string, changes: string[]): Promise<ImageRecord> {
    await this.init();
    const ref = normalizeLocalName(name);
    if (ref.digest) throw new BadRequestError(`invalid image name "${name}": an imported image cannot be named by digest`);
    const runtime = applyChanges({}, changes);
    return this.holding(async (hold) => {
      const blob = (await this.storage.isDirectory(source)) ? await this.storage.tarDirectory(source) : await this.storage.ingestTarFile(source);
      hold(blob.digest);
      // the layer blob is uncompressed, so its digest is the diffID
      const ctx: LoadContext = { storage: this.storage, platform: this.platform, hold };
      const [layer] = await storeLayers(ctx, [{ blob, mediaType: MediaType.ociLayer, diffId: blob.digest }]);
      const created = new Date(this.now()).toISOString();
      const config = {
        created,
        architecture: this.platform.architecture,
        os: this.platform.os,
        config: runtime,
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created, created_by: `peapod import ${source}`, comment: 'imported from rootfs' }],
      };
      const configBlob = await this.storage.putBlob(Buffer.from(JSON.stringify(config)));
      hold(configBlob.digest);
      const manifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
      };
      const m = await this.storage.putBlob(Buffer.from(JSON.stringify(manifest)));
      hold(m.digest);
      const [stored] = await this.commit([{ id: configBlob.digest, names: [formatImageReference(ref)], manifestDigest: m.digest, config, layers: [layer], created }]);
      return this.toRecord(stored);
    });
  }

  /**
   * Loads every image of an OCI layout (dir or oci-archive) or docker-archive. OCI entries whose
   * ref.name is only a tag (as skopeo writes) are named `<opts.name>:<tag>` when a name is given,
   * else they stay unnamed (reachable by id).
   */
  async load(path: string, opts: { name?: string } = {}): Promise<ImageRecord[]> {
    await this.init();
    if (opts.name !== undefined) parseImageReference(opts.name);
    return this.holding(async (hold) => {
      const source = await this.storage.openSource(path);
      let loaded: LoadedImage[];
      try {
        const ctx: LoadContext = { storage: this.storage, platform: this.platform, hold };
        if (opts.name !== undefined) ctx.name = opts.name;
        loaded = await loadFromSource(ctx, source, path);
      } finally {
        await source.close();
      }
      return (await this.commit(loaded)).map((i) => this.toRecord(i));
    });
  }

  /**
   * Pulls `ref` from its registry. Two pulls of the same reference at once share one download
   * (both see its progress); layers any other image has already are not fetched again.
   */
  async pull(ref: string, opts: ImagePullOptions = {}): Promise<ImagePullResult> {
    await this.init();
    const parsed = parseImageReference(ref);
    const key = formatImageReference(parsed);
    const running = this.pulling.get(key);
    if (running) {
      const l = opts.onProgress;
      if (l) running.listeners.add(l);
      return running.promise.finally(() => l && running.listeners.delete(l));
    }
    const registry = this.opts.registry;
    if (!registry) throw new BadRequestError(`cannot pull ${key}: no registry access is configured`);
    const listeners = new Set<NonNullable<ImagePullOptions['onProgress']>>();
    if (opts.onProgress) listeners.add(opts.onProgress);
    const promise = this.holding(async (hold) => {
      const ctx: PullContext = {
        storage: this.storage,
        platform: this.platform,
        hold,
        registry,
        onProgress: (p) => {
          for (const l of listeners) l(p);
        },
      };
      if (opts.credentials) ctx.credentials = opts.credentials;
      const pulled = await pullImage(ctx, parsed);
      const { topDigest, downloadedBytes, size, ...loaded } = pulled;
      const [stored] = await this.commit([loaded]);
      return { image: this.toRecord(stored), imageRef: `${repositoryName(parsed)}@${topDigest}`, downloadedBytes, size };
    }).finally(() => this.pulling.delete(key));
    this.pulling.set(key, { promise, listeners });
    return promise;
  }

  async remove(ref: string): Promise<ImageRecord> {
    await this.init();
    return this.serial(async () => {
      const img = this.find(ref);
      if (!img) throw NotFoundError.of('image', ref);
      const before = this.toRecord(img);
      const byName = this.matchName(img, ref);
      if (byName && img.names.length > 1) {
        img.names = img.names.filter((n) => n !== byName);
        img.repoDigests = this.repoDigests(img.names, img.manifestDigest, img.indexDigests);
        await this.save();
        return before;
      }
      if (await this.opts.inUse?.(img.id)) {
        throw new ConflictError(`image ${img.names[0] ?? img.id} is in use by a container; remove the container first`);
      }
      this.images = this.images.filter((i) => i !== img);
      await this.save();
      await this.collectGarbage(img);
      return before;
    });
  }

  // -------------------------------------------------------------------------------------

  private find(ref: string): StoredImage | undefined {
    const id = /^(?:sha256:)?([a-f0-9]{12,64})$/.exec(ref);
    if (id) {
      const matches = this.images.filter((i) => i.id.slice(7).startsWith(id[1]));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw new BadRequestError(`image id prefix "${ref}" is ambiguous`);
      if (ref.startsWith('sha256:') || id[1].length === 64) return undefined;
    }
    for (const cand of lookupCandidates(ref)) {
      const full = formatImageReference(cand);
      const hit = cand.digest
        ? this.images.find((i) => i.manifestDigest === cand.digest && i.names.some((n) => n.startsWith(`${repositoryName(cand)}:`) || n === repositoryName(cand)))
          ?? this.images.find((i) => i.repoDigests.includes(`${repositoryName(cand)}@${cand.digest}`) || i.names.includes(full))
        : this.images.find((i) => i.names.includes(full));
      if (hit) return hit;
    }
    return undefined;
  }

  private matchName(img: StoredImage, ref: string): string | undefined {
    if (/^(?:sha256:)?[a-f0-9]{12,64}$/.test(ref)) return undefined;
    for (const cand of lookupCandidates(ref)) {
      const full = formatImageReference(cand);
      if (img.names.includes(full)) return full;
    }
    return undefined;
  }

  /** `repo@<index digest>` first when the image came through an index (what a pull by tag resolves to), then `repo@<manifest digest>`. */
  private repoDigests(names: string[], manifestDigest: string, indexDigests?: string[]): string[] {
    const repos = new Set(names.map((n) => repositoryName(parseImageReference(n))));
    const digests = indexDigests?.length ? [indexDigests[0], manifestDigest] : [manifestDigest];
    return [...repos].flatMap((r) => digests.map((d) => `${r}@${d}`));
  }

  /** Records images; a name moves from any image that had it (that image may become unnamed). */
  private commit(loaded: LoadedImage[]): Promise<StoredImage[]> {
    return this.serial(async () => {
      const out: StoredImage[] = [];
      for (const l of loaded) {
        for (const other of this.images) {
          if (other.id !== l.id) {
            other.names = other.names.filter((n) => !l.names.includes(n));
            other.repoDigests = this.repoDigests(other.names, other.manifestDigest, other.indexDigests);
          }
        }
        let img = this.images.find((i) => i.id === l.id);
        if (img) {
          img.names = [...new Set([...img.names, ...l.names])];
        } else {
          img = { ...l, names: [...new Set(l.names)], repoDigests: [], added: this.now() };
          this.images.push(img);
        }
        for (const layer of img.layers) {
          if (layer.unpackedSize < 0) layer.unpackedSize = this.knownLayerSize(layer.diffId);
        }
        img.repoDigests = this.repoDigests(img.names, img.manifestDigest, img.indexDigests);
        out.push(img);
      }
      await this.save();
      return out;
    });
  }

  private knownLayerSize(diffId: string): number {
    for (const i of this.images) for (const l of i.layers) if (l.diffId === diffId && l.unpackedSize >= 0) return l.unpackedSize;
    return 0;
  }

  onImagesChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private async save(): Promise<void> {
    const data: IndexFile = { version: 1, images: this.images };
    await this.storage.writeIndex(data);
    for (const l of [...this.changeListeners]) l();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async holding<T>(fn: (hold: (key: string) => void) => Promise<T>): Promise<T> {
    const mine: string[] = [];
    const hold = (key: string) => {
      mine.push(key);
      this.held.set(key, (this.held.get(key) ?? 0) + 1);
    };
    try {
      return await fn(hold);
    } finally {
      for (const k of mine) {
        const n = (this.held.get(k) ?? 1) - 1;
        if (n <= 0) this.held.delete(k);
        else this.held.set(k, n);
      }
    }
  }

  /**
   * Removes blobs and layers no image references and no in-flight load holds: those of
   * `removed`, or (at start, `removed` undefined) every orphan on disk.
   */
  private async collectGarbage(removed: StoredImage | undefined): Promise<void> {
    const blobs = new Set<string>();
    const diffIds = new Set<string>();
    for (const i of this.images) {
      blobs.add(i.id).add(i.manifestDigest);
      for (const d of i.indexDigests ?? []) blobs.add(d);
      for (const l of i.layers) {
        blobs.add(l.digest);
        diffIds.add(l.diffId);
      }
    }
    const unused = (k: string, set: Set<string>) => !set.has(k) && !this.held.has(k);
    if (removed) {
      for (const d of [removed.id, removed.manifestDigest, ...(removed.indexDigests ?? []), ...removed.layers.map((l) => l.digest)]) {
        if (unused(d, blobs)) await this.storage.removeBlob(d);
      }
      for (const l of removed.layers) if (unused(l.diffId, diffIds)) await this.storage.removeLayer(l.diffId);
      return;
    }
    for (const d of await this.storage.listBlobs()) if (unused(d, blobs)) await this.storage.removeBlob(d);
    const keep = new Set([...diffIds].map((d) => this.storage.layerDir(d)));
    for (const dir of await this.storage.listLayerDirs()) if (!keep.has(dir)) await this.storage.removeLayerDir(dir);
  }

  private toRecord(img: StoredImage): ImageRecord {
    const config: ImageRuntimeConfig = img.config.config ?? {};
    const rec: ImageRecord = {
      id: img.id,
      names: [...img.names],
      repoDigests: [...img.repoDigests],
      config,
      layerDirs: img.layers.map((l) => this.storage.layerDir(l.diffId)),
      size: img.layers.reduce((s, l) => s + Math.max(0, l.unpackedSize), 0),
    };
    if (img.created) rec.created = img.created;
    return rec;
  }
}
