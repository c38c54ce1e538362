/**
 * @module Everything the image store keeps on disk under `<imagesDir>`:
 *   blobs/sha256/<hex>   content store (verified, renamed into place)
 *   layers/<12 hex>      unpacked layers, keyed by diffID (short names keep overlay options short)
 *   images.json          metadata index (atomic rewrite)
 *   tmp/                 temp files; emptied by init()
 * Implements images/image-storage.ts's ImageStorage (structurally; adapters do not import images/).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, CommandError } from '../../core/errors.js';
import { ContentStore, digestHex, type BlobRef } from './content-store.js';
import { openImageSource, type ImageSource } from './image-sources.js';
import { mediaTypeCompression, openDecompressed, sniffCompression, unpackLayer, unpackLayerStream, type Compression } from './layer-unpacker.js';

export class ImageFiles {
  readonly content: ContentStore;
  readonly layersDir: string;
  readonly indexPath: string;
  private readonly unpacking = new Map<string, Promise<{ diffId: string; size?: number; dir: string }>>();

  constructor(readonly root: string) {
    this.content = new ContentStore(root);
    this.layersDir = `${root}/layers`;
    this.indexPath = `${root}/images.json`;
  }

  async init(): Promise<void> {
    await this.content.init();
    await mkdir(this.layersDir, { recursive: true });
    await this.content.cleanTemp();
    for (const name of await readdir(this.layersDir)) {
      if (name.startsWith('.tmp-')) await rm(`${this.layersDir}/${name}`, { recursive: true, force: true });
    }
    for (const name of await readdir(this.root)) {
      if (name.startsWith('images.json.tmp-')) await rm(`${this.root}/${name}`, { force: true });
    }
  }

  // blobs -------------------------------------------------------------------------------
  hasBlob(digest: string): Promise<boolean> {
    return this.content.has(digest);
  }
  readBlob(digest: string, maxBytes?: number): Promise<Buffer> {
    return this.content.read(digest, maxBytes);
  }
  putBlob(data: Buffer): Promise<BlobRef> {
    return this.content.put(data);
  }
  ingest(stream: NodeJS.ReadableStream, expected?: BlobRef): Promise<BlobRef> {
    return this.content.ingest(stream, expected);
  }
  removeBlob(digest: string): Promise<void> {
    return this.content.remove(digest);
  }
  blobCompression(digest: string): Promise<Compression> {
    return sniffCompression(this.content.path(digest));
  }
  listBlobs(): Promise<string[]> {
    return this.content.list();
  }

  // layers ------------------------------------------------------------------------------
  layerDir(diffId: string): string {
    return `${this.layersDir}/${digestHex(diffId).slice(0, 12)}`;
  }

  async hasLayer(diffId: string): Promise<boolean> {
    return stat(this.layerDir(diffId)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** One unpack per diffID at a time; a present layer is not unpacked again. */
  unpackLayer(blobDigest: string, mediaType: string, diffId: string): Promise<{ diffId: string; size?: number; dir: string }> {
    const running = this.unpacking.get(diffId);
    if (running) return running;
    const p = (async () => {
      const dir = this.layerDir(diffId);
      if (await this.hasLayer(diffId)) return { diffId, dir };
      return unpackLayer(this.content.path(blobDigest), mediaType, dir, diffId);
    })().finally(() => this.unpacking.delete(diffId));
    this.unpacking.set(diffId, p);
    return p;
  }

  /**
   * Stores a layer blob arriving as a stream and unpacks it in the same pass (download overlapped
   * with unpacking). The layer directory appears only when the blob's digest and size and the
   * diffID all matched; on any failure nothing of the layer is kept.
   */
  ingestLayer(stream: NodeJS.ReadableStream, expected: BlobRef, mediaType: string, diffId: string): Promise<{ diffId: string; size?: number; dir: string }> {
    const running = this.unpacking.get(diffId);
    if (running) {
      (stream as Readable).destroy?.();
      return running;
    }
    const p = (async () => {
      const dir = this.layerDir(diffId);
      if (await this.hasLayer(diffId)) {
        (stream as Readable).destroy?.();
        return { diffId, dir };
      }
      const compression = mediaTypeCompression(mediaType);
      if (!compression) {
        (stream as Readable).destroy?.();
        throw new BadRequestError(`layer ${expected.digest} has the unsupported media type "${mediaType}"`);
      }
      const toBlob = new PassThrough({ highWaterMark: 1 << 20 });
      const toTar = new PassThrough({ highWaterMark: 1 << 20 });
      stream.on('error', (e: Error) => {
        toBlob.destroy(e);
        toTar.destroy(e);
      });
      stream.pipe(toBlob);
      stream.pipe(toTar);
      const stored = this.content.ingest(toBlob, expected);
      stored.catch((e: Error) => {
        (stream as Readable).destroy?.();
        toTar.destroy(e);
      });
      try {
        return await unpackLayerStream(toTar, compression, dir, diffId, async () => {
          await stored;
        });
      } catch (err) {
        // a digest mismatch explains a broken unpack better than the unpack's own error
        const blobErr = await stored.then(
          () => undefined,
          (e: Error) => e,
        );
        throw blobErr ?? err;
      }
    })().finally(() => this.unpacking.delete(diffId));
    this.unpacking.set(diffId, p);
    return p;
  }

  removeLayer(diffId: string): Promise<void> {
    return this.removeLayerDir(this.layerDir(diffId));
  }

  async listLayerDirs(): Promise<string[]> {
    const names = await readdir(this.layersDir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{12}$/.test(n)).map((n) => `${this.layersDir}/${n}`);
  }

  async removeLayerDir(dir: string): Promise<void> {
    const name = dir.slice(this.layersDir.length + 1);
    if (!dir.startsWith(`${this.layersDir}/`) || !/^[a-f0-9]{12}$/.test(name)) throw new BadRequestError(`${dir} is not a layer directory`);
    // Rename first so a half-removed layer is never mistaken for a complete one.
    const doomed = `${this.layersDir}/.tmp-rm-${name}-${randomBytes(4).toString('hex')}`;
    try {
      await rename(dir, doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  // rootfs import -----------------------------------------------------------------------
  async tarDirectory(dir: string): Promise<BlobRef> {
    const args = [
      '-c', '-f', '-', '-C', dir,
      '--sort=name', '--numeric-owner', '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      '--xattrs', '--xattrs-include=*', '--xattrs-exclude=trusted.*',
      '.',
    ];
    const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    tar.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8192)));
    const exited = new Promise<number>((resolve, reject) => {
      tar.once('error', reject);
      tar.once('close', (code) => resolve(code ?? 1));
    });
    const ingested = this.content.ingest(tar.stdout!).then(
      (r) => r,
      (e: Error) => e,
    );
    const [code, result] = await Promise.all([exited, ingested]);
    if (code !== 0) {
      if (!(result instanceof Error)) await this.content.remove(result.digest);
      throw new CommandError(`tar -c -C ${dir}`, code, err);
    }
    if (result instanceof Error) throw result;
    return result;
  }

  async ingestTarFile(path: string): Promise<BlobRef> {
    const d = await openDecompressed(path);
    const pass = new PassThrough();
    const piped = (pipeline as (...s: unknown[]) => Promise<void>)(...d.stages, pass).catch((e: Error) => e);
    const result = await this.content.ingest(pass);
    const pipeErr = await piped;
    if (pipeErr) throw pipeErr;
    if (d.child) {
      const code = d.child.exitCode ?? (await new Promise<number>((r) => d.child!.once('close', (c) => r(c ?? 1))));
      if (code !== 0) {
        await this.content.remove(result.digest);
        throw new CommandError('zstd -dc', code, d.stderr());
      }
    }
    return result;
  }

  async isDirectory(path: string): Promise<boolean> {
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new BadRequestError(`${path} does not exist`);
    return st.isDirectory();
  }

  openSource(path: string): Promise<ImageSource> {
    return openImageSource(path, this.content);
  }

  // metadata ----------------------------------------------------------------------------
  async readIndex(): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.indexPath, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeIndex(data: unknown): Promise<void> {
    const tmp = `${this.indexPath}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o600 });
    await rename(tmp, this.indexPath);
  }
}
