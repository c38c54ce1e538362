/**
 * @module `peapod describe pod`, laid out as kubectl's describePod: the same fields, order, tabs
 * and indentation levels, run through the same tabwriter settings (padding 2).
 */
import type { Container, ContainerState, ContainerStatus, Event, Pod, Volume } from '../../core/types.js';
import { humanDuration } from './duration.js';
import { tabwrite } from './tab-writer.js';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** kubectl prints times in RFC 1123 with numeric zone; we print UTC so output is reproducible. */
export function rfc1123z(timestamp: string): string {
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export class PrefixWriter {
  private text = '';
  write(level: number, line: string): void {
    this.text += '  '.repeat(level) + line;
  }
  toString(): string {
    return this.text;
  }
}

export function multiline(w: PrefixWriter, level: number, title: string, map: Record<string, string> | undefined, skip: string[] = []): void {
  const keys = Object.keys(map ?? {}).filter((k) => !skip.includes(k)).sort();
  if (keys.length === 0) {
    w.write(level, `${title}:\t<none>\n`);
    return;
  }
  keys.forEach((k, i) => w.write(level, `${i === 0 ? `${title}:` : ''}\t${k}=${map![k]}\n`));
}

export function describePod(pod: Pod, events: Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  w.write(0, `Name:\t${meta.name ?? ''}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? ''}\n`);
  w.write(0, `Priority:\t${spec.priority ?? 0}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>'}\n`);
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  multiline(w, 0, 'Labels', meta.labels);
  multiline(w, 0, 'Annotations', meta.annotations, [lastApplied]);
  if (meta.deletionTimestamp) {
    w.write(0, `Status:\tTerminating (lasts ${humanDuration(now - Date.parse(meta.deletionTimestamp))})\n`);
    w.write(0, `Termination Grace Period:\t${meta.deletionGracePeriodSeconds ?? 0}s\n`);
  } else {
    w.write(0, `Status:\t${status.phase ?? ''}\n`);
  }
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  w.write(0, `IP:\t${status.podIP ?? ''}\n`);
  if (status.podIPs && status.podIPs.length > 0) {
    w.write(0, 'IPs:\n');
    for (const ip of status.podIPs) w.write(1, `IP:\t${ip.ip}\n`);
  } else {
    w.write(0, 'IPs:\t<none>\n');
  }
  const owner = meta.ownerReferences?.find((o) => o.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  if (spec.initContainers && spec.initContainers.length > 0) {
    w.write(0, 'Init Containers:\n');
    describeContainers(w, spec.initContainers, status.initContainerStatuses ?? []);
  }
  w.write(0, 'Containers:\n');
  describeContainers(w, spec.containers ?? [], status.containerStatuses ?? []);
  if (status.conditions && status.conditions.length > 0) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\n');
    for (const c of status.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes ?? []);
  w.write(0, `QoS Class:\t${status.qosClass ?? ''}\n`);
  multiline(w, 0, 'Node-Selectors', spec.nodeSelector);
  const tolerations = (spec.tolerations ?? []).map(formatToleration);
  if (tolerations.length === 0) w.write(0, 'Tolerations:\t<none>\n');
  else tolerations.forEach((t, i) => w.write(0, `${i === 0 ? 'Tolerations:' : ''}\t${t}\n`));
  describeEvents(w, events, now);
  return tabwrite(w.toString(), 2);
}

function formatToleration(t: NonNullable<Pod['spec']>['tolerations'] extends (infer T)[] | undefined ? T : never): string {
  let s = t.key ?? '';
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) s += t.key ? ' op=Exists' : 'op=Exists';
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
  return s;
}

function describeContainers(w: PrefixWriter, containers: Container[], statuses: ContainerStatus[]): void {
  for (const c of containers) {
    const st = statuses.find((s) => s.name === c.name);
    w.write(1, `${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`);
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`);
    w.write(2, `${ports.length > 1 ? 'Ports' : 'Port'}:\t${ports.length ? ports.join(', ') : '<none>'}\n`);
    w.write(2, `${hostPorts.length > 1 ? 'Host Ports' : 'Host Port'}:\t${hostPorts.length ? hostPorts.join(', ') : '<none>'}\n`);
    for (const [title, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!list || list.length === 0) continue;
      w.write(2, `${title}:\n`);
      for (const arg of list) for (const line of arg.split('\n')) w.write(3, `${line}\n`);
    }
    if (st) {
      describeState(w, 'State', st.state);
      if (st.lastState?.terminated) describeState(w, 'Last State', st.lastState);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    for (const [title, list] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
      const keys = Object.keys(list ?? {}).sort();
      if (keys.length === 0) continue;
      w.write(2, `${title}:\n`);
      for (const k of keys) w.write(3, `${k}:\t${String(list![k])}\n`);
    }
    describeEnv(w, c);
    const mounts = c.volumeMounts ?? [];
    if (mounts.length === 0) w.write(2, 'Mounts:\t<none>\n');
    else {
      w.write(2, 'Mounts:\n');
      for (const m of [...mounts].sort((a, b) => a.mountPath.localeCompare(b.mountPath))) {
        const flags = [m.readOnly ? 'ro' : 'rw'];
        if (m.subPath) flags.push(`path="${m.subPath}"`);
        w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
      }
    }
  }
}

function describeState(w: PrefixWriter, title: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.write(2, `${title}:\tRunning\n`);
    if (state.running.startedAt) w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(2, `${title}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
    if (state.waiting.message) w.write(3, `Message:\t${state.waiting.message}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal) w.write(3, `Signal:\t${t.signal}\n`);
    if (t.startedAt) w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    if (t.finishedAt) w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
  }
}

function describeEnv(w: PrefixWriter, c: Container): void {
  const env = c.env ?? [];
  const from = c.envFrom ?? [];
  if (env.length === 0 && from.length === 0) {
    w.write(2, 'Environment:\t<none>\n');
    return;
  }
  if (from.length > 0) {
    w.write(2, 'Environment Variables from:\n');
    for (const f of from) {
      const [kind, name, optional] = f.configMapRef
        ? ['ConfigMap', f.configMapRef.name, f.configMapRef.optional]
        : ['Secret', f.secretRef?.name, f.secretRef?.optional];
      w.write(3, `${name}\t${kind}${f.prefix ? ` with prefix '${f.prefix}'` : ''}\tOptional: ${optional ? 'true' : 'false'}\n`);
    }
  }
  if (env.length === 0) return;
  w.write(2, 'Environment:\n');
  for (const e of env) {
    const v = e.valueFrom;
    let value = e.value ?? '';
    if (v?.fieldRef) value = ` (${v.fieldRef.apiVersion ?? 'v1'}:${v.fieldRef.fieldPath})`;
    else if (v?.resourceFieldRef) value = `${v.resourceFieldRef.resource} (${v.resourceFieldRef.containerName ?? c.name})`;
    else if (v?.secretKeyRef) value = `<set to the key '${v.secretKeyRef.key}' in secret '${v.secretKeyRef.name}'>  Optional: ${v.secretKeyRef.optional ? 'true' : 'false'}`;
    else if (v?.configMapKeyRef) value = `<set to the key '${v.configMapKeyRef.key}' of config map '${v.configMapKeyRef.name}'>  Optional: ${v.configMapKeyRef.optional ? 'true' : 'false'}`;
    w.write(3, `${e.name}:\t${value.split('\n').join('\n' + '  '.repeat(3) + '\t')}\n`);
  }
}

function describeVolumes(w: PrefixWriter, volumes: Volume[]): void {
  if (volumes.length === 0) {
    w.write(0, 'Volumes:\t<none>\n');
    return;
  }
  w.write(0, 'Volumes:\n');
  for (const v of volumes) {
    w.write(1, `${v.name}:\n`);
    if (v.emptyDir) {
      w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n");
      w.write(2, `Medium:\t${v.emptyDir.medium ?? ''}\n`);
      w.write(2, `SizeLimit:\t${v.emptyDir.sizeLimit ?? '<unset>'}\n`);
    } else if (v.hostPath) {
      w.write(2, 'Type:\tHostPath (bare host directory volume)\n');
      w.write(2, `Path:\t${v.hostPath.path}\n`);
      w.write(2, `HostPathType:\t${v.hostPath.type ?? ''}\n`);
    } else if (v.configMap) {
      w.write(2, 'Type:\tConfigMap (a volume populated by a ConfigMap)\n');
      w.write(2, `Name:\t${v.configMap.name ?? ''}\n`);
      w.write(2, `Optional:\t${v.configMap.optional ? 'true' : 'false'}\n`);
    } else if (v.secret) {
      w.write(2, 'Type:\tSecret (a volume populated by a Secret)\n');
      w.write(2, `SecretName:\t${v.secret.secretName ?? ''}\n`);
      w.write(2, `Optional:\t${v.secret.optional ? 'true' : 'false'}\n`);
    } else if (v.downwardAPI) {
      w.write(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n');
      w.write(2, 'Items:\n');
      for (const item of v.downwardAPI.items ?? []) {
        w.write(3, `${item.fieldRef?.fieldPath ?? item.resourceFieldRef?.resource ?? ''} -> ${item.path}\n`);
      }
    } else {
      w.write(2, 'Type:\t<unknown>\n');
    }
  }
}

export function describeEvents(w: PrefixWriter, events: Event[] | undefined, now: number): void {
  if (!events || events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  w.write(0, 'Events:\n');
  w.write(1, 'Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  const sorted = [...events].sort((a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? ''));
  for (const e of sorted) {
    const last = eventTime(e);
    const first = e.firstTimestamp ?? last;
    const lastAge = last ? humanDuration(now - Date.parse(last)) : '<unknown>';
    const interval =
      (e.count ?? 1) > 1 && first ? `${lastAge} (x${e.count} over ${humanDuration(now - Date.parse(first))})` : lastAge;
    const source = e.source?.component ? e.source.component + (e.source.host ? `, ${e.source.host}` : '') : (e.reportingComponent ?? '');
    w.write(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

function eventTime(e: Event): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
}
