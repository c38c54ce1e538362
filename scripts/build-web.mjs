#!/usr/bin/env node
// Bundles the dashboard (web/src/main.tsx: preact, xterm.js loaded on first use) into dist/web
// with esbuild: minified ES modules, split so the terminal's code loads only when a terminal
// opens, and one app.css. The daemon serves the result under /ui/assets/. Prints the sizes and
// fails when the whole bundle is over its budget (300 KB gzipped, DESIGN.md §8).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, 'dist/web');
const BUDGET_GZIP = 300 * 1024;

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { app: join(root, 'web/src/main.tsx') },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  outdir: out,
  chunkNames: 'chunk-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(root, 'web/tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

let total = 0;
const rows = [];
for (const f of readdirSync(out).sort()) {
  const body = readFileSync(join(out, f));
  const gz = gzipSync(body, { level: 9 }).length;
  total += gz;
  rows.push(`  ${f.padEnd(28)} ${(body.length / 1024).toFixed(1).padStart(7)} KB  ${(gz / 1024).toFixed(1).padStart(6)} KB gzipped`);
}
console.log(`web: dist/web\n${rows.join('\n')}\n  total ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_GZIP / 1024} KB)`);
if (total > BUDGET_GZIP) {
  console.error('web: the bundle is over its budget');
  process.exit(1);
}
