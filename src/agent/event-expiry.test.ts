import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EVENT_TTL_MS, eventLastSeen, expiredEvents } from '../core/events.js';
import { silentLogger } from '../core/logger.js';
import type { EventCollection } from '../core/ports.js';
import type { Event } from '../core/types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { EventExpiry } from './event-expiry.js';

const HOUR = 3_600_000;

function event(name: string, times: Partial<Pick<Event, 'lastTimestamp' | 'eventTime' | 'firstTimestamp'>> & { created?: string; series?: string }): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default', ...(times.created ? { creationTimestamp: times.created } : {}) },
    involvedObject: { kind: 'Pod', name: 'p' },
    ...(times.lastTimestamp ? { lastTimestamp: times.lastTimestamp } : {}),
    ...(times.eventTime ? { eventTime: times.eventTime } : {}),
    ...(times.firstTimestamp ? { firstTimestamp: times.firstTimestamp } : {}),
    ...(times.series ? { series: { count: 2, lastObservedTime: times.series } } : {}),
  } as Event;
}

test('an event is as old as its last occurrence: series, then lastTimestamp, eventTime, creation', () => {
  assert.equal(eventLastSeen(event('a', { lastTimestamp: '2025-01-01T01:00:00Z', firstTimestamp: '2025-01-01T00:00:00Z' })), Date.parse('2025-01-01T01:00:00Z'));
  assert.equal(eventLastSeen(event('b', { eventTime: '2025-01-01T00:00:00.500000Z', series: '2025-01-01T02:00:00.000000Z' })), Date.parse('2025-01-01T02:00:00Z'));
  assert.equal(eventLastSeen(event('c', { created: '2025-01-01T03:00:00Z' })), Date.parse('2025-01-01T03:00:00Z'));
  assert.equal(eventLastSeen(event('d', {})), undefined);
});

test('expiredEvents: older than the TTL goes, younger and undated stay', () => {
  const now = Date.parse('2025-01-01T02:00:00Z');
  const evs = [
    event('old', { lastTimestamp: '2025-01-01T00:59:59Z' }),
    event('exactly', { lastTimestamp: '2025-01-01T01:00:00Z' }),
    event('young', { lastTimestamp: '2025-01-01T01:00:01Z' }),
    // Aggregated: first seen long ago, but it happened again recently.
    event('repeated', { firstTimestamp: '2024-12-31T00:00:00Z', lastTimestamp: '2025-01-01T01:30:00Z' }),
    event('undated', {}),
  ];
  assert.deepEqual(expiredEvents(evs, now, DEFAULT_EVENT_TTL_MS).map((e) => e.metadata?.name), ['old', 'exactly']);
});

test('EventExpiry sweeps on the clock and deletes only what expired', () => {
  const clock = new FakeClock(Date.parse('2025-01-01T00:00:00Z'));
  const stored = new Map<string, Event>();
  const add = (e: Event) => stored.set(e.metadata!.name!, e);
  const events: EventCollection = {
    listEvents: () => [...stored.values()],
    deleteEvent: (_ns: string, name: string) => {
      stored.delete(name);
    },
  };
  const expiry = new EventExpiry({ events, clock, logger: silentLogger, ttlMs: HOUR });
  assert.equal(expiry.periodMs, 6 * 60_000);
  add(event('first', { lastTimestamp: '2025-01-01T00:00:00Z' }));
  expiry.start();
  clock.advance(30 * 60_000);
  add(event('second', { lastTimestamp: new Date(clock.now()).toISOString() }));
  clock.advance(30 * 60_000);
  // The sweep at 60 min saw "first" exactly one hour old.
  assert.deepEqual([...stored.keys()], ['second']);
  clock.advance(30 * 60_000);
  assert.deepEqual([...stored.keys()], []);
  add(event('late', { lastTimestamp: new Date(clock.now() - 2 * HOUR).toISOString() }));
  expiry.stop();
  clock.advance(2 * HOUR);
  assert.deepEqual([...stored.keys()], ['late'], 'a stopped sweeper deletes nothing');
  assert.equal(new EventExpiry({ events, clock, logger: silentLogger, ttlMs: HOUR }).sweep(), 1);
});
