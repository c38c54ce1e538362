/**
 * @module A pod's page: what it is (the process group, the timeline), and what can be done with it
 * (logs, exec, YAML edit, delete), over the pod's own watch and its Events.
 */
import { useState } from 'preact/hooks';
import { podRow } from '../../src/core/pod-printer';
import type { Event, Pod } from '../../src/core/types';
import { enc, send, type ApiError } from './api';
import { ExecView } from './exec-view';
import { statusClass, timeText } from './format';
import { LogsView } from './logs-view';
import { ProcessGroup } from './process-group';
import { Timeline } from './timeline';
import { useWatchList } from './use-watch';
import { YamlView } from './yaml-view';

const TABS = ['Process group', 'Logs', 'Events', 'YAML', 'Exec'] as const;
type Tab = (typeof TABS)[number];

function EventsTable({ events }: { events: Event[] }) {
  if (events.length === 0) return <p class="dim">No events.</p>;
  return (
    <table class="events" data-testid="events">
      <thead>
        <tr>
          <th>LAST SEEN</th>
          <th>TYPE</th>
          <th>REASON</th>
          <th>OBJECT</th>
          <th>MESSAGE</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.metadata?.name} class={e.type === 'Warning' ? 'bad' : ''}>
            <td>{timeText(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp)}</td>
            <td>{e.type}</td>
            <td>{e.reason}</td>
            <td>{e.involvedObject?.fieldPath ?? 'pod'}</td>
            <td>
              {e.message}
              {(e.count ?? 1) > 1 ? <span class="dim"> (×{e.count})</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PodPage({ namespace, name }: { namespace: string; name: string }) {
  const [tab, setTab] = useState<Tab>('Process group');
  const [actionError, setActionError] = useState<string | undefined>();
  const pods = useWatchList<Pod & { metadata: { name: string } }>(`/api/v1/namespaces/${enc(namespace)}/pods`, `fieldSelector=${enc(`metadata.name=${name}`)}`);
  const pod = pods.items.find((p) => p.metadata?.name === name);
  const uid = pod?.metadata?.uid;
  const evs = useWatchList<Event & { metadata: { name: string } }>(uid ? `/api/v1/namespaces/${enc(namespace)}/events` : undefined, uid ? `fieldSelector=${enc(`involvedObject.uid=${uid}`)}` : '');
  const events = evs.items.slice().sort((a, b) => Date.parse(a.lastTimestamp ?? a.metadata?.creationTimestamp ?? '') - Date.parse(b.lastTimestamp ?? b.metadata?.creationTimestamp ?? ''));

  if (!pods.loaded) return <p class="dim">{pods.error ? pods.error.message : 'Loading…'}</p>;
  if (!pod) {
    return (
      <div class="notfound" role="alert">
        <h2>Pod {namespace}/{name} not found</h2>
        <p>It may have been deleted. <a href={`#/pods?ns=${enc(namespace)}`}>Back to the pods of {namespace}</a></p>
      </div>
    );
  }
  const row = podRow(pod, Date.now());
  const del = async (): Promise<void> => {
    if (!confirm(`Delete pod ${namespace}/${name}?`)) return;
    try {
      await send('DELETE', `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`);
    } catch (err) {
      setActionError((err as ApiError).message);
    }
  };
  return (
    <section class="pod-page">
      <header class="pod-head">
        <div>
          <h2>
            <span class="dim">{namespace}/</span>
            {name}
          </h2>
          <p>
            <span class={statusClass(row.status)} data-testid="pod-status">
              {row.status}
            </span>{' '}
            · ready {row.ready} · restarts {row.restarts} · age {row.age} · IP {row.ip} · QoS {pod.status?.qosClass ?? '–'} · node {pod.spec?.nodeName ?? '–'}
          </p>
        </div>
        <button class="danger" onClick={() => void del()} disabled={!!pod.metadata?.deletionTimestamp}>
          {pod.metadata?.deletionTimestamp ? 'Terminating…' : 'Delete'}
        </button>
      </header>
      {actionError ? <p class="warn" role="alert">{actionError}</p> : null}
      <nav class="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} class={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </nav>
      {tab === 'Process group' ? (
        <div>
          <ProcessGroup pod={pod} />
          <h3>Timeline</h3>
          <Timeline pod={pod} events={events} />
        </div>
      ) : null}
      {tab === 'Logs' ? <LogsView pod={pod} /> : null}
      {tab === 'Events' ? <EventsTable events={events} /> : null}
      {tab === 'YAML' ? <YamlView path={`/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`} /> : null}
      {tab === 'Exec' ? <ExecView pod={pod} /> : null}
    </section>
  );
}
