import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeFlags, UsageError } from './config.js';
import { NODE_RESOURCE_FLAGS, nodeResourcesFromFlags } from './node-flags.js';

test('--system-reserved and --max-pods', () => {
  const parsed = parseNodeFlags(['--system-reserved', 'cpu=500m,memory=1Gi', '--max-pods', '20'], NODE_RESOURCE_FLAGS);
  assert.deepEqual(nodeResourcesFromFlags(parsed.values), { systemReserved: { cpuMillis: 500, memoryBytes: 1024 ** 3 }, maxPods: 20 });
  assert.deepEqual(nodeResourcesFromFlags({}), { systemReserved: { cpuMillis: 0, memoryBytes: 0 }, maxPods: 110 });
  assert.throws(() => nodeResourcesFromFlags({ 'system-reserved': 'disk=1' }), UsageError);
  assert.throws(() => nodeResourcesFromFlags({ 'max-pods': '0' }), UsageError);
});
