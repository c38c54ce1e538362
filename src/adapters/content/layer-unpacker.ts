/**
 * @module Unpacks one layer blob into its own fresh directory with GNU tar (images.md §4.2):
 * Node decompresses (zlib for gzip, a `zstd -dc` child for zstd) and hashes the uncompressed
 * stream (the diffID) in the same pass while tar reads it on stdin. OCI whiteouts are then
 * turned into overlayfs ones (§4.4). The directory appears under its final name only after tar
 * succeeded and the diffID matched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BadRequestError, CommandError } from '../../core/errors.js';
import { HashingTap } from './content-store.js';
import { convertWhiteouts } from './whiteouts.js';
import { WhiteoutScanner } from './whiteout-scanner.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export const TAR_EXTRACT_ARGS = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--xattrs-exclude=trusted.*'];

/**
 * zlib's default 16 KiB output chunks cost about a quarter of the unpack time in stream
 * overhead (per-chunk callbacks, hashing and pipe writes); 256 KiB chunks and 1 MiB reads made
 * the whole unpack of a 114 MB layer ~20 % faster (bench/pull.bench.ts).
 */
const GUNZIP_CHUNK = 256 << 10;
const READ_CHUNK = 1 << 20;
const gunzip = () => createGunzip({ chunkSize: GUNZIP_CHUNK });

/** By magic bytes (1f 8b gzip, 28 b5 2f fd zstd): docker archives do not say, and media types can lie. */
export async function sniffCompression(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buf.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** The stages giving the uncompressed tar of a (possibly compressed) file, plus the zstd child to check. */
export async function openDecompressed(
  path: string,
): Promise<{ stages: NodeJS.ReadWriteStream[] | [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]]; child?: ChildProcess; stderr: () => string }> {
  const kind = await sniffCompression(path);
  if (kind === 'zstd') {
    const child = spawn('zstd', ['-dc', '-q', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
    return { stages: [child.stdout!], child, stderr: () => err };
  }
  const file = createReadStream(path, { highWaterMark: READ_CHUNK });
  if (kind === 'gzip') return { stages: [file, gunzip()], stderr: () => '' };
  return { stages: [file], stderr: () => '' };
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Hashes everything it gets and forwards it to `child.stdin`; keeps hashing if tar stops reading early. */
function feed(child: ChildProcess, tap: HashingTap, whiteouts: WhiteoutScanner): Writable {
  const stdin = child.stdin!;
  let closed = false;
  let pending: (() => void) | undefined;
  const release = () => {
    closed = true;
    const p = pending;
    pending = undefined;
    p?.();
  };
  stdin.on('error', release);
  stdin.on('close', release);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      tap.hash.update(chunk);
      tap.size += chunk.length;
      if (!whiteouts.found) whiteouts.update(chunk);
      if (closed || stdin.destroyed || stdin.writableEnded || stdin.write(chunk)) return cb();
      pending = () => cb();
      stdin.once('drain', () => {
        const p = pending;
        pending = undefined;
        p?.();
      });
    },
    final(cb) {
      // GNU tar may stop reading after the end-of-archive blocks; the rest was still hashed
      if (closed || stdin.destroyed || stdin.writableEnded) return cb();
      stdin.end(() => cb());
    },
  });
}

/**
 * Unpacks `blobPath` into `targetDir` (which must not exist yet). Returns the diffID and the
 * uncompressed size. `mediaType` is informational: the compression is sniffed from the bytes.
 * If another unpack of the same layer wins the final rename, its directory is kept and this
 * one is discarded.
 */
export async function unpackLayer(
  blobPath: string,
  mediaType: string,
  targetDir: string,
  expectedDiffId?: string,
): Promise<{ diffId: string; size: number; dir: string }> {
  return extractLayer(() => openDecompressed(blobPath), mediaType, targetDir, expectedDiffId);
}

/** Compression a layer media type declares (gzip for Docker's `…tar.gzip`); undefined when unknown. */
export function mediaTypeCompression(mediaType: string): Compression | undefined {
  if (/gzip$/.test(mediaType)) return 'gzip';
  if (/zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$|diff\.tar$/.test(mediaType)) return 'none';
  return undefined;
}

/**
 * As unpackLayer, from a stream as it arrives (a download), so unpacking overlaps the transfer.
 * `beforeCommit` runs after tar succeeded and the diffID matched, before the directory gets its
 * final name: the caller waits there for the compressed blob's own digest check, and a throw
 * discards the directory.
 */
export async function unpackLayerStream(
  input: NodeJS.ReadableStream,
  compression: Compression,
  targetDir: string,
  expectedDiffId: string,
  beforeCommit: () => Promise<void>,
): Promise<{ diffId: string; size: number; dir: string }> {
  const open = async () => {
    if (compression === 'zstd') {
      const child = spawn('zstd', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
      child.stdin!.on('error', () => {});
      pipeline(input, child.stdin!).catch((e: Error) => child.stdout!.destroy(e));
      return { stages: [child.stdout!] as [NodeJS.ReadableStream], child, stderr: () => err };
    }
    if (compression === 'gzip') return { stages: [input, gunzip()] as [NodeJS.ReadableStream, NodeJS.ReadWriteStream], stderr: () => '' };
    return { stages: [input] as [NodeJS.ReadableStream], stderr: () => '' };
  };
  return extractLayer(open, compression, targetDir, expectedDiffId, beforeCommit);
}

async function extractLayer(
  openSource: typeof openDecompressed extends (p: string) => infer R ? () => R : never,
  what: string,
  targetDir: string,
  expectedDiffId?: string,
  beforeCommit?: () => Promise<void>,
): Promise<{ diffId: string; size: number; dir: string }> {
  const tmp = `${dirname(targetDir)}/.tmp-${basename(targetDir)}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { recursive: false, mode: 0o755 });
  try {
    const source = await openSource();
    const tar = spawn('tar', ['-x', '-f', '-', '-C', tmp, ...TAR_EXTRACT_ARGS], { stdio: ['pipe', 'ignore', 'pipe'] });
    let tarErr = '';
    tar.stderr!.on('data', (d: Buffer) => (tarErr = (tarErr + d.toString()).slice(-8192)));
    const tarExit = waitExit(tar);
    const tap = new HashingTap();
    const whiteouts = new WhiteoutScanner();
    const fed = (pipeline as (...s: unknown[]) => Promise<void>)(...source.stages, feed(tar, tap, whiteouts)).then(
      () => undefined,
      (e: unknown) => {
        // tar would wait for the rest of a stream that will never come
        tar.kill('SIGKILL');
        source.child?.kill('SIGKILL');
        return e as Error;
      },
    );
    const [pipeErr, tarCode] = await Promise.all([fed, tarExit]);
    const zcode = source.child ? await waitExit(source.child) : 0;
    if (pipeErr) throw new BadRequestError(`reading layer: ${pipeErr.message}`);
    if (zcode !== 0) throw new CommandError('zstd -dc', zcode, source.stderr());
    if (tarCode !== 0) throw new CommandError(`tar -x (layer ${what})`, tarCode, tarErr);
    const diffId = tap.digest();
    if (expectedDiffId !== undefined && diffId !== expectedDiffId) {
      throw new BadRequestError(`layer diffID mismatch: expected ${expectedDiffId}, got ${diffId}`);
    }
    // the walk over every unpacked entry is skipped for the (usual) layers without whiteouts
    if (whiteouts.found) await convertWhiteouts(tmp);
    await beforeCommit?.();
    try {
      await rename(tmp, targetDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    return { diffId, size: tap.size, dir: targetDir };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
