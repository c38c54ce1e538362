import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IMAGE_GC_POLICY as P, observeImages, planImageGC, validateImageGCPolicy, type ImageUsageRecord } from './image-gc.js';

const GB = 1e9;
const now = 10_000_000;
const img = (id: string, size: number, lastUsed: number, inUse = false, firstDetected = 0): ImageUsageRecord => ({ id, size, firstDetected, lastUsed, inUse });

test('below the high threshold nothing is removed', () => {
  const plan = planImageGC({ capacityBytes: 100 * GB, availableBytes: 16 * GB }, [img('a', 10 * GB, 0)], P, now);
  assert.equal(plan.remove.length, 0);
  assert.equal(plan.bytesToFree, 0);
  assert.equal(Math.round(plan.usagePercent), 84);
});

test('at the high threshold: least recently used first, down to the low threshold', () => {
  // 90 % used → free 10 GB to reach 80 %
  const images = [img('new', 6 * GB, 5000), img('old', 4 * GB, 1000), img('mid', 5 * GB, 3000), img('older', 3 * GB, 500)];
  const plan = planImageGC({ capacityBytes: 100 * GB, availableBytes: 10 * GB }, images, P, now);
  assert.equal(plan.bytesToFree, 10 * GB);
  assert.deepEqual(plan.remove, ['older', 'old', 'mid']);
  assert.equal(plan.bytesPlanned, 12 * GB);
  assert.equal(plan.shortfall, 0);
});

test('never an image in use, never one younger than the minimum age; a shortfall is reported', () => {
  const images = [img('used', 50 * GB, 0, true), img('fresh', 50 * GB, now - 1000, false, now - 1000), img('ok', 2 * GB, 10)];
  const plan = planImageGC({ capacityBytes: 100 * GB, availableBytes: 5 * GB }, images, P, now);
  assert.deepEqual(plan.remove, ['ok']);
  assert.equal(plan.bytesToFree, 15 * GB);
  assert.equal(plan.shortfall, 13 * GB);
});

test('high threshold 100 disables GC; a full disk still does nothing then', () => {
  const plan = planImageGC({ capacityBytes: 100, availableBytes: 0 }, [img('a', 50, 0)], { ...P, highThresholdPercent: 100 }, now);
  assert.deepEqual(plan.remove, []);
});

test('ties in last use fall back to first detection, then id, so plans are stable', () => {
  const images = [img('b', 1, 7, false, 2), img('a', 1, 7, false, 2), img('c', 1, 7, false, 1)];
  const plan = planImageGC({ capacityBytes: 100, availableBytes: 0 }, images, { ...P, minAgeMs: 0 }, now);
  assert.deepEqual(plan.remove, ['c', 'a', 'b']);
});

test('observeImages: first detection sticks, use bumps lastUsed, removed images are forgotten', () => {
  let m = observeImages(new Map(), [{ id: 'a', size: 1 }, { id: 'b', size: 2 }], new Set(['a']), 100);
  assert.deepEqual(m.get('a'), { id: 'a', size: 1, firstDetected: 100, lastUsed: 100, inUse: true });
  assert.deepEqual(m.get('b'), { id: 'b', size: 2, firstDetected: 100, lastUsed: 100, inUse: false });
  m = observeImages(m, [{ id: 'a', size: 1 }, { id: 'b', size: 2 }], new Set(['b']), 200);
  assert.equal(m.get('a')!.lastUsed, 100);
  assert.equal(m.get('a')!.inUse, false);
  assert.equal(m.get('b')!.lastUsed, 200);
  assert.equal(m.get('b')!.firstDetected, 100);
  m = observeImages(m, [{ id: 'b', size: 2 }], new Set(), 300);
  assert.equal(m.has('a'), false);
});

test('validateImageGCPolicy', () => {
  assert.equal(validateImageGCPolicy(P), undefined);
  assert.match(validateImageGCPolicy({ ...P, lowThresholdPercent: 90 })!, /must not be above/);
  assert.match(validateImageGCPolicy({ ...P, highThresholdPercent: 101 })!, /0-100/);
});
