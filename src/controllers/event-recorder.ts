/**
 * @module Events the controllers record about their objects (SuccessfulCreate, ScalingReplicaSet,
 * FailedScheduling...), written through the ObjectClient as core/v1 Events with the controller
 * as source, repeats within 10 minutes aggregated into count + lastTimestamp as client-go's
 * correlator does. Never fails the caller: an event that cannot be written is logged and dropped.
 */
import { EVENT_AGGREGATION_WINDOW_MS } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Clock, ObjectClient } from '../core/ports.js';
import { EVENTS } from '../core/controllers/resource-types.js';
import { rfc3339 } from '../core/pod-status.js';
import type { Event, KubeObject } from '../core/types.js';

export { EVENTS } from '../core/controllers/resource-types.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectEvents {
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export class ControllerEventRecorder implements ObjectEvents {
  private readonly recent = new Map<string, { namespace: string; name: string; last: number; count: number }>();
  private lastNanos = 0n;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ObjectClient,
    private readonly clock: Clock,
    private readonly component: string,
    private readonly logger: Logger,
  ) {}

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    // In order, one at a time: the aggregation reads what the previous write stored.
    this.chain = this.chain.then(() => this.write(obj, type, reason, message)).catch((err: unknown) => {
      this.logger.warn('event not recorded', { reason, err: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Resolves once every event recorded so far is written (tests, shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const now = this.clock.now();
    const at = rfc3339(now);
    const key = [namespace, m.uid, type, reason, message].join('\u0000');
    const seen = this.recent.get(key);
    if (seen && now - seen.last < EVENT_AGGREGATION_WINDOW_MS) {
      seen.count++;
      seen.last = now;
      try {
        await this.client.patch(EVENTS, seen.namespace, seen.name, 'merge', { count: seen.count, lastTimestamp: at });
        return;
      } catch {
        // Gone (expired or deleted): record it anew.
      }
    }
    const name = `${m.name}.${this.nameSuffix(now)}`;
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
      reason,
      message,
      source: { component: this.component },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      reportingComponent: this.component,
      reportingInstance: '',
    };
    await this.client.create(EVENTS, event);
    this.recent.set(key, { namespace, name, last: now, count: 1 });
    if (this.recent.size > 5000) for (const [k, v] of this.recent) if (now - v.last >= EVENT_AGGREGATION_WINDOW_MS) this.recent.delete(k);
  }

  private nameSuffix(now: number): string {
    const nanos = BigInt(now) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    return this.lastNanos.toString(16);
  }
}
