#!/usr/bin/env node
// The layering rule of DESIGN.md §4, machine-checked (VS Code's habit): every import in src/ must
// follow an allowed edge, and only adapters/ (and store/ for SQLite) may reach the OS. Runs in
// the test command; exits 1 listing every violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

/** Which top-level areas each area may import (besides itself). */
const ALLOWED = {
  core: [],
  agent: ['core'],
  // kube-proxy's and cluster DNS's job (DESIGN.md §4): meets agent/ only through the store's objects.
  network: ['core'],
  controllers: ['core'],
  images: ['core'],
  api: ['core'],
  store: ['core'],
  adapters: ['core'],
  client: ['core'],
  cli: ['core', 'client'],
  daemon: ['core', 'agent', 'controllers', 'network', 'images', 'api', 'store', 'adapters'],
  testing: ['core', 'agent', 'controllers', 'network', 'images', 'api', 'store', 'adapters', 'client', 'cli'],
};

/** Node modules that do I/O: only adapters/ (and a few named areas) may use them. */
const IO_MODULES = new Set(['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'dns', 'cluster', 'worker_threads', 'readline', 'os']);
/** Per area: I/O modules it may use (DESIGN.md: cli/client/daemon read files, api serves HTTP). */
const IO_ALLOWED = {
  core: [],
  agent: [],
  network: [],
  controllers: [],
  images: [],
  api: ['http', 'net'],
  store: ['fs'],
  client: ['http', 'net', 'fs', 'os'],
  cli: ['fs', 'os', 'readline'],
  daemon: ['fs', 'os'],
  adapters: [...IO_MODULES],
  testing: [...IO_MODULES],
};
/** Packages only one area may import. */
const PACKAGE_OWNERS = { 'better-sqlite3': ['store'], 'node-pty': ['adapters'] };
/** Nothing may spawn processes outside adapters/. */
const SPAWNERS = ['child_process'];
/**
 * The node agent reaches the API only through its narrow ports (PodSource, PodStatusWriter...,
 * DESIGN.md §3), so that it can run against a Kubernetes API server; only this adapter sees the store.
 */
const OBJECT_STORE_USERS_IN_AGENT = ['agent/local-store-node-api.ts'];
/** `peapod dashboard` opens a browser: the CLI's one way to spawn, through this adapter only. */
const CLI_ADAPTER_USERS = { 'cli/commands/dashboard.ts': ['adapters/system/open-browser.js'] };
const objectStoreImportRe = /(?:^|\n)\s*import\s+(?:type\s+)?\{[^}]*\bObjectStore\b[^}]*\}\s*from/;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const parts = rel.split('/');
  const area = parts[0];
  const isTest = file.endsWith('.test.ts');
  const adapter = area === 'adapters' ? parts[1] : undefined;
  const text = readFileSync(file, 'utf8');
  if (area === 'agent' && !isTest && !OBJECT_STORE_USERS_IN_AGENT.includes(rel) && objectStoreImportRe.test(text)) {
    problems.push(`${rel}: agent/ uses the API through its ports (PodSource, PodStatusWriter, ...), not the ObjectStore`);
  }
  // The controllers reach the API only through the ObjectClient port, as through client-go.
  if (area === 'controllers' && !isTest && objectStoreImportRe.test(text)) {
    problems.push(`${rel}: controllers/ use the API through the ObjectClient port, not the ObjectStore`);
  }
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        problems.push(`${rel}: imports ${spec}, outside src/`);
        continue;
      }
      const tparts = target.split('/');
      const tarea = tparts[0];
      if (isTest) continue; // tests may reach anything they need to set up
      if (tarea === 'testing' && area !== 'testing') {
        problems.push(`${rel}: imports ${spec}; testing/ is for tests only`);
        continue;
      }
      const allowedAdapter = (CLI_ADAPTER_USERS[rel] ?? []).includes(target);
      if (tarea !== area && !(ALLOWED[area] ?? []).includes(tarea) && !allowedAdapter) {
        problems.push(`${rel}: ${area}/ may not import ${tarea}/ (${spec})`);
      }
      if (adapter && tarea === 'adapters') {
        const tadapter = tparts[1];
        if (tadapter !== adapter && tadapter !== 'process' && tadapter !== 'system') {
          problems.push(`${rel}: adapters/${adapter} may not import adapters/${tadapter} (${spec})`);
        }
      }
      continue;
    }
    const mod = spec.replace(/^node:/, '');
    if (isTest) continue;
    if (IO_MODULES.has(mod) && !(IO_ALLOWED[area] ?? []).includes(mod)) {
      problems.push(`${rel}: ${area}/ may not use node:${mod} (only adapters/ touch the OS)`);
    }
    if (SPAWNERS.includes(mod) && area !== 'adapters' && area !== 'testing') {
      problems.push(`${rel}: only adapters/ spawn processes (${spec})`);
    }
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (PACKAGE_OWNERS[pkg] && !PACKAGE_OWNERS[pkg].includes(area)) {
      problems.push(`${rel}: only ${PACKAGE_OWNERS[pkg].join(', ')}/ may import ${pkg}`);
    }
  }
}

if (problems.length) {
  console.error(`check-layers: ${problems.length} import(s) break the dependency rule (DESIGN.md §4):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('check-layers: every import follows the dependency rule');
