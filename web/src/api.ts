/**
 * @module The dashboard's only way to the daemon: the Kubernetes API on the page's own origin,
 * with the session cookie and, for every change, the session's CSRF token. Watches are the API's
 * newline-delimited watch streams read with fetch.
 */

const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
export const CSRF_TOKEN = meta('csrf-token');
export const USER = meta('peapod-user');

export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

export interface KubeStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: StatusCause[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: KubeStatus,
    readonly code: number,
  ) {
    super(status.message || `request failed (${code})`);
  }
}

/** Called when the API says the session is gone (401): the app shows the sign-in link. */
export let onSignedOut: () => void = () => undefined;
export function setOnSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function request(method: string, path: string, body?: string, contentType = 'application/json', accept = 'application/json', signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = CSRF_TOKEN;
    if (body !== undefined) headers['Content-Type'] = contentType;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store', signal });
  } catch (err) {
    throw new ApiError({ message: `the daemon cannot be reached (${(err as Error).message})`, reason: 'ServiceUnavailable' }, 0);
  }
  if (res.status === 401) onSignedOut();
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let status: KubeStatus;
    try {
      status = JSON.parse(text) as KubeStatus;
    } catch {
      status = { message: text.slice(0, 500) || res.statusText, code: res.status };
    }
    throw new ApiError(status, res.status);
  }
  return res;
}

export async function getJson<T>(path: string, accept?: string): Promise<T> {
  return (await request('GET', path, undefined, undefined, accept)).json() as Promise<T>;
}

export async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return (await request(method, path, text, contentType)).json() as Promise<T>;
}

export const enc = encodeURIComponent;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: unknown;
  };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * List, then watch from the list's resourceVersion, reconnecting (and listing again after a 410)
 * until stopped. `onList` replaces everything; `onEvent` applies one change.
 */
export function listWatch<T extends KubeObject>(
  path: string,
  handlers: { onList(items: T[]): void; onEvent(e: WatchEvent<T>): void; onError(err: ApiError | undefined): void },
  query = '',
): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  const sep = path.includes('?') ? '&' : '?';
  const run = async (): Promise<void> => {
    let rv: string | undefined;
    let failures = 0;
    while (!stopped) {
      try {
        if (rv === undefined) {
          const list = await getJson<{ items: T[]; metadata: { resourceVersion: string } }>(`${path}${query ? `${sep}${query}` : ''}`);
          rv = list.metadata.resourceVersion;
          handlers.onList(list.items);
          handlers.onError(undefined);
        }
        controller = new AbortController();
        const res = await fetch(`${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${enc(rv)}${query ? `&${query}` : ''}`, {
          credentials: 'same-origin',
          signal: controller.signal,
          headers: { Accept: 'application/json' },
        });
        if (res.status === 401) onSignedOut();
        if (!res.ok || !res.body) throw new ApiError({ message: `watch failed (${res.status})` }, res.status);
        failures = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done || stopped) break;
          buf += value;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              rv = undefined; // 410 Gone or worse: list again
              continue;
            }
            const newRv = ev.object.metadata?.resourceVersion;
            if (newRv) rv = newRv;
            if (ev.type !== 'BOOKMARK') handlers.onEvent(ev);
          }
        }
      } catch (err) {
        if (stopped) return;
        failures++;
        handlers.onError(err instanceof ApiError ? err : new ApiError({ message: (err as Error).message }, 0));
        if (failures > 2) rv = undefined;
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * failures)));
      }
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
