import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseStreams, notATerminalWarning } from './stream-choice.js';

const terminal = { stdinIsTerminal: true };
const pipe = { stdinIsTerminal: false };

test('exec -it on a terminal gets a TTY, no warnings', () => {
  assert.deepEqual(chooseStreams({ stdin: true, tty: true, ...terminal }), { stdin: true, tty: true, warnings: [] });
});

test('exec -it from a pipe: kubectl warning, no TTY, stdin kept', () => {
  assert.deepEqual(chooseStreams({ stdin: true, tty: true, ...pipe }), { stdin: true, tty: false, warnings: [notATerminalWarning] });
  assert.equal(notATerminalWarning, 'Unable to use a TTY - input is not a terminal or the right kind of file');
});

test('-t without -i is dropped silently; -q silences warnings', () => {
  assert.deepEqual(chooseStreams({ stdin: false, tty: true, ...pipe }), { stdin: false, tty: false, warnings: [] });
  assert.deepEqual(chooseStreams({ stdin: true, tty: true, quiet: true, ...pipe }), { stdin: true, tty: false, warnings: [] });
});

test('attach -i to a container without stdin: warned, continues without it', () => {
  const r = chooseStreams({ stdin: true, tty: false, ...terminal, container: { name: 'app' } });
  assert.deepEqual(r, { stdin: false, tty: false, warnings: ['Unable to use stdin - container app did not allocate one'] });
});

test('attach -it to a stdin container without tty: the TTY warning, stdin kept', () => {
  const r = chooseStreams({ stdin: true, tty: true, ...terminal, container: { name: 'app', stdin: true } });
  assert.deepEqual(r, { stdin: true, tty: false, warnings: ['error: Unable to use a TTY - container app did not allocate one'] });
});

test('attach -it to a tty container: a TTY; -i alone to it still gets one (as kubectl forces)', () => {
  const c = { name: 'sh', stdin: true, tty: true };
  assert.deepEqual(chooseStreams({ stdin: true, tty: true, ...terminal, container: c }), { stdin: true, tty: true, warnings: [] });
  assert.deepEqual(chooseStreams({ stdin: true, tty: false, ...terminal, container: c }), { stdin: true, tty: true, warnings: [] });
  assert.deepEqual(chooseStreams({ stdin: false, tty: false, ...terminal, container: c }), { stdin: false, tty: false, warnings: [] });
});

test('attach -it to a tty container from a pipe: not-a-terminal warning', () => {
  const r = chooseStreams({ stdin: true, tty: true, ...pipe, container: { name: 'sh', stdin: true, tty: true } });
  assert.deepEqual(r, { stdin: true, tty: false, warnings: [notATerminalWarning] });
});
