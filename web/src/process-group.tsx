/**
 * @module The pod as the process group it is: the shared namespaces drawn around the infra and
 * each container (in start order: infra, init containers and sidecars, then the app containers),
 * each container a box with its processes (PID in the pod, command, CPU, RSS), and the volumes as
 * shelves under them with who mounts what, read-only or not.
 */
import { useState } from 'preact/hooks';
import type { Container, ContainerStatus, Pod, Volume } from '../../src/core/types';
import { enc, getJson, type ApiError } from './api';
import { bytesText, cpuText } from './format';
import { usePoll } from './use-watch';

interface ProcessRow {
  pid: number;
  nsPid: number;
  ppid: number;
  command: string;
  state: string;
  cpuMillicores?: number;
  rssBytes: number;
}

interface ContainerProcesses {
  name: string;
  type: 'sandbox' | 'init' | 'app';
  containerID: string;
  restartCount: number;
  state: string;
  usage?: { cpuNanoCores?: number; memoryWorkingSetBytes: number };
  processes: ProcessRow[];
}

interface PodProcesses {
  shareProcessNamespace: boolean;
  containers: ContainerProcesses[];
}

interface Box {
  name: string;
  role: string;
  spec?: Container;
  status?: ContainerStatus;
  live?: ContainerProcesses;
}

/** Infra, then init containers (sidecars marked) in spec order, then app containers. */
function boxes(pod: Pod, procs: PodProcesses | undefined): Box[] {
  const live = new Map((procs?.containers ?? []).map((c) => [c.type === 'sandbox' ? '' : c.name, c]));
  const statuses = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
  const out: Box[] = [{ name: 'infra', role: 'infra (catatonit)', live: live.get('') }];
  for (const c of pod.spec?.initContainers ?? []) {
    out.push({ name: c.name, role: c.restartPolicy === 'Always' ? 'sidecar' : 'init', spec: c, status: statuses.get(c.name), live: live.get(c.name) });
  }
  for (const c of pod.spec?.containers ?? []) out.push({ name: c.name, role: 'app', spec: c, status: statuses.get(c.name), live: live.get(c.name) });
  return out;
}

function stateText(s: ContainerStatus | undefined, live: ContainerProcesses | undefined): { text: string; cls: string } {
  if (s?.state?.running) return { text: s.ready === false ? 'Running (not ready)' : 'Running', cls: s.ready === false ? 'st-wait' : 'st-ok' };
  if (s?.state?.terminated) {
    const t = s.state.terminated;
    return { text: `${t.reason ?? 'Terminated'} (exit ${t.exitCode})`, cls: t.exitCode === 0 ? 'st-done' : 'st-bad' };
  }
  if (s?.state?.waiting) return { text: s.state.waiting.reason ?? 'Waiting', cls: /BackOff|Err|Error/.test(s.state.waiting.reason ?? '') ? 'st-bad' : 'st-wait' };
  if (live) return { text: live.state === 'running' ? 'Running' : live.state, cls: live.state === 'running' ? 'st-ok' : 'st-wait' };
  return { text: 'Not started', cls: 'st-wait' };
}

