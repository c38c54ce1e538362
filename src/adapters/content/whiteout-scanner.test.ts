import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { WhiteoutScanner } from './whiteout-scanner.js';

function tarOf(files: Record<string, string>, format: string): Buffer {
  const dir = mkdtempSync(`${tmpdir()}/wh-scan-`);
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(`${dir}/${name}`.replace(/\/[^/]*$/, ''), { recursive: true });
      writeFileSync(`${dir}/${name}`, content);
    }
    return execFileSync('tar', ['-c', '-f', '-', `--format=${format}`, '--sort=name', '-C', dir, '.']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Feeds the tar in chunks of `size` bytes, so headers straddle chunk boundaries. */
function scan(tar: Buffer, size: number): boolean {
  const s = new WhiteoutScanner();
  for (let i = 0; i < tar.length; i += size) s.update(tar.subarray(i, i + size));
  return s.found;
}

const long = `${'d'.repeat(90)}/${'e'.repeat(90)}`;

for (const format of ['gnu', 'posix', 'ustar']) {
  test(`finds whiteouts and opaque markers, short and long names (${format})`, () => {
    const cases: Record<string, string>[] = [
      { 'etc/.wh.motd': '' },
      { 'opq/.wh..wh..opq': '' },
      { [`${long}/.wh.gone`]: '' },
    ];
    for (const files of cases) {
      const tar = tarOf({ 'a.txt': 'a', ...files }, format);
      for (const size of [1, 7, 512, 513, 65536]) assert.equal(scan(tar, size), true, `${Object.keys(files)[0]} in chunks of ${size}`);
    }
  });

  test(`no false alarm on plain layers, even with .wh. inside file data (${format})`, () => {
    const tar = tarOf({ 'a.txt': 'x'.repeat(3000), 'doc/readme': 'see dir/.wh.motd for how whiteouts look', [`${long}/file.wh`]: 'b', 'what.wh': 'c' }, format);
    for (const size of [1, 100, 512, 4096]) assert.equal(scan(tar, size), false, `chunks of ${size}`);
  });
}

test('an unreadable size field counts as a possible whiteout', () => {
  const h = Buffer.alloc(512);
  h.write('file', 0);
  h.write('zzzz', 124);
  const s = new WhiteoutScanner();
  s.update(h);
  assert.equal(s.found, true);
});
