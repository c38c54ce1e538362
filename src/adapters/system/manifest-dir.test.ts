import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ManifestFile } from '../../core/static-pods.js';
import { ManifestDir } from './manifest-dir.js';

/** The next snapshot the watcher reports (or fails after `ms`). */
function nextSnapshot(queue: ManifestFile[][], waiters: Array<(f: ManifestFile[]) => void>, ms = 5000): Promise<ManifestFile[]> {
  const ready = queue.shift();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no snapshot reported')), ms);
    waiters.push((f) => {
      clearTimeout(timer);
      resolve(f);
    });
  });
}

test('ManifestDir: a snapshot at once, then after each change (dotfiles and directories skipped); a missing directory is empty until it appears', async (t) => {
  const base = mkdtempSync(`${tmpdir()}/manifests-`);
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const dir = `${base}/m`;
  const queue: ManifestFile[][] = [];
  const waiters: Array<(f: ManifestFile[]) => void> = [];
  const stop = new ManifestDir(dir, { resyncMs: 200, settleMs: 20 }).watch((files) => {
    const w = waiters.shift();
    if (w) w(files);
    else queue.push(files);
  });
  t.after(stop);
  assert.deepEqual(await nextSnapshot(queue, waiters), [], 'no directory: no files');

  mkdirSync(dir);
  writeFileSync(`${dir}/web.yaml`, 'a: 1\n');
  writeFileSync(`${dir}/.web.yaml.swp`, 'junk');
  mkdirSync(`${dir}/sub`);
  assert.deepEqual(await nextSnapshot(queue, waiters), [{ path: `${dir}/web.yaml`, text: 'a: 1\n' }]);

  // an editor's save: write a temp file, rename over the old one
  writeFileSync(`${dir}/.tmp`, 'a: 2\n');
  renameSync(`${dir}/.tmp`, `${dir}/web.yaml`);
  assert.deepEqual(await nextSnapshot(queue, waiters), [{ path: `${dir}/web.yaml`, text: 'a: 2\n' }]);

  rmSync(`${dir}/web.yaml`);
  assert.deepEqual(await nextSnapshot(queue, waiters), []);
});
