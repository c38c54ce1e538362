import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { streamTerminal, withTerminal } from './local-terminal.js';

function fakeTty() {
  const modes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => modes.push(on) });
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });
  return { modes, stdin, stdout };
}

test('a pipe is not a terminal and has no size', () => {
  const t = streamTerminal(new PassThrough(), new PassThrough());
  assert.equal(t.isTerminal, false);
  assert.equal(t.size(), undefined);
});

test('raw mode goes on, and off once, with the signal and exit hooks removed', () => {
  const { modes, stdin, stdout } = fakeTty();
  const t = streamTerminal(stdin, stdout);
  assert.equal(t.isTerminal, true);
  assert.deepEqual(t.size(), { width: 100, height: 30 });
  const before = { term: process.listenerCount('SIGTERM'), exit: process.listenerCount('exit') };
  const restore = t.makeRaw();
  assert.equal(process.listenerCount('SIGTERM'), before.term + 1);
  assert.equal(process.listenerCount('exit'), before.exit + 1);
  restore();
  restore();
  assert.deepEqual(modes, [true, false]);
  assert.equal(process.listenerCount('SIGTERM'), before.term);
  assert.equal(process.listenerCount('exit'), before.exit);
});

test('withTerminal: sizes follow the stdout resize event; the terminal is restored when the session throws', async () => {
  const { modes, stdin, stdout } = fakeTty();
  const t = streamTerminal(stdin, stdout);
  const seen: unknown[] = [];
  await assert.rejects(
    withTerminal(t, true, async (sizes) => {
      assert.deepEqual(modes, [true]);
      seen.push(sizes?.current());
      sizes?.onChange((s) => seen.push(s));
      stdout.columns = 120;
      stdout.emit('resize');
      throw new Error('session failed');
    }),
    /session failed/,
  );
  assert.deepEqual(modes, [true, false]);
  assert.deepEqual(seen, [{ width: 100, height: 30 }, { width: 120, height: 30 }]);
  const plain = await withTerminal(t, false, async (sizes) => sizes);
  assert.equal(plain, undefined);
  assert.deepEqual(modes, [true, false], 'no raw mode without a TTY');
});
