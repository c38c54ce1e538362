import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, applyMergePatch } from './patch.js';

test('merge patch: nested merge, null deletes, arrays replace', () => {
  const out = applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] });
  assert.deepEqual(out, { a: { b: 1, d: 3 }, l: [9] });
});

test('json patch: add/replace/remove/move/copy/test, errors name the path', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 2] };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/b', value: '2' },
    { op: 'replace', path: '/metadata/labels/a', value: 'x' },
    { op: 'add', path: '/list/-', value: 3 },
    { op: 'remove', path: '/list/0' },
    { op: 'copy', from: '/metadata/labels/b', path: '/c' },
    { op: 'move', from: '/c', path: '/d' },
    { op: 'test', path: '/d', value: '2' },
  ]);
  assert.deepEqual(out, { metadata: { labels: { a: 'x', b: '2' } }, list: [2, 3], d: '2' });
  assert.deepEqual(doc.list, [1, 2]);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/nope/x', value: 1 }]), /path \/nope\/x does not exist/);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 5 }]), /test operation failed/);
});
