import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './config.js';
import { imageGCPolicyFromFlags, parseDuration } from './image-gc-flags.js';

test('image GC flags: kubelet defaults, overrides, bad values are usage errors', () => {
  assert.deepEqual(imageGCPolicyFromFlags({}), { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 });
  assert.deepEqual(imageGCPolicyFromFlags({ 'image-gc-high-threshold': '90', 'image-gc-low-threshold': '50', 'minimum-image-ttl-duration': '1h30m' }), {
    highThresholdPercent: 90,
    lowThresholdPercent: 50,
    minAgeMs: 5_400_000,
  });
  assert.throws(() => imageGCPolicyFromFlags({ 'image-gc-low-threshold': '90' }), UsageError);
  assert.throws(() => imageGCPolicyFromFlags({ 'image-gc-high-threshold': 'lots' }), UsageError);
  assert.throws(() => parseDuration('2 minutes'), UsageError);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('90s'), 90_000);
});
