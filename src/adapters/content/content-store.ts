/**
 * @module Content-addressed blobs at `<imagesDir>/blobs/sha256/<hex>`. Every write goes to a temp
 * file in `<imagesDir>/tmp`, is hashed and size-checked while streaming, and is renamed into
 * place only when it matches, so a blob file is always complete and correct.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError } from '../../core/errors.js';

export interface BlobRef {
  digest: string;
  size: number;
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;

export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new BadRequestError(`invalid digest "${digest}": expected sha256:<64 lowercase hex>`);
  return m[1];
}

/** Counts and hashes what passes through; fails as soon as `limit` bytes are exceeded. */
export class HashingTap extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  constructor(private readonly limit = Infinity) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) return cb(new BadRequestError(`blob is larger than the expected ${this.limit} bytes`));
    this.hash.update(chunk);
    cb(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

export class ContentStore {
  readonly blobsDir: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.blobsDir = `${root}/blobs/sha256`;
    this.tmpDir = `${root}/tmp`;
  }

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  path(digest: string): string {
    return `${this.blobsDir}/${digestHex(digest)}`;
  }

  /** A fresh path inside the store's temp dir (same file system as the blobs, so rename works). */
  tempPath(prefix: string): string {
    return `${this.tmpDir}/${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  /**
   * Streams into the store. With `expected`, a wrong digest or size rejects and leaves nothing;
   * without it the digest is computed. The temp file is removed on any failure.
   */
  async ingest(stream: NodeJS.ReadableStream, expected?: BlobRef): Promise<BlobRef> {
    if (expected) digestHex(expected.digest);
    const tmp = this.tempPath('ingest');
    const tap = new HashingTap(expected?.size ?? Infinity);
    try {
      await pipeline(stream, tap, createWriteStream(tmp, { mode: 0o644 }));
      const got = { digest: tap.digest(), size: tap.size };
      if (expected && got.size !== expected.size) {
        throw new BadRequestError(`blob ${expected.digest} has ${got.size} bytes, expected ${expected.size}`);
      }
      if (expected && got.digest !== expected.digest) {
        throw new BadRequestError(`blob digest mismatch: expected ${expected.digest}, got ${got.digest}`);
      }
      await rename(tmp, this.path(got.digest));
      return got;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async put(data: Buffer): Promise<BlobRef> {
    return this.ingest(Readable.from([data]));
  }

  readStream(digest: string): NodeJS.ReadableStream {
    return createReadStream(this.path(digest));
  }

  /** Reads a small blob and re-checks its digest (guards against a file changed on disk). */
  async read(digest: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
    const p = this.path(digest);
    const st = await stat(p);
    if (st.size > maxBytes) throw new BadRequestError(`blob ${digest} is ${st.size} bytes, more than the ${maxBytes} allowed`);
    const data = await readFile(p);
    const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (got !== digest) throw new BadRequestError(`stored blob ${digest} is corrupt (its content hashes to ${got})`);
    return data;
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.blobsDir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Removes temp files of interrupted writes (call once at start, before any ingest). */
  async cleanTemp(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }
}
