import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { LogRotationError, planRotation, rotateIfNeeded, rotatedGenerations } from './log-rotation.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(`${tmpdir()}/log-rot-`);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** What conmon's reopen does: a fresh file at the same path. */
const reopenLike = (path: string, first = '') => async () => {
  writeFileSync(`${path}.tmp`, first);
  renameSync(`${path}.tmp`, path);
};

test('planRotation moves every generation up, oldest first, and drops the excess afterwards', () => {
  assert.deepEqual(planRotation([], 5), { shift: [], remove: [] });
  assert.deepEqual(planRotation([1, 2, 3], 5), { shift: [{ from: 3, to: 4 }, { from: 2, to: 3 }, { from: 1, to: 2 }], remove: [] });
  assert.deepEqual(planRotation([1, 2, 3, 4], 5), {
    shift: [{ from: 4, to: 5 }, { from: 3, to: 4 }, { from: 2, to: 3 }, { from: 1, to: 2 }],
    remove: [5],
  });
  // Leftovers beyond the limit (maxFiles lowered since) go too; gaps are kept, not filled.
  assert.deepEqual(planRotation([7, 1, 3], 3), { shift: [{ from: 7, to: 8 }, { from: 3, to: 4 }, { from: 1, to: 2 }], remove: [8, 4] });
  assert.deepEqual(planRotation([1], 2), { shift: [{ from: 1, to: 2 }], remove: [2] });
  assert.deepEqual(planRotation([0, -1, 1.5, 2, 2], 4), { shift: [{ from: 2, to: 3 }], remove: [] });
});

test('rotatedGenerations reads <path>.<n> only', async (t) => {
  const d = dir(t);
  for (const n of ['0.log', '0.log.1', '0.log.12', '0.log.tmp', '0.log.01', '1.log.2', '0.log.1.gz']) writeFileSync(`${d}/${n}`, '');
  assert.deepEqual((await rotatedGenerations(`${d}/0.log`)).sort((a, b) => a - b), [1, 12]);
  assert.deepEqual(await rotatedGenerations(`${d}/missing/0.log`), []);
});

test('no rotation at or under maxSize', async (t) => {
  const path = `${dir(t)}/0.log`;
  writeFileSync(path, 'x'.repeat(100));
  let reopened = 0;
  assert.equal(await rotateIfNeeded(path, { maxSize: 100, maxFiles: 3 }, async () => void reopened++), false);
  assert.equal(reopened, 0);
  assert.equal(readFileSync(path, 'utf8').length, 100);
});

test('rotation renames, shifts, keeps at most maxFiles and reopens', async (t) => {
  const d = dir(t);
  const path = `${d}/0.log`;
  const opts = { maxSize: 10, maxFiles: 3 };
  for (let round = 1; round <= 4; round++) {
    writeFileSync(path, `generation-${round}-`.padEnd(20, 'x'));
    assert.equal(await rotateIfNeeded(path, opts, reopenLike(path)), true);
  }
  assert.deepEqual(readdirSync(d).sort(), ['0.log', '0.log.1', '0.log.2']);
  assert.equal(readFileSync(path, 'utf8'), '');
  assert.match(readFileSync(`${path}.1`, 'utf8'), /^generation-4-/);
  assert.match(readFileSync(`${path}.2`, 'utf8'), /^generation-3-/);
});

test('the writer sees the rename: lines written before the reopen land in <path>.1', async (t) => {
  const d = dir(t);
  const path = `${d}/0.log`;
  writeFileSync(path, 'line-1\nline-2\n'.padEnd(40, '.'));
  await rotateIfNeeded(path, { maxSize: 10, maxFiles: 5 }, async () => {
    appendFileSync(`${path}.1`, 'line-3\n'); // what conmon writes to its open fd meanwhile
    await reopenLike(path, 'line-4\n')();
  });
  assert.match(readFileSync(`${path}.1`, 'utf8'), /line-3\n$/);
  assert.equal(readFileSync(path, 'utf8'), 'line-4\n');
});

test('a failed reopen puts the file back and says so; the next round retries', async (t) => {
  const d = dir(t);
  const path = `${d}/0.log`;
  writeFileSync(`${path}.2`, 'oldest');
  writeFileSync(`${path}.1`, 'older');
  writeFileSync(path, 'current'.padEnd(30, '!'));
  await assert.rejects(
    rotateIfNeeded(path, { maxSize: 10, maxFiles: 3 }, async () => {
      throw new Error('conmon gone');
    }),
    (e: unknown) => e instanceof LogRotationError && /put back: conmon gone/.test(e.message),
  );
  assert.match(readFileSync(path, 'utf8'), /^current/);
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'older');
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'oldest');
  assert.deepEqual(readdirSync(d).sort(), ['0.log', '0.log.1', '0.log.2']);
  // Failing again and again costs nothing.
  for (let i = 0; i < 3; i++) {
    await assert.rejects(rotateIfNeeded(path, { maxSize: 10, maxFiles: 3 }, () => Promise.reject(new Error('still gone'))), LogRotationError);
  }
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'older');
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'oldest');
  assert.equal(await rotateIfNeeded(path, { maxSize: 10, maxFiles: 3 }, reopenLike(path)), true);
  assert.deepEqual(readdirSync(d).sort(), ['0.log', '0.log.1', '0.log.2']);
  assert.match(readFileSync(`${path}.1`, 'utf8'), /^current/);
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'older');
});

test('a reopen that reports failure but happened late is a rotation, and nothing is overwritten', async (t) => {
  const path = `${dir(t)}/0.log`;
  writeFileSync(path, 'old'.padEnd(30, '-'));
  const ok = await rotateIfNeeded(path, { maxSize: 10, maxFiles: 3 }, async () => {
    await reopenLike(path, 'new\n')();
    throw new Error('timed out');
  });
  assert.equal(ok, true);
  assert.equal(readFileSync(path, 'utf8'), 'new\n');
  assert.match(readFileSync(`${path}.1`, 'utf8'), /^old/);
});

test('a missing live log gets a reopen; a missing directory does not', async (t) => {
  const d = dir(t);
  let reopened = 0;
  assert.equal(await rotateIfNeeded(`${d}/0.log`, { maxSize: 10, maxFiles: 3 }, async () => void reopened++), false);
  assert.equal(reopened, 1);
  assert.equal(await rotateIfNeeded(`${d}/gone/0.log`, { maxSize: 10, maxFiles: 3 }, async () => void reopened++), false);
  assert.equal(reopened, 1);
});

test('bad options are refused before touching anything', async (t) => {
  const path = `${dir(t)}/0.log`;
  writeFileSync(path, 'x'.repeat(50));
  await assert.rejects(rotateIfNeeded(path, { maxSize: 10, maxFiles: 1 }, async () => {}), RangeError);
  await assert.rejects(rotateIfNeeded(path, { maxSize: 0, maxFiles: 3 }, async () => {}), RangeError);
  assert.ok(existsSync(path));
});
