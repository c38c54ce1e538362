/**
 * @module Sources `load` reads from: an OCI layout or docker-save directory, or a tar of one
 * (read in place through TarIndex; a gzip/zstd-compressed tar is first decompressed into the
 * store's temp dir). Members are only ever copied into the content store, never extracted.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rm, stat, readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { BadRequestError } from '../../core/errors.js';
import type { BlobRef, ContentStore } from './content-store.js';
import { openDecompressed, sniffCompression } from './layer-unpacker.js';
import { cleanMemberName, TarIndex } from './tar-index.js';

export interface ImageSource {
  has(name: string): boolean;
  readFile(name: string, maxBytes?: number): Promise<Buffer>;
  ingest(name: string, expected?: BlobRef): Promise<BlobRef>;
  close(): Promise<void>;
}

const MAX_JSON = 16 * 1024 * 1024;

async function ingestKnown(content: ContentStore, open: () => NodeJS.ReadableStream, expected?: BlobRef): Promise<BlobRef> {
  if (expected && (await content.has(expected.digest)) && (await content.size(expected.digest)) === expected.size) return expected;
  return content.ingest(open(), expected);
}

class DirectorySource implements ImageSource {
  constructor(
    private readonly dir: string,
    private readonly content: ContentStore,
    private readonly present: Set<string>,
  ) {}

  static async open(dir: string, content: ContentStore): Promise<DirectorySource> {
    return new DirectorySource(dir, content, new Set());
  }

  private file(name: string): string {
    return `${this.dir}/${cleanMemberName(name, this.dir)}`;
  }

  has(name: string): boolean {
    if (this.present.has(name)) return true;
    try {
      // synchronous existence checks keep the ImageSource interface simple
      const ok = statSyncIsFile(this.file(name));
      if (ok) this.present.add(name);
      return ok;
    } catch {
      return false;
    }
  }

  async readFile(name: string, maxBytes = MAX_JSON): Promise<Buffer> {
    const p = this.file(name);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) throw new BadRequestError(`${this.dir}: "${name}" is missing`);
    if (st.size > maxBytes) throw new BadRequestError(`${this.dir}: "${name}" is larger than ${maxBytes} bytes`);
    return readFile(p);
  }

  async ingest(name: string, expected?: BlobRef): Promise<BlobRef> {
    const p = this.file(name);
    if (!this.has(name)) throw new BadRequestError(`${this.dir}: "${name}" is missing`);
    return ingestKnown(this.content, () => createReadStream(p), expected);
  }

  async close(): Promise<void> {}
}

function statSyncIsFile(p: string): boolean {
  return statSync(p).isFile();
}

class ArchiveSource implements ImageSource {
  constructor(
    private readonly index: TarIndex,
    private readonly content: ContentStore,
    private readonly tempFile?: string,
  ) {}

  has(name: string): boolean {
    return this.index.has(safeName(name, this.index.path));
  }

  private member(name: string) {
    const m = this.index.member(safeName(name, this.index.path));
    if (!m) throw new BadRequestError(`archive ${this.index.path} has no member "${name}"`);
    return m;
  }

  async readFile(name: string, maxBytes = MAX_JSON): Promise<Buffer> {
    const m = this.member(name);
    if (m.size > maxBytes) throw new BadRequestError(`archive ${this.index.path}: "${name}" is larger than ${maxBytes} bytes`);
    return this.index.read(m);
  }

  async ingest(name: string, expected?: BlobRef): Promise<BlobRef> {
    const m = this.member(name);
    const open = () => (m.size === 0 ? createReadStream('/dev/null') : createReadStream(this.index.path, { start: m.offset, end: m.offset + m.size - 1 }));
    return ingestKnown(this.content, open, expected);
  }

  async close(): Promise<void> {
    await this.index.close();
    if (this.tempFile) await rm(this.tempFile, { force: true });
  }
}

function safeName(name: string, where: string): string {
  return cleanMemberName(name, where);
}

export async function openImageSource(path: string, content: ContentStore): Promise<ImageSource> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new BadRequestError(`${path} does not exist`);
  if (st.isDirectory()) return DirectorySource.open(path, content);
  if (!st.isFile()) throw new BadRequestError(`${path} is neither a directory nor an archive file`);
  if ((await sniffCompression(path)) === 'none') return new ArchiveSource(await TarIndex.open(path), content);
  const tmp = content.tempPath('archive');
  try {
    const d = await openDecompressed(path);
    await (pipeline as (...s: unknown[]) => Promise<void>)(...d.stages, createWriteStream(tmp));
    return new ArchiveSource(await TarIndex.open(tmp), content, tmp);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
