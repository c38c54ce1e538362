/**
 * @module The pods list: live over watch, kubectl's columns (STATUS text from the same printer as
 * `peapod get pods`), CPU and memory from metrics.k8s.io, a namespace filter and a text filter.
 * Only the rows in view are rendered, so 500 pods scroll as smoothly as 5.
 */
import { useMemo, useRef, useState, useEffect } from 'preact/hooks';
import { podRow } from '../../src/core/pod-printer';
import type { Pod } from '../../src/core/types';
import { enc, getJson } from './api';
import { bytesText, cpuText, parseBytes, parseCpu, statusClass } from './format';
import { usePoll, useWatchList } from './use-watch';

const ROW_HEIGHT = 34;
const OVERSCAN = 8;

interface PodMetricsItem {
  metadata: { name: string; namespace: string };
  containers: { usage: { cpu: string; memory: string } }[];
}

export function usePodMetrics(namespace: string): Map<string, { cpu: number; memory: number }> {
  const [metrics, setMetrics] = useState(new Map<string, { cpu: number; memory: number }>());
  usePoll(
    async () => {
      const path = namespace ? `/apis/metrics.k8s.io/v1beta1/namespaces/${enc(namespace)}/pods` : '/apis/metrics.k8s.io/v1beta1/pods';
      const list = await getJson<{ items: PodMetricsItem[] }>(path);
      const m = new Map<string, { cpu: number; memory: number }>();
      for (const it of list.items) {
        let cpu = 0;
        let memory = 0;
        for (const c of it.containers) {
          cpu += parseCpu(c.usage.cpu) ?? 0;
          memory += parseBytes(c.usage.memory) ?? 0;
        }
        m.set(`${it.metadata.namespace}/${it.metadata.name}`, { cpu, memory });
      }
      setMetrics(m);
    },
    10_000,
    [namespace],
  );
  return metrics;
}

export function PodsList({ namespace, filter }: { namespace: string; filter: string }) {
  const path = namespace ? `/api/v1/namespaces/${enc(namespace)}/pods` : '/api/v1/pods';
  const { items, loaded, error } = useWatchList<Pod & { metadata: { name: string } }>(path);
  const metrics = usePodMetrics(namespace);
  const [now, setNow] = useState(Date.now());
  usePoll(() => setNow(Date.now()), 5000, []);
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const sorted = items
      .filter((p) => !f || (p.metadata?.name ?? '').toLowerCase().includes(f))
      .sort((a, b) => (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    return sorted.map((p) => ({ pod: p, row: podRow(p, now), key: `${p.metadata?.namespace}/${p.metadata?.name}` }));
  }, [items, filter, now]);

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  return (
    <section class="pods">
      <div class="list-head">
        <h2>Pods {loaded ? <span class="count" data-testid="pod-count">{rows.length}</span> : null}</h2>
        {error ? <p class="warn">Live updates interrupted: {error.message}. Reconnecting…</p> : null}
      </div>
      <div class="table pods-table" role="table" aria-label="Pods">
        <div class="tr th" role="row">
          {!namespace ? <span class="c-ns">NAMESPACE</span> : null}
          <span class="c-name">NAME</span>
          <span class="c-ready">READY</span>
          <span class="c-status">STATUS</span>
          <span class="c-restarts">RESTARTS</span>
          <span class="c-age">AGE</span>
          <span class="c-ip">IP</span>
          <span class="c-cpu">CPU</span>
          <span class="c-mem">MEMORY</span>
        </div>
        <div class="scroller" ref={scroller} onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
          {loaded && rows.length === 0 ? <p class="empty">No pods{namespace ? ` in ${namespace}` : ''}. Create one with kubectl apply or peapod apply.</p> : null}
          {!loaded && !error ? <p class="empty">Loading…</p> : null}
          <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
            {rows.slice(first, last).map(({ pod, row, key }, i) => {
              const m = metrics.get(key);
              const ns = pod.metadata?.namespace ?? '';
              return (
                <a
                  key={key}
                  class="tr"
                  role="row"
                  data-pod={key}
                  href={`#/pods/${enc(ns)}/${enc(row.name)}`}
                  style={{ transform: `translateY(${(first + i) * ROW_HEIGHT}px)` }}
                >
                  {!namespace ? <span class="c-ns">{ns}</span> : null}
                  <span class="c-name" title={row.name}>{row.name}</span>
                  <span class="c-ready">{row.ready}</span>
                  <span class={`c-status ${statusClass(row.status)}`} data-testid="status">{row.status}</span>
                  <span class="c-restarts">{row.restarts}</span>
                  <span class="c-age">{row.age}</span>
                  <span class="c-ip">{row.ip}</span>
                  <span class="c-cpu">{m ? cpuText(m.cpu) : '–'}</span>
                  <span class="c-mem">{m ? bytesText(m.memory) : '–'}</span>
                </a>
              );
            })}
          </div>
        </div>
      </div>
    </section>
  );
}
