/**
 * @module core/v1 Events as the kubelet records them: the object reference (with the container's
 * fieldPath), reason, message, source, and the aggregation key under which repeats only bump
 * `count` and `lastTimestamp` (client-go's EventCorrelator, within 10 minutes).
 */
import type { Event, Pod } from './types.js';
import { rfc3339 } from './pod-status.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  pod: Pod;
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
    involvedObject: {
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
