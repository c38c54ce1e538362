import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentPeriodsFromFlags } from './agent-period-flags.js';
import { UsageError } from './config.js';

test('--sync-frequency and --relist-period as Go durations; absent means the defaults; below 1 s refused', () => {
  assert.deepEqual(agentPeriodsFromFlags({}), {});
  assert.deepEqual(agentPeriodsFromFlags({ 'sync-frequency': '2m', 'relist-period': '90s' }), { resyncPeriodMs: 120_000, relistPeriodMs: 90_000 });
  assert.throws(() => agentPeriodsFromFlags({ 'relist-period': '10ms' }), (e: unknown) => e instanceof UsageError && /--relist-period 10ms: at least 1s/.test(e.message));
  assert.throws(() => agentPeriodsFromFlags({ 'sync-frequency': 'often' }), UsageError);
});
