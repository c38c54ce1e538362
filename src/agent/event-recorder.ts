/**
 * @module Records core/v1 Events through the EventSink port, aggregating repeats of the same
 * event for the same object (count + lastTimestamp) as the kubelet's event correlator does.
 * Recording never fails the caller: an event that cannot be written is logged and dropped.
 */
import type { Clock, EventSink } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import { EVENT_AGGREGATION_WINDOW_MS, eventKey, newEvent, type EventInput } from '../core/events.js';

export class EventRecorder {
  private readonly recent = new Map<string, { namespace: string; name: string; last: number }>();
  private lastNanos = 0n;

  constructor(
    private readonly sink: EventSink,
    private readonly clock: Clock,
    private readonly nodeName: string,
    private readonly logger: Logger,
  ) {}

  record(e: EventInput): void {
    const now = this.clock.now();
    const key = eventKey(e);
    try {
      const seen = this.recent.get(key);
      if (seen && now - seen.last < EVENT_AGGREGATION_WINDOW_MS) {
        const stored = this.sink.getEvent(seen.namespace, seen.name);
        if (stored) {
          const next = newEvent(e, seen.name, this.nodeName, now);
          this.sink.updateEvent({ ...stored, count: (stored.count ?? 1) + 1, lastTimestamp: next.lastTimestamp });
          seen.last = now;
          return;
        }
      }
      const name = `${e.pod.metadata!.name}.${this.nameSuffix(now)}`;
      this.sink.createEvent(newEvent(e, name, this.nodeName, now));
      this.recent.set(key, { namespace: e.pod.metadata!.namespace!, name, last: now });
    } catch (err) {
      this.logger.warn('event not recorded', { reason: e.reason, err: String(err) });
    }
    if (this.recent.size > 5000) this.gc(now);
  }

  /**
   * client-go names an event `<object>.<hex of UnixNano>`: names then sort in the order the
   * events happened, and `kubectl describe` lists events of the same second in that order.
   * Strictly increasing, so two events in the same millisecond get distinct names.
   */
  private nameSuffix(now: number): string {
    const nanos = BigInt(now) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    return this.lastNanos.toString(16);
  }

  private gc(now: number): void {
    for (const [k, v] of this.recent) if (now - v.last >= EVENT_AGGREGATION_WINDOW_MS) this.recent.delete(k);
  }
}
