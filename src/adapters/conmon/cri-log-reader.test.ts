import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { NotFoundError } from '../../core/errors.js';
import type { LogReadOptions } from '../../core/ports.js';
import { formatTimestamp, parseCriRecord } from './cri-log-format.js';
import { CriLogReader } from './cri-log-reader.js';
import { rotateIfNeeded } from './log-rotation.js';

const T = (s: number, ns = '000000001') => `2026-11-27T04:47:${String(s).padStart(2, '0')}.${ns}+00:00`;
const rec = (s: number, stream: string, tag: string, text: string) => `${T(s)} ${stream} ${tag} ${text}\n`;

function fixture(t: { after(fn: () => void): void }, content: string): string {
  const dir = mkdtempSync(`${tmpdir()}/cri-log-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = `${dir}/0.log`;
  writeFileSync(path, content);
  return path;
}

async function collect(path: string, opts: LogReadOptions = {}, signal?: AbortSignal): Promise<string> {
  let out = '';
  for await (const chunk of new CriLogReader().read(path, opts, signal)) out += chunk;
  return out;
}

const sample = [
  rec(1, 'stdout', 'F', 'one'),
  rec(2, 'stderr', 'F', 'two'),
  rec(3, 'stdout', 'P', 'thr'),
  rec(3, 'stderr', 'F', 'interleaved'),
  rec(4, 'stdout', 'P', 'e'),
  rec(5, 'stdout', 'F', 'e!'),
  rec(6, 'stdout', 'F', ''),
  rec(7, 'stdout', 'F', 'spaces  kept '),
].join('');

test('parses records and joins partial lines per stream', async (t) => {
  const path = fixture(t, sample);
  assert.equal(await collect(path), 'one\ntwo\ninterleaved\nthree!\n\nspaces  kept \n');
});

test('timestamps use RFC3339Nano like kubectl --timestamps', async (t) => {
  const path = fixture(t, rec(1, 'stdout', 'F', 'a') + `2026-11-27T04:47:02.500000000+00:00 stdout F b\n`);
  assert.equal(await collect(path, { timestamps: true }), '2026-11-27T04:47:01.000000001Z a\n2026-11-27T04:47:02.5Z b\n');
  assert.equal(formatTimestamp('2026-11-27T04:47:02.000000000+00:00'), '2026-11-27T04:47:02Z');
  assert.equal(formatTimestamp('2026-11-27T04:47:02.120+02:00'), '2026-11-27T04:47:02.12+02:00');
});

test('tailLines, sinceTime and limitBytes', async (t) => {
  const path = fixture(t, sample);
  assert.equal(await collect(path, { tailLines: 2 }), '\nspaces  kept \n');
  assert.equal(await collect(path, { tailLines: 0 }), '');
  assert.equal(await collect(path, { sinceTime: Date.parse(T(3)) }), 'interleaved\nthree!\n\nspaces  kept \n');
  assert.equal(await collect(path, { limitBytes: 6 }), 'one\ntw');
  assert.equal(await collect(path, { tailLines: 1, timestamps: true }), '2026-11-27T04:47:07.000000001Z spaces  kept \n');
});

test('a trailing unfinished fragment and garbage lines', async (t) => {
  const path = fixture(t, 'not a cri line\n' + rec(1, 'stdout', 'F', 'ok') + rec(2, 'stdout', 'P', 'cut') + `${T(3)} stdout F no-newline`);
  assert.equal(await collect(path), 'ok\ncut\n');
});

test('rotated generations are read oldest first', async (t) => {
  const path = fixture(t, rec(5, 'stdout', 'F', 'current'));
  writeFileSync(`${path}.1`, rec(3, 'stdout', 'F', 'older'));
  writeFileSync(`${path}.2`, rec(1, 'stdout', 'F', 'oldest'));
  assert.equal(await collect(path), 'oldest\nolder\ncurrent\n');
  assert.equal(await collect(path, { tailLines: 2 }), 'older\ncurrent\n');
});

test('missing file is NotFound', async () => {
  await assert.rejects(collect('/nonexistent/dir/0.log'), NotFoundError);
});

test('follow: new lines, a replaced file, then drains when until resolves', async (t) => {
  const path = fixture(t, rec(1, 'stdout', 'F', 'before'));
  let finish!: () => void;
  const until = new Promise<void>((r) => (finish = r));
  const seen: string[] = [];
  const reading = (async () => {
    for await (const c of new CriLogReader().read(path, { follow: true, until })) {
      seen.push(c);
      if (c === 'before\n') {
        appendFileSync(path, rec(2, 'stdout', 'P', 'gro'));
        appendFileSync(path, rec(2, 'stdout', 'F', 'wing'));
      }
      if (c === 'growing\n') {
        // conmon's size limit starts a new file in place of the old one.
        writeFileSync(`${path}.new`, rec(3, 'stderr', 'F', 'after-rotation'));
        renameSync(`${path}.new`, path);
      }
      if (c === 'after-rotation\n') {
        appendFileSync(path, rec(4, 'stdout', 'F', 'last words'));
        finish();
      }
    }
  })();
  await reading;
  assert.deepEqual(seen, ['before\n', 'growing\n', 'after-rotation\n', 'last words\n']);
});

test('follow across a kubelet-style rotation keeps the old file\'s last lines and goes on in the new one', async (t) => {
  const path = fixture(t, rec(1, 'stdout', 'F', 'line-1'));
  let finish!: () => void;
  const until = new Promise<void>((r) => (finish = r));
  const seen: string[] = [];
  for await (const c of new CriLogReader().read(path, { follow: true, until })) {
    seen.push(c);
    if (c === 'line-1\n') {
      // All between two polls: lines in the old file, the rename, conmon still writing to its
      // open (renamed) file, then its reopen.
      appendFileSync(path, rec(2, 'stdout', 'F', 'line-2'));
      renameSync(path, `${path}.1`);
      appendFileSync(`${path}.1`, rec(3, 'stdout', 'F', 'line-3'));
      writeFileSync(`${path}.tmp`, rec(4, 'stdout', 'F', 'line-4'));
      renameSync(`${path}.tmp`, path);
    }
    if (c === 'line-4\n') {
      appendFileSync(path, rec(5, 'stdout', 'F', 'line-5'));
      finish();
    }
  }
  assert.deepEqual(seen, ['line-1\n', 'line-2\n', 'line-3\n', 'line-4\n', 'line-5\n']);
  assert.equal(await collect(path, { tailLines: 3 }), 'line-3\nline-4\nline-5\n');
});

test('a follower behind by two rotations reads the generation in between', async (t) => {
  const path = fixture(t, rec(1, 'stdout', 'F', 'a-1'));
  let finish!: () => void;
  const until = new Promise<void>((r) => (finish = r));
  const seen: string[] = [];
  for await (const c of new CriLogReader().read(path, { follow: true, until })) {
    seen.push(c);
    if (c === 'a-1\n') {
      renameSync(path, `${path}.1`);
      writeFileSync(path, rec(2, 'stdout', 'F', 'b-1') + rec(3, 'stdout', 'F', 'b-2'));
      renameSync(`${path}.1`, `${path}.2`);
      renameSync(path, `${path}.1`);
      writeFileSync(path, rec(4, 'stdout', 'F', 'c-1'));
    }
    if (c === 'c-1\n') finish();
  }
  assert.deepEqual(seen, ['a-1\n', 'b-1\n', 'b-2\n', 'c-1\n']);
});

test('follow stops on abort', async (t) => {
  const path = fixture(t, rec(1, 'stdout', 'F', 'x'));
  const ac = new AbortController();
  const never = new Promise<void>(() => {});
  const out: string[] = [];
  for await (const c of new CriLogReader().read(path, { follow: true, until: never }, ac.signal)) {
    out.push(c);
    ac.abort();
  }
  assert.deepEqual(out, ['x\n']);
});

test('parseCriRecord rejects what is not a record', () => {
  assert.equal(parseCriRecord(Buffer.from('garbage')), undefined);
  assert.equal(parseCriRecord(Buffer.from(`${T(1)} stdin F x`)), undefined);
  const r = parseCriRecord(Buffer.from(`${T(1)} stderr P a b`));
  assert.equal(r?.partial, true);
  assert.equal(r?.text.toString(), 'a b');
});

test('a rotated 10 MiB generation of ~300,000 short lines reads (tailLines) without overflowing the stack', async (t) => {
  const line = rec(1, 'stdout', 'F', 'x');
  const path = fixture(t, line.repeat(10));
  writeFileSync(`${path}.1`, line.repeat(300_000));
  const out = await collect(path, { tailLines: 3 });
  assert.equal(out, 'x\nx\nx\n');
});

test('a follower racing many quick rotations (renames in flight while it looks) reads every line once, in order', async (t) => {
  const path = fixture(t, '');
  let writer = await open(path, 'a');
  let n = 0;
  let finish!: () => void;
  const until = new Promise<void>((r) => (finish = r));
  const seen: number[] = [];
  const following = (async () => {
    for await (const c of new CriLogReader().read(path, { follow: true, until })) seen.push(Number(c.slice('line-'.length)));
  })();
  // The writer keeps writing into its open file until the reopen, as conmon does; every six
  // lines the real rotation shifts the generations, sometimes the moment the follower has caught
  // up (it is then looking at the generations while they are renamed: before the fix it read the
  // one it had just finished a second time), sometimes with the follower up to two rotations
  // behind. maxFiles 6: never so far behind that a generation it has not read is deleted.
  for (let round = 0; round < 400; round++) {
    const patience = Date.now() + 30_000; // a follower that stopped fails below instead of hanging here
    while ((seen.at(-1) ?? 0) < n - (round % 3) * 6 && Date.now() < patience) await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < 5; i++) await writer.write(rec(1, 'stdout', 'F', `line-${++n}`));
    await rotateIfNeeded(path, { maxSize: 1, maxFiles: 6 }, async () => {
      await writer.write(rec(1, 'stdout', 'F', `line-${++n}`));
      await writer.close();
      writer = await open(path, 'a');
    });
  }
  await writer.write(rec(1, 'stdout', 'F', `line-${++n}`));
  await writer.close();
  finish();
  await following;
  const firstGap = seen.findIndex((v, i) => v !== i + 1);
  assert.equal(firstGap, -1, `after line-${seen[firstGap - 1]} came line-${seen[firstGap]}`);
  assert.equal(seen.length, n);
});
