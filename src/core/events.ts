/**
 * @module core/v1 Events as the kubelet records them: the object reference (with the container's
 * fieldPath), reason, message, source, and the aggregation key under which repeats only bump
 * `count` and `lastTimestamp` (client-go's EventCorrelator, within 10 minutes).
 */
import type { Event, Pod } from './types.js';
import { rfc3339 } from './pod-status.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  /** The pod the event is about; for a Node event, `{ metadata: { name: <node>, namespace: 'default', uid: <node> } }`. */
  pod: Pod;
  /** A Node event (the kubelet's node reference: no namespace, uid = name), recorded in `default`. */
  kind?: 'Pod' | 'Node';
  /** Container name, for `involvedObject.fieldPath`. */
  container?: string;
  type: EventType;
  reason: string;
  message: string;
  /** kubelet by default; "default-scheduler" for Scheduled. */
  component?: string;
}

/** Repeats within this window are aggregated into one Event. */
export const EVENT_AGGREGATION_WINDOW_MS = 10 * 60 * 1000;

export function containerFieldPath(pod: Pod, container: string): string {
  const init = (pod.spec?.initContainers ?? []).some((c) => c.name === container);
  return `spec.${init ? 'initContainers' : 'containers'}{${container}}`;
}

export function eventKey(e: EventInput): string {
  const m = e.pod.metadata!;
  return [m.namespace, m.uid, e.container ?? '', e.type, e.reason, e.message, e.component ?? 'kubelet'].join('\u0000');
}

export function newEvent(e: EventInput, name: string, nodeName: string, now: number): Event {
  const m = e.pod.metadata!;
  const component = e.component ?? 'kubelet';
  const at = rfc3339(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: m.namespace },
    involvedObject:
      e.kind === 'Node'
        ? { apiVersion: 'v1', kind: 'Node', name: m.name, uid: m.uid }
        : {
            apiVersion: 'v1',
            kind: 'Pod',
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            ...(e.container ? { fieldPath: containerFieldPath(e.pod, e.container) } : {}),
          },
    reason: e.reason,
    message: e.message,
    source: component === 'kubelet' ? { component, host: nodeName } : { component },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type: e.type,
    reportingComponent: component,
    reportingInstance: component === 'kubelet' ? nodeName : '',
  };
}

/** kube-apiserver's --event-ttl default: an Event is kept an hour after its last write. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

/** When the event last happened: its series, its last (aggregated) time, or its creation. */
export function eventLastSeen(e: Event): number | undefined {
  const candidates = [e.series?.lastObservedTime, e.lastTimestamp, e.eventTime, e.firstTimestamp, e.metadata?.creationTimestamp];
  for (const c of candidates) {
    const t = c ? Date.parse(String(c)) : NaN;
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

/** The events older than the TTL at `now`. An event without any usable time is kept. */
export function expiredEvents(events: readonly Event[], now: number, ttlMs: number): Event[] {
  return events.filter((e) => {
    const t = eventLastSeen(e);
    return t !== undefined && now - t >= ttlMs;
  });
}
