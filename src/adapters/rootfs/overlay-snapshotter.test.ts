import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LOWER_LAYERS, overlayMountOptions } from './overlay-snapshotter.js';

test('overlay options list short relative lowers top first', () => {
  assert.equal(overlayMountOptions(3), 'lowerdir=l/0:l/1:l/2,upperdir=upper,workdir=work');
});

test('overlay options fit in one page even at the kernel layer limit', () => {
  assert.ok(overlayMountOptions(MAX_LOWER_LAYERS).length < 4096);
});
