import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTable } from './simple-tables.js';
import type { Event } from 'kubernetes-types/core/v1.js';

const now = Date.parse('2026-11-27T10:00:00Z');
const ev = (reason: string, last: string, count = 1, first = last): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `web.${reason}`, namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason,
  message: `${reason} message`,
  type: reason === 'BackOff' ? 'Warning' : 'Normal',
  count,
  firstTimestamp: first,
  lastTimestamp: last,
});

test('events print oldest first with kubectl columns and repeat counts', () => {
  const out = eventTable([ev('BackOff', '2026-11-27T09:59:50Z', 3, '2026-11-27T09:58:00Z'), ev('Scheduled', '2026-11-27T09:57:00Z')], now);
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
  assert.match(lines[1], /^3m\s+Normal\s+Scheduled\s+pod\/web\s+Scheduled message$/);
  assert.match(lines[2], /^10s \(x3 over 2m\)\s+Warning\s+BackOff\s+pod\/web\s+BackOff message$/);
});
