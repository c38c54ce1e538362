/**
 * @module The dashboard's built files (dist/web, made by scripts/build-web.mjs) read once into
 * memory with a gzip copy and an ETag each: a few hundred KB that every page load then gets
 * without touching the disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { StaticAssets } from '../../core/ports.js';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  json: 'application/json',
  map: 'application/json',
};

export class DirectoryAssets implements StaticAssets {
  private readonly files = new Map<string, { body: Buffer; gzip: Buffer; contentType: string; etag: string }>();

  /** Loads the first of `dirs` that exists (the build's place differs between dist/ and the sources). */
  constructor(dirs: readonly string[]) {
    const dir = dirs.find((d) => existsSync(`${d}/app.js`));
    if (!dir) return;
    for (const name of readdirSync(dir)) {
      const path = `${dir}/${name}`;
      if (!statSync(path).isFile()) continue;
      const body = readFileSync(path);
      const ext = name.split('.').pop() ?? '';
      this.files.set(name, {
        body,
        gzip: gzipSync(body, { level: 9 }),
        contentType: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
      });
    }
  }

  get(name: string): { body: Buffer; gzip: Buffer; contentType: string; etag: string } | undefined {
    return this.files.get(name);
  }
}
