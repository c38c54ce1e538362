/**
 * @module What the image store needs from the file-touching side (adapters/content implements it
 * as `ImageFiles`; a fake can too). images/ never touches files itself. A registry puller uses
 * the same calls: `ingest` a blob stream by expected digest, then `unpackLayer` it.
 */

export interface BlobRef {
  digest: string; // sha256:<hex>
  size: number;
}

export interface UnpackedLayer {
  diffId: string;
  /** Bytes of the uncompressed tar; undefined when the layer was already unpacked. */
  size?: number;
  dir: string;
}

/** An OCI layout or docker-archive being loaded: a directory or a tar read in place. */
export interface ImageSource {
  has(name: string): boolean;
  /** Reads a small member (JSON); refuses members over `maxBytes`. */
  readFile(name: string, maxBytes?: number): Promise<Buffer>;
  /** Copies a member into the content store, checking digest and size when `expected` is given. */
  ingest(name: string, expected?: BlobRef): Promise<BlobRef>;
  close(): Promise<void>;
}

export interface ImageStorage {
  /** Creates the directories and removes temp leftovers of an interrupted run. */
  init(): Promise<void>;

  hasBlob(digest: string): Promise<boolean>;
  /** Reads a small blob and checks it still matches its digest. */
  readBlob(digest: string, maxBytes?: number): Promise<Buffer>;
  putBlob(data: Buffer): Promise<BlobRef>;
  ingest(stream: NodeJS.ReadableStream, expected?: BlobRef): Promise<BlobRef>;
  removeBlob(digest: string): Promise<void>;
  /** Compression of a stored blob, from its magic bytes. */
  blobCompression(digest: string): Promise<'gzip' | 'zstd' | 'none'>;
  listBlobs(): Promise<string[]>;

  layerDir(diffId: string): string;
  hasLayer(diffId: string): Promise<boolean>;
  /** Unpacks a stored blob into the layer directory of `diffId` (no-op when present). */
  unpackLayer(blobDigest: string, mediaType: string, diffId: string): Promise<UnpackedLayer>;
  /**
   * Stores a layer blob from a stream (a download) and unpacks it in the same pass; the layer
   * appears only when blob digest, size and diffID all matched (no-op when the layer is present).
   */
  ingestLayer(stream: NodeJS.ReadableStream, expected: BlobRef, mediaType: string, diffId: string): Promise<UnpackedLayer>;
  removeLayer(diffId: string): Promise<void>;
  /** Every layer directory on disk (to find orphans of an interrupted load). */
  listLayerDirs(): Promise<string[]>;
  removeLayerDir(dir: string): Promise<void>;

  /** GNU tar (sorted, numeric owners, xattrs) of a directory, stored as an uncompressed layer blob. */
  tarDirectory(dir: string): Promise<BlobRef>;
  /** Stores a tar file decompressed (gzip/zstd sniffed), so the blob digest is its diffID. */
  ingestTarFile(path: string): Promise<BlobRef>;
  /** Is `path` a directory (rootfs) rather than a file (tar)? Rejects when it does not exist. */
  isDirectory(path: string): Promise<boolean>;

  openSource(path: string): Promise<ImageSource>;

  readIndex(): Promise<unknown>;
  writeIndex(data: unknown): Promise<void>;
}
