/**
 * @module Each container's life on one time axis: starts, exits (exit code, reason, OOMKilled),
 * back-off waits and probe failures, from the pod's status (current and last state) and its
 * Events, one lane per container in start order, with the same entries listed below.
 */
import type { Event, Pod } from '../../src/core/types';
import { timeText } from './format';

export interface TimelineEntry {
  at: number;
  container: string;
  kind: 'start' | 'exit' | 'backoff' | 'probe' | 'event';
  text: string;
  bad?: boolean;
}

/** The container an Event is about, from its fieldPath `spec.containers{name}`. */
function containerOf(e: Event): string | undefined {
  return /\{(.+)\}$/.exec(e.involvedObject?.fieldPath ?? '')?.[1];
}

export function timelineEntries(pod: Pod, events: Event[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const seen = new Set<string>();
  const add = (e: TimelineEntry): void => {
    const key = `${e.container}|${e.kind}|${Math.round(e.at / 1000)}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    for (const st of [s.lastState, s.state]) {
      if (st?.running?.startedAt) add({ at: Date.parse(st.running.startedAt), container: s.name, kind: 'start', text: 'started' });
      const t = st?.terminated;
      if (t) {
        if (t.startedAt) add({ at: Date.parse(t.startedAt), container: s.name, kind: 'start', text: 'started' });
        if (t.finishedAt) {
          add({
            at: Date.parse(t.finishedAt),
            container: s.name,
            kind: 'exit',
            text: `exited ${t.exitCode}${t.signal ? ` (signal ${t.signal})` : ''}: ${t.reason ?? ''}${t.message ? ` — ${t.message.trim().slice(0, 200)}` : ''}`,
            bad: t.exitCode !== 0,
          });
        }
      }
    }
  }
  for (const e of events) {
    const c = containerOf(e) ?? 'pod';
    const at = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '');
    if (Number.isNaN(at)) continue;
    const count = (e.count ?? 1) > 1 ? ` (×${e.count})` : '';
    const reason = e.reason ?? '';
    const kind = reason === 'BackOff' ? 'backoff' : reason === 'Unhealthy' ? 'probe' : reason === 'Started' ? 'start' : 'event';
    if (kind === 'start' && out.some((x) => x.container === c && x.kind === 'start' && Math.abs(x.at - at) < 2000)) continue;
    add({ at, container: c, kind, text: `${reason}: ${e.message ?? ''}${count}`, bad: e.type === 'Warning' });
  }
  return out.sort((a, b) => a.at - b.at);
}

export function Timeline({ pod, events }: { pod: Pod; events: Event[] }) {
  const entries = timelineEntries(pod, events);
  const lanes = ['pod', ...(pod.spec?.initContainers ?? []).map((c) => c.name), ...(pod.spec?.containers ?? []).map((c) => c.name)];
  const start = Math.min(Date.parse(pod.metadata?.creationTimestamp ?? '') || Date.now(), ...entries.map((e) => e.at));
  const end = Math.max(Date.now(), start + 1000);
  const pos = (t: number): string => `${(((t - start) / (end - start)) * 100).toFixed(2)}%`;
  return (
    <div class="timeline">
      <div class="lanes">
        {lanes.map((lane) => (
          <div class="lane" key={lane}>
            <span class="lane-name">{lane}</span>
            <div class="lane-track">
              {entries
                .filter((e) => e.container === lane)
                .map((e, i) => (
                  <span key={i} class={`mark m-${e.kind}${e.bad ? ' bad' : ''}`} style={{ left: pos(e.at) }} title={`${timeText(new Date(e.at).toISOString())} ${e.text}`} />
                ))}
            </div>
          </div>
        ))}
      </div>
      <ol class="tl-list">
        {entries.length === 0 ? <li class="dim">Nothing has happened yet.</li> : null}
        {entries.map((e, i) => (
          <li key={i} class={`k-${e.kind}${e.bad ? ' bad' : ''}`}>
            <time>{timeText(new Date(e.at).toISOString())}</time> <strong>{e.container}</strong> {e.text}
          </li>
        ))}
      </ol>
    </div>
  );
}
