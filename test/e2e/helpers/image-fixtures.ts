/**
 * Test images built by hand from busybox-static (images.md §2): rootfs dirs, layer tars (GNU tar,
 * or a tiny hand-written tar for hostile members GNU tar would refuse to create), OCI layouts,
 * docker-archives.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function makeBusyboxRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'var', 'usr/bin']) mkdirSync(`${dir}/${d}`, { recursive: true });
  copyFileSync('/bin/busybox', `${dir}/bin/busybox`);
  chmodSync(`${dir}/bin/busybox`, 0o755);
  for (const applet of ['sh', 'ls', 'cat', 'echo']) symlinkSync('busybox', `${dir}/bin/${applet}`);
  writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(`${dir}/etc/group`, 'root:x:0:\n');
  chmodSync(`${dir}/tmp`, 0o1777);
}

/** Files (content string) and dirs (trailing "/") into a dir, then a GNU tar of it. */
export function tarOf(workDir: string, files: Record<string, string>): Buffer {
  mkdirSync(workDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(`${workDir}/${name}`, { recursive: true });
    else {
      mkdirSync(dirname(`${workDir}/${name}`), { recursive: true });
      writeFileSync(`${workDir}/${name}`, content);
    }
  }
  return tarDir(workDir);
}

export function tarDir(dir: string): Buffer {
  return execFileSync('tar', ['-c', '-f', '-', '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--format=gnu', '-C', dir, '.'], {
    maxBuffer: 256 * 1024 * 1024,
  });
}

export const gzip = (b: Buffer) => gzipSync(b);
export const zstd = (b: Buffer) => execFileSync('zstd', ['-q', '-c'], { input: b, maxBuffer: 256 * 1024 * 1024 });

/** A minimal ustar writer: lets tests create members GNU tar would never write. */
export function rawTar(members: { name: string; type?: 'file' | 'symlink' | 'dir'; data?: Buffer | string; link?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${(m.type === 'file' || !m.type ? data.length : 0).toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write(m.type === 'symlink' ? '2' : m.type === 'dir' ? '5' : '0', 156);
    if (m.link) h.write(m.link, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    if (!m.type || m.type === 'file') {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Writes OCI layout blobs. */
export class OciLayoutBuilder {
  readonly index: Desc[] = [];
  constructor(readonly dir: string) {
    mkdirSync(`${dir}/blobs/sha256`, { recursive: true });
    writeFileSync(`${dir}/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
  }
  blob(data: Buffer, mediaType: string): Desc {
    const digest = sha256(data);
    writeFileSync(`${this.dir}/blobs/sha256/${digest.slice(7)}`, data);
    return { mediaType, digest, size: data.length };
  }
  /** layers: [compressed blob, uncompressed tar, media type] bottom first. */
  image(layers: { blob: Buffer; tar: Buffer; mediaType: string }[], config: Record<string, unknown> = {}, arch = 'amd64'): Desc {
    const cfg = Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...config },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) },
      }),
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: this.blob(cfg, 'application/vnd.oci.image.config.v1+json'),
      layers: layers.map((l) => this.blob(l.blob, l.mediaType)),
    };
    return this.blob(Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  }
  imageIndex(entries: Desc[]): Desc {
    const idx = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries };
    return this.blob(Buffer.from(JSON.stringify(idx)), idx.mediaType);
  }
  add(desc: Desc, refName?: string): void {
    this.index.push(refName ? { ...desc, annotations: { 'org.opencontainers.image.ref.name': refName } } : desc);
  }
  write(): void {
    writeFileSync(`${this.dir}/index.json`, JSON.stringify({ schemaVersion: 2, manifests: this.index }));
  }
}
