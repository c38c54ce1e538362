/**
 * @module The dashboard's shell: hash routes (#/pods, #/pods/<ns>/<name>, #/r/<group>/<version>/<resource>),
 * the namespace filter, the kinds found through discovery, sign-out, and an error boundary so a
 * failure shows as a message, never as a blank page.
 */
import { Component, render, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '@xterm/xterm/css/xterm.css';
import './app.css';
import { CSRF_TOKEN, getJson, setOnSignedOut, USER, type KubeObject } from './api';
import { PodPage } from './pod-page';
import { PodsList } from './pods-list';
import { discoverResources, ResourceView, type ApiResourceRef } from './resource-view';
import { usePoll } from './use-watch';

interface Route {
  view: 'pods' | 'pod' | 'resource';
  parts: string[];
  ns: string;
}

function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const ns = new URLSearchParams(query).get('ns') ?? '';
  if (parts[0] === 'pods' && parts.length === 3) return { view: 'pod', parts: parts.slice(1), ns: parts[1] };
  if (parts[0] === 'r' && parts.length === 4) return { view: 'resource', parts: parts.slice(1), ns };
  return { view: 'pods', parts: [], ns };
}

class ErrorBoundary extends Component<{ children: ComponentChildren }, { error?: Error }> {
  override state: { error?: Error } = {};
  override componentDidCatch(error: Error): void {
    this.setState({ error });
  }
  override render() {
    if (this.state.error) {
      return (
        <div class="crash" role="alert">
          <h2>This view failed</h2>
          <p>{this.state.error.message}</p>
          <button onClick={() => this.setState({ error: undefined })}>Try again</button> <a href="#/pods">Back to the pods</a>
        </div>
      );
    }
    return this.props.children;
  }
}

function App() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  const [filter, setFilter] = useState('');
  const [signedOut, setSignedOut] = useState(false);
  const [kinds, setKinds] = useState<ApiResourceRef[]>([]);
  // Polled, not watched: each watch holds one of the 6 HTTP/1.1 connections a browser opens to a host.
  const [namespaces, setNamespaces] = useState<string[]>([]);
  usePoll(async () => setNamespaces((await getJson<{ items: KubeObject[] }>('/api/v1/namespaces')).items.map((n) => n.metadata?.name ?? '').sort()), 15_000, []);
  useEffect(() => {
    setOnSignedOut(() => setSignedOut(true));
    const onHash = (): void => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    discoverResources().then(setKinds, () => undefined);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const ns = route.ns;
  const setNs = (v: string): void => {
    const base = route.view === 'resource' ? `#/r/${route.parts.map(encodeURIComponent).join('/')}` : '#/pods';
    location.hash = v ? `${base}?ns=${encodeURIComponent(v)}` : base;
  };
  const shownKinds = kinds.filter((k) => k.resource !== 'pods');
  const current = route.view === 'resource' ? kinds.find((k) => k.group === (route.parts[0] === 'core' ? '' : route.parts[0]) && k.version === route.parts[1] && k.resource === route.parts[2]) : undefined;
  const nsQuery = ns ? `?ns=${encodeURIComponent(ns)}` : '';
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/pods">
          peapod
        </a>
        <label>
          Namespace{' '}
          <select value={ns} onChange={(e) => setNs((e.currentTarget as HTMLSelectElement).value)} data-testid="namespace">
            <option value="">All namespaces</option>
            {namespaces.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </label>
        {route.view === 'pods' ? <input type="search" placeholder="Filter pods by name" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} data-testid="filter" /> : null}
        <span class="spacer" />
        <span class="dim">{USER}</span>
        <form method="post" action="/ui/logout">
          <input type="hidden" name="csrf" value={CSRF_TOKEN} />
          <button class="secondary" type="submit">
            Sign out
          </button>
        </form>
      </header>
      {signedOut ? (
        <p class="warn banner" role="alert">
          Your session has ended. <a href="/ui/">Sign in again</a>.
        </p>
      ) : null}
      <div class="body">
        <nav class="side">
          <a href={`#/pods${nsQuery}`} class={route.view !== 'resource' ? 'active' : ''}>
            Pods
          </a>
          {shownKinds.map((k) => {
            const href = `#/r/${k.group || 'core'}/${k.version}/${k.resource}${k.namespaced ? nsQuery : ''}`;
            return (
              <a key={href} href={href} class={current === k ? 'active' : ''}>
                {k.kind}
              </a>
            );
          })}
        </nav>
        <main class="main">
          <ErrorBoundary>
            {route.view === 'pods' ? <PodsList namespace={ns} filter={filter} /> : null}
            {route.view === 'pod' ? <PodPage namespace={route.parts[0]} name={route.parts[1]} /> : null}
            {route.view === 'resource' ? current ? <ResourceView r={current} namespace={current.namespaced ? ns : ''} /> : <p class="dim">{kinds.length ? 'This kind is not served.' : 'Loading…'}</p> : null}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
