/**
 * @module Every other kind the daemon serves, found through discovery (so a kind added to the API
 * shows up here without a dashboard change): the server's own Table columns (kubectl's), kept
 * live by a watch, and the actions the kind allows: YAML edit, delete, scale (a scale
 * subresource) and restart (Deployments, StatefulSets, DaemonSets, as kubectl rollout restart).
 */
import { useEffect, useState } from 'preact/hooks';
import { enc, getJson, listWatch, send, type ApiError } from './api';
import { YamlView } from './yaml-view';

export interface ApiResourceRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  hasScale: boolean;
}

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

const HIDDEN_GROUPS = new Set(['metrics.k8s.io', 'node.peapod.io', 'authorization.k8s.io', 'authentication.k8s.io']);

/** The listable resources of every served group version. */
export async function discoverResources(): Promise<ApiResourceRef[]> {
  const core = await getJson<ApiResourceList>('/api/v1');
  const groups = await getJson<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>('/apis');
  const lists = [core];
  for (const g of groups.groups) {
    if (HIDDEN_GROUPS.has(g.name)) continue;
    lists.push(await getJson<ApiResourceList>(`/apis/${g.preferredVersion.groupVersion}`).catch(() => ({ groupVersion: g.preferredVersion.groupVersion, resources: [] })));
  }
  const out: ApiResourceRef[] = [];
  for (const l of lists) {
    const [group, version] = l.groupVersion.includes('/') ? l.groupVersion.split('/') : ['', l.groupVersion];
    const names = new Set(l.resources.map((r) => r.name));
    for (const r of l.resources) {
      if (r.name.includes('/') || !r.verbs.includes('list')) continue;
      out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, hasScale: names.has(`${r.name}/scale`) });
    }
  }
  return out;
}

export function collectionPath(r: ApiResourceRef, namespace: string): string {
  const gv = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${gv}/namespaces/${enc(namespace)}/${r.resource}` : `${gv}/${r.resource}`;
}

interface Table {
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[]; object: { metadata: { name: string; namespace?: string } } }[];
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export function ResourceView({ r, namespace }: { r: ApiResourceRef; namespace: string }) {
  const [table, setTable] = useState<Table | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  const path = collectionPath(r, namespace);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = (): void => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        getJson<Table>(`${path}?includeObject=Metadata`, TABLE)
          .then((t) => {
            setTable(t);
            setError(undefined);
          })
          .catch((err: ApiError) => setError(err.message));
      }, 150);
    };
    reload();
    const stop = r.verbs.includes('watch') ? listWatch(path, { onList: reload, onEvent: reload, onError: () => undefined }) : undefined;
    return () => {
      stop?.();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick]);

  const objectPath = (name: string, ns?: string): string => `${collectionPath(r, ns ?? "")}/${enc(name)}`;
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      setError(undefined);
      setTick((n) => n + 1);
    } catch (err) {
      setError((err as ApiError).message);
    }
  };
  const cols = (table?.columnDefinitions ?? []).map((c, i) => ({ ...c, i })).filter((c) => c.priority === 0);
  const restartable = ['deployments', 'statefulsets', 'daemonsets'].includes(r.resource) && r.verbs.includes('patch');
  return (
    <section class="resources">
      <h2>
        {r.kind} <span class="dim">{r.group || 'core'}/{r.version}</span>
      </h2>
      {error ? <p class="warn" role="alert">{error}</p> : null}
      {editing ? (
        <div>
          <button class="secondary" onClick={() => setEditing(undefined)}>
            ← back to the list
          </button>
          <YamlView path={editing} />
        </div>
      ) : (
        <table class="generic">
          <thead>
            <tr>
              {r.namespaced && !namespace ? <th>NAMESPACE</th> : null}
              {cols.map((c) => (
                <th key={c.name}>{c.name.toUpperCase()}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {table && table.rows.length === 0 ? (
              <tr>
                <td colSpan={cols.length + 2} class="dim">
                  None.
                </td>
              </tr>
            ) : null}
            {(table?.rows ?? []).map((row) => {
              const m = row.object.metadata;
              const p = objectPath(m.name, m.namespace);
              return (
                <tr key={`${m.namespace}/${m.name}`}>
                  {r.namespaced && !namespace ? <td>{m.namespace}</td> : null}
                  {cols.map((c) => (
                    <td key={c.name}>{String(row.cells[c.i] ?? '')}</td>
                  ))}
                  <td class="actions">
                    {r.verbs.includes('update') ? <button class="secondary" onClick={() => setEditing(p)}>YAML</button> : null}
                    {r.hasScale ? (
                      <button
                        class="secondary"
                        onClick={() => {
                          const n = prompt(`Replicas for ${m.name}:`);
                          if (n !== null && /^\d+$/.test(n.trim())) void act(() => send('PATCH', `${p}/scale`, { spec: { replicas: Number(n) } }, 'application/merge-patch+json'));
                        }}
                      >
                        Scale
                      </button>
                    ) : null}
                    {restartable ? (
                      <button
                        class="secondary"
                        onClick={() =>
                          void act(() =>
                            send('PATCH', p, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } }, 'application/strategic-merge-patch+json'),
                          )
                        }
                      >
                        Restart
                      </button>
                    ) : null}
                    {r.verbs.includes('delete') ? (
                      <button class="danger" onClick={() => confirm(`Delete ${r.kind} ${m.name}?`) && void act(() => send('DELETE', p))}>
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
