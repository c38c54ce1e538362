/**
 * @module Reads the member table of an image archive (oci-archive, docker-archive) in place,
 * without extracting anything: headers are parsed in Node (ustar, GNU long names, pax), data is
 * later read by offset. Nothing of a hostile archive is ever written as a path, so `..`,
 * absolute names and symlink tricks cannot escape; they are refused outright anyway.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { BadRequestError } from '../../core/errors.js';

export interface TarMember {
  name: string;
  offset: number;
  size: number;
}

const BLOCK = 512;

function cstr(buf: Buffer, start: number, len: number): string {
  const sub = buf.subarray(start, start + len);
  const nul = sub.indexOf(0);
  return sub.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  if (buf[start] & 0x80) {
    // GNU base-256 for sizes over 8 GiB
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = cstr(buf, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString(), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** "./a//b/" → "a/b"; refuses absolute paths and `..`. */
export function cleanMemberName(raw: string, archive: string): string {
  if (raw.startsWith('/')) throw new BadRequestError(`archive ${archive} has a member with an absolute path: "${raw}"`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BadRequestError(`archive ${archive} has a member with "..": "${raw}"`);
  return parts.join('/');
}

/** Regular files by cleaned name; links resolved to the file they name. */
export class TarIndex {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly files: Map<string, TarMember>,
  ) {}

  static async open(path: string): Promise<TarIndex> {
    const fh = await open(path, 'r');
    try {
      const { files } = await scan(fh, path);
      return new TarIndex(path, fh, files);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  member(name: string): TarMember | undefined {
    return this.files.get(name);
  }

  async read(m: TarMember): Promise<Buffer> {
    const buf = Buffer.alloc(m.size);
    let done = 0;
    while (done < m.size) {
      const { bytesRead } = await this.fh.read(buf, done, m.size - done, m.offset + done);
      if (bytesRead === 0) throw new BadRequestError(`archive ${this.path} is truncated`);
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function scan(fh: FileHandle, path: string): Promise<{ files: Map<string, TarMember> }> {
  const { size: total } = await fh.stat();
  const files = new Map<string, TarMember>();
  const links = new Map<string, string>(); // name → archive-relative target
  const symlinkDirs = new Set<string>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  const readData = async (offset: number, size: number): Promise<Buffer> => {
    if (size > 1024 * 1024) throw new BadRequestError(`archive ${path} has an oversized metadata header`);
    const b = Buffer.alloc(size);
    await fh.read(b, 0, size, offset);
    return b;
  };
  while (pos + BLOCK <= total) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead < BLOCK) break;
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (sum !== octal(header, 148, 8)) throw new BadRequestError(`${path} is not a tar archive (bad header checksum at offset ${pos})`);
    const type = String.fromCharCode(header[156] || 0x30);
    const size = octal(header, 124, 12);
    const dataAt = pos + BLOCK;
    const next = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (dataAt + size > total) throw new BadRequestError(`archive ${path} is truncated`);
    pos = next;
    if (type === 'L') {
      longName = cstr(await readData(dataAt, size), 0, size);
      continue;
    }
    if (type === 'K') {
      longLink = cstr(await readData(dataAt, size), 0, size);
      continue;
    }
    if (type === 'x') {
      pax = parsePax(await readData(dataAt, size));
      continue;
    }
    if (type === 'g') continue;
    const prefix = header.subarray(257, 263).toString() === 'ustar\u0000' ? cstr(header, 345, 155) : '';
    const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${cstr(header, 0, 100)}` : cstr(header, 0, 100));
    const rawLink = pax.linkpath ?? longLink ?? cstr(header, 157, 100);
    const realSize = pax.size !== undefined ? Number(pax.size) : size;
    longName = longLink = undefined;
    pax = {};
    const name = cleanMemberName(rawName, path);
    if (name === '') continue;
    // Anything below a symlink member would be written through it by a naive extractor.
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (symlinkDirs.has(parts.slice(0, i).join('/'))) {
        throw new BadRequestError(`archive ${path} has member "${name}" below the symlink "${parts.slice(0, i).join('/')}"`);
      }
    }
    if (type === '0' || type === '7') {
      files.set(name, { name, offset: dataAt, size: realSize });
      links.delete(name);
    } else if (type === '2') {
      if (rawLink.startsWith('/')) throw new BadRequestError(`archive ${path} has symlink "${name}" pointing outside it: "${rawLink}"`);
      const target = posix.normalize(posix.join(posix.dirname(name), rawLink));
      if (target === '..' || target.startsWith('../')) {
        throw new BadRequestError(`archive ${path} has symlink "${name}" pointing outside it: "${rawLink}"`);
      }
      symlinkDirs.add(name);
      links.set(name, target);
      files.delete(name);
    } else if (type === '1') {
      links.set(name, cleanMemberName(rawLink, path));
      files.delete(name);
    }
    // directories, devices, FIFOs: nothing an image archive needs
  }
  for (const [name, target] of links) {
    let t = target;
    for (let hops = 0; hops < 16 && links.has(t); hops++) t = links.get(t)!;
    const m = files.get(t);
    if (m) files.set(name, { ...m, name });
  }
  return { files };
}
