import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPathTypeMatches, hostPathTypeMessage, subPathProblem } from './host-path.js';

const kind = (k: 'dir' | 'file' | 'sock' | 'chr' | 'blk') => ({
  isDirectory: () => k === 'dir',
  isFile: () => k === 'file',
  isSocket: () => k === 'sock',
  isCharacterDevice: () => k === 'chr',
  isBlockDevice: () => k === 'blk',
});

test('hostPath types match only their file kind; "" matches anything', () => {
  assert.ok(hostPathTypeMatches('', kind('sock')));
  assert.ok(hostPathTypeMatches('DirectoryOrCreate', kind('dir')));
  assert.ok(!hostPathTypeMatches('Directory', kind('file')));
  assert.ok(hostPathTypeMatches('FileOrCreate', kind('file')));
  assert.ok(!hostPathTypeMatches('File', kind('dir')));
  assert.ok(hostPathTypeMatches('Socket', kind('sock')));
  assert.ok(!hostPathTypeMatches('CharDevice', kind('blk')));
  assert.ok(hostPathTypeMatches('BlockDevice', kind('blk')));
});

test('hostPath messages use the kubelet wording', () => {
  assert.equal(hostPathTypeMessage('/x', 'Directory'), 'hostPath type check failed: /x is not a directory');
  assert.equal(hostPathTypeMessage('/x', 'File'), 'hostPath type check failed: /x is not a file');
  assert.equal(hostPathTypeMessage('/x', 'Socket'), 'hostPath type check failed: /x is not a socket file');
  assert.equal(hostPathTypeMessage('/x', 'CharDevice'), 'hostPath type check failed: /x is not a character device');
  assert.equal(hostPathTypeMessage('/x', 'BlockDevice'), 'hostPath type check failed: /x is not a block device');
});

test('subPath must be relative and free of ".."', () => {
  assert.equal(subPathProblem('a/b'), undefined);
  assert.equal(subPathProblem('a..b/c'), undefined);
  assert.match(subPathProblem('/etc') ?? '', /relative/);
  assert.match(subPathProblem('a/../../etc') ?? '', /\.\./);
  assert.match(subPathProblem('..') ?? '', /\.\./);
});
