/**
 * @module Deletes Events an hour (the TTL) after they last happened, as the API server's etcd
 * lease does; without it a crash-looping pod's history would grow the store forever. Sweeps on
 * the Clock, every tenth of the TTL (at most every minute), so an event outlives its TTL by at
 * most that much. Reads and deletes through the EventCollection port: only the local store needs
 * this sweep (a Kubernetes API server expires Events itself).
 */
import { NotFoundError } from '../core/errors.js';
import { expiredEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Clock, EventCollection, TimerHandle } from '../core/ports.js';

export interface EventExpiryDeps {
  events: EventCollection;
  clock: Clock;
  logger: Logger;
  ttlMs: number;
}

export class EventExpiry {
  private timer: TimerHandle | undefined;
  private stopped = true;

  constructor(private readonly d: EventExpiryDeps) {}

  get periodMs(): number {
    return Math.max(60_000, Math.floor(this.d.ttlMs / 10));
  }

  start(): void {
    if (this.d.ttlMs <= 0) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      this.sweep();
      this.schedule();
    }, this.periodMs);
  }

  /** Deletes what has expired now; returns how many. */
  sweep(): number {
    let removed = 0;
    try {
      const all = this.d.events.listEvents();
      for (const e of expiredEvents(all, this.d.clock.now(), this.d.ttlMs)) {
        try {
          this.d.events.deleteEvent(e.metadata!.namespace!, e.metadata!.name!);
          removed++;
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
    } catch (err) {
      this.d.logger.warn('event expiry failed', { err: err instanceof Error ? err.message : String(err) });
    }
    if (removed > 0) this.d.logger.debug('expired events deleted', { count: removed });
    return removed;
  }
}
