import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicWriter } from './atomic-writer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('atomic writer: ..data swap, visible symlinks, modes, in-place update and stale cleanup', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-aw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = Date.UTC(2026, 10, 27, 10, 0, 0);
  const writer = new AtomicWriter(() => now);
  const vol = join(dir, 'vol');

  assert.equal(await writer.write(vol, [{ path: 'a', data: enc('one'), mode: 0o644 }, { path: 'sub/b', data: enc('two'), mode: 0o400 }], { tmpfs: false }), true);
  const first = readlinkSync(join(vol, '..data'));
  assert.match(first, /^\.\.2026_11_27_10_00_00\.\d+$/);
  assert.equal(readlinkSync(join(vol, 'a')), '..data/a');
  assert.equal(readlinkSync(join(vol, 'sub')), '..data/sub');
  assert.equal(readFileSync(join(vol, 'a'), 'utf8'), 'one');
  assert.equal(statSync(join(vol, 'a')).mode & 0o777, 0o644);
  assert.equal(statSync(join(vol, 'sub/b')).mode & 0o777, 0o400);
  assert.equal(statSync(join(vol, first)).mode & 0o777, 0o755);

  assert.equal(await writer.write(vol, [{ path: 'a', data: enc('one'), mode: 0o644 }, { path: 'sub/b', data: enc('two'), mode: 0o400 }], { tmpfs: false }), false);
  assert.equal(readlinkSync(join(vol, '..data')), first);

  now += 5000;
  const [x, y] = await Promise.all([
    writer.write(vol, [{ path: 'a', data: enc('uno'), mode: 0o644 }], { tmpfs: false }),
    writer.write(vol, [{ path: 'a', data: enc('eins'), mode: 0o644 }, { path: 'c', data: enc('new'), mode: 0o644 }], { tmpfs: false }),
  ]);
  assert.deepEqual([x, y], [true, true]);
  assert.equal(readFileSync(join(vol, 'a'), 'utf8'), 'eins');
  assert.equal(readFileSync(join(vol, 'c'), 'utf8'), 'new');
  assert.throws(() => lstatSync(join(vol, 'sub')), /ENOENT/);
  const hidden = readdirSync(vol).filter((n) => n.startsWith('..')).sort();
  assert.deepEqual(hidden.length, 2, `one timestamped dir and ..data, got ${hidden.join(' ')}`);
  assert.ok(hidden.includes('..data'));
});
