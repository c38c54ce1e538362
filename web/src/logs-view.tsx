/**
 * @module A container's log: followed live (the API's follow stream), the previous instance,
 * a search that keeps the matching lines, and the whole file as a download. Only the last
 * MAX_LINES lines are kept in the page, so a 100 MB log costs the page what 5,000 lines do.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Pod } from '../../src/core/types';
import { enc, request, type ApiError } from './api';

export const MAX_LINES = 5000;
const MAX_LINE_CHARS = 4000;
const INITIAL_TAIL = 1000;

export function containerNames(pod: Pod): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
}

export function LogsView({ pod }: { pod: Pod }) {
  const names = containerNames(pod);
  const [container, setContainer] = useState(pod.spec?.containers?.[0]?.name ?? names[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [streaming, setStreaming] = useState(false);
  /** Bumped to follow again after the stream broke (the network changed, the daemon restarted). */
  const [attempt, setAttempt] = useState(0);
  const pre = useRef<HTMLPreElement>(null);
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const base = `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}/log?container=${enc(container)}${previous ? '&previous=true' : ''}`;

  useEffect(() => {
    const abort = new AbortController();
    let buf: string[] = [];
    let droppedCount = 0;
    let partial = '';
    let frame = 0;
    const flush = (): void => {
      frame = 0;
      setLines(buf.slice());
      setDropped(droppedCount);
    };
    setLines([]);
    setDropped(0);
    setError(undefined);
    void (async () => {
      try {
        // The signal ends the stream when the view goes: an open follow holds one of the browser's 6 connections.
        const res = await request('GET', `${base}&tailLines=${INITIAL_TAIL}${follow && !previous ? '&follow=true' : ''}`, undefined, undefined, 'text/plain', abort.signal);
        setStreaming(true);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done || abort.signal.aborted) break;
          const parts = (partial + value).split('\n');
          partial = parts.pop() ?? '';
          for (const p of parts) buf.push(p.length > MAX_LINE_CHARS ? `${p.slice(0, MAX_LINE_CHARS)} … (${p.length - MAX_LINE_CHARS} more characters)` : p);
          if (buf.length > MAX_LINES) {
            droppedCount += buf.length - MAX_LINES;
            buf = buf.slice(buf.length - MAX_LINES);
          }
          if (!frame) frame = requestAnimationFrame(flush);
        }
        if (partial) buf.push(partial);
        flush();
      } catch (err) {
        if (abort.signal.aborted) return;
        const e = err as ApiError;
        // A refusal (400, 404) is final; a broken follow stream is picked up again.
        const retry = follow && !previous && !(e.code >= 400 && e.code < 500);
        setError(retry ? `${e.message}; following again…` : e.message);
        if (retry) setTimeout(() => !abort.signal.aborted && setAttempt((n) => n + 1), 1000);
      } finally {
        setStreaming(false);
      }
    })();
    return () => {
      abort.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [base, follow, attempt]);

  const q = search.trim().toLowerCase();
  const shown = q ? lines.filter((l) => l.toLowerCase().includes(q)) : lines;
  useEffect(() => {
    const el = pre.current;
    if (el && follow && !q) el.scrollTop = el.scrollHeight;
  }, [shown.length, follow, q]);

  return (
    <div class="logs">
      <div class="toolbar">
        <label>
          Container{' '}
          <select value={container} onChange={(e) => setContainer((e.currentTarget as HTMLSelectElement).value)} data-testid="log-container">
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.currentTarget as HTMLInputElement).checked)} /> follow
        </label>
        <label>
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious((e.currentTarget as HTMLInputElement).checked)} /> previous instance
        </label>
        <input type="search" placeholder="Search" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} data-testid="log-search" />
        {q ? <span class="dim">{shown.length} matching lines</span> : null}
        <a class="button" href={base} download={`${name}-${container}${previous ? '-previous' : ''}.log`}>
          Download
        </a>
        {streaming && follow && !previous ? <span class="live">● live</span> : null}
      </div>
      {error ? <p class="warn" role="alert">{error}</p> : null}
      {dropped > 0 ? <p class="dim">Showing the last {MAX_LINES} lines ({dropped} earlier lines not kept in the page; Download has the whole log).</p> : null}
      <pre class="log" ref={pre} data-testid="log">
        {shown.join('\n')}
      </pre>
    </div>
  );
}