function ContainerBox({ box, sharedPid }: { box: Box; sharedPid: boolean }) {
  const st = stateText(box.status, box.live);
  const procs = box.live?.processes ?? [];
  return (
    <div class={`cbox role-${box.role.split(' ')[0]}`} data-container={box.name}>
      <header>
        <strong>{box.name}</strong>
        <span class="badge">{box.role}</span>
        {box.name !== 'infra' ? <span class={`state ${st.cls}`}>{st.text}</span> : null}
        {box.status?.restartCount ? <span class="restarts">{box.status.restartCount} restarts</span> : null}
      </header>
      <div class="usage">
        {box.spec?.image ? <span title="image">{box.spec.image}</span> : null}
        {box.live?.usage ? (
          <span>
            CPU {cpuText(box.live.usage.cpuNanoCores)} · memory {bytesText(box.live.usage.memoryWorkingSetBytes)}
          </span>
        ) : null}
        {!sharedPid && box.name !== 'infra' ? <span class="ns-own">own PID namespace</span> : null}
      </div>
      {procs.length > 0 ? (
        <table class="procs">
          <thead>
            <tr>
              <th title={sharedPid ? 'PID in the pod' : 'PID in the container'}>PID</th>
              <th>COMMAND</th>
              <th>CPU</th>
              <th>RSS</th>
              <th title="PID on the host">HOST PID</th>
            </tr>
          </thead>
          <tbody>
            {procs.map((p) => (
              <tr key={p.pid} data-testid="process">
                <td>{p.nsPid}</td>
                <td class="cmd" title={p.command}>{p.command}</td>
                <td>{p.cpuMillicores === undefined ? '…' : `${p.cpuMillicores}m`}</td>
                <td>{bytesText(p.rssBytes)}</td>
                <td class="dim">{p.pid}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="dim noprocs">{box.live?.state === 'stopped' || box.status?.state?.terminated ? 'exited: no processes' : 'no processes'}</p>
      )}
    </div>
  );
}

function volumeKind(v: Volume): string {
  const keys = Object.keys(v).filter((k) => k !== 'name');
  return keys[0] ?? 'volume';
}

function Shelves({ pod }: { pod: Pod }) {
  const volumes = pod.spec?.volumes ?? [];
  if (volumes.length === 0) return null;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return (
    <div class="shelves">
      <h3>Volumes</h3>
      {volumes.map((v) => {
        const mounts = all.flatMap((c) => (c.volumeMounts ?? []).filter((m) => m.name === v.name).map((m) => ({ c: c.name, m })));
        return (
          <div class="shelf" key={v.name} data-volume={v.name}>
            <div class="shelf-name">
              <strong>{v.name}</strong> <span class="badge">{volumeKind(v)}</span>
            </div>
            <ul>
              {mounts.length === 0 ? <li class="dim">mounted by no container</li> : null}
              {mounts.map(({ c, m }) => (
                <li key={`${c}:${m.mountPath}`}>
                  <strong>{c}</strong> → <code>{m.mountPath}</code>
                  {m.subPath ? <span class="dim"> (subPath {m.subPath})</span> : null}
                  {m.readOnly ? <span class="badge ro">read-only</span> : <span class="badge rw">read-write</span>}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </div>
  );
}

export function ProcessGroup({ pod }: { pod: Pod }) {
  const [procs, setProcs] = useState<PodProcesses | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  usePoll(
    async () => {
      try {
        setProcs(await getJson<PodProcesses>(`/apis/node.peapod.io/v1alpha1/namespaces/${enc(ns)}/podprocesses/${enc(name)}`));
        setError(undefined);
      } catch (err) {
        setError(err as ApiError);
      }
    },
    3000,
    [ns, name, pod.metadata?.uid],
  );
  const sharedPid = pod.spec?.shareProcessNamespace === true;
  const hostNet = pod.spec?.hostNetwork === true;
  const list = boxes(pod, procs);
  return (
    <div class="pgroup">
      {error ? <p class="warn">Processes unavailable: {error.message}</p> : null}
      <div class="ns ns-net" data-testid="ns-net">
        <span class="ns-label">{hostNet ? 'host network' : `network namespace · ${pod.status?.podIP ?? 'no IP yet'} · localhost shared`}</span>
        <div class="ns ns-ipc">
          <span class="ns-label">IPC namespace · /dev/shm shared</span>
          <div class="ns ns-uts">
            <span class="ns-label">UTS namespace · hostname {pod.spec?.hostname ?? name}</span>
            <div class={sharedPid ? 'ns ns-pid' : 'ns-none'} data-testid={sharedPid ? 'ns-pid' : undefined}>
              {sharedPid ? <span class="ns-label">PID namespace (shareProcessNamespace) · infra is PID 1</span> : null}
              <div class="boxes">
                {list.map((b) => (
                  <ContainerBox key={b.name} box={b} sharedPid={sharedPid} />
                ))}
              </div>
            </div>
          </div>
        </div>
      </div>
      <Shelves pod={pod} />
    </div>
  );
}
