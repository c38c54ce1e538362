/**
 * @module The kubelet's stats provider (cAdvisor's job, read straight from the cgroups): node, pod
 * and container CPU and memory for /stats/summary and metrics.k8s.io, and a pod's processes for
 * the dashboard. CPU is a rate between two readings of the cumulative counter, so readings are
 * kept per cgroup: a request reads afresh (at most once a second) and rates against the last
 * reading at least MIN_WINDOW_MS older; a cgroup seen for the first time is read again after
 * MIN_WINDOW_MS so even the first `kubectl top` has a rate. Nothing runs between requests.
 */
import { Annotations } from '../core/annotations.js';
import type { Layout } from '../core/layout.js';
import type { CgroupStats, CgroupStatsReader, Clock, NodeStatsAccess, OciContainerInfo, ProcessReader } from '../core/ports.js';
import {
  cpuStats,
  memoryStats,
  processCpuMillicores,
  type ContainerProcesses,
  type ContainerStats,
  type PodProcesses,
  type PodStats,
  type ProcessRow,
  type StatsSample,
  type StatsSummary,
} from '../core/stats.js';
import type { Pod } from '../core/types.js';
import { isSandbox, type RuntimeState } from './runtime-state.js';

/** The shortest window a CPU rate is computed over. */
export const MIN_WINDOW_MS = 1000;
/** Readings older than this are dropped (a cgroup nobody asked about for a while). */
const KEEP_MS = 5 * 60_000;

export interface StatsProviderDeps {
  layout: Layout;
  /** The runtime's containers, by pod (the agent's RuntimeState). */
  state: Pick<RuntimeState, 'podUids' | 'podContainers'>;
  cgroups: CgroupStatsReader;
  processes: ProcessReader;
  clock: Clock;
  nodeName: string;
  /** When the node (daemon) started, for the summary's startTime. */
  nodeStartTime: number;
  memoryCapacityBytes: number;
  /** Waits between the two first readings of a new cgroup (a real sleep; tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

interface Readings {
  /** Oldest first, at most 3. */
  list: CgroupStats[];
  usedAt: number;
}

const NODE_KEY = '<node>';

export class StatsProvider implements NodeStatsAccess {
  private readonly readings = new Map<string, Readings>();
  private readonly processCpu = new Map<string, { at: number; cpuNanos: number }>();

  constructor(private readonly d: StatsProviderDeps) {}

  async summary(): Promise<StatsSummary & { windowStart?: number }> {
    const pods = this.runningPods();
    const paths: string[] = [];
    for (const p of pods) paths.push(p.podCgroup, ...p.containers.map((c) => this.containerCgroup(p.podCgroup, c)));
    const samples = await this.sample([NODE_KEY, ...paths]);
    const node = samples.get(NODE_KEY);
    const nodeStart = new Date(this.d.nodeStartTime).toISOString();
    const out: StatsSummary & { windowStart?: number } = {
      node: node
        ? { nodeName: this.d.nodeName, startTime: nodeStart, cpu: cpuStats(node), memory: memoryStats(node.current, this.d.memoryCapacityBytes) }
        : { nodeName: this.d.nodeName, startTime: nodeStart, cpu: { time: nodeStart, usageCoreNanoSeconds: 0 }, memory: { time: nodeStart, usageBytes: 0, workingSetBytes: 0, rssBytes: 0 } },
      pods: [],
      ...(node?.previous ? { windowStart: node.previous.timestamp } : {}),
    };
    for (const p of pods) {
      const podSample = samples.get(p.podCgroup);
      if (!podSample) continue;
      const containers: ContainerStats[] = [];
      for (const c of p.containers) {
        if (isSandbox(c)) continue;
        const s = samples.get(this.containerCgroup(p.podCgroup, c));
        if (!s) continue;
        containers.push({
          name: c.annotations[Annotations.containerName] ?? '',
          startTime: c.startedAt ?? c.createdAt,
          cpu: cpuStats(s),
          memory: memoryStats(s.current),
        });
      }
      const stats: PodStats = {
        podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
        startTime: p.startTime,
        containers,
        cpu: cpuStats(podSample),
        memory: memoryStats(podSample.current),
      };
      out.pods.push(stats);
    }
    return out;
  }

  async podProcesses(pod: Pod): Promise<PodProcesses> {
    const uid = pod.metadata?.uid ?? '';
    const all = this.d.state.podContainers(uid);
    const sandbox = newestRunningSandbox(all);
    const podCgroup = sandbox?.annotations[Annotations.podCgroup] ?? this.d.layout.podCgroup(uid);
    // The current instance of each container (and the running sandbox): what runs now.
    const current = new Map<string, OciContainerInfo>();
    for (const c of all) {
      if (isSandbox(c)) continue;
      const name = c.annotations[Annotations.containerName] ?? '';
      const had = current.get(name);
      if (!had || Number(c.annotations[Annotations.restartCount] ?? 0) >= Number(had.annotations[Annotations.restartCount] ?? 0)) current.set(name, c);
    }
    const shown = [...(sandbox ? [sandbox] : []), ...current.values()];
    const cgroups = shown.map((c) => this.containerCgroup(podCgroup, c));
    const running = shown.filter((c) => c.status === 'running' || c.status === 'created');
    const samples = await this.sample(running.map((c) => this.containerCgroup(podCgroup, c)), false);
    const now = this.d.clock.now();
    const containers: ContainerProcesses[] = [];
    for (const [i, c] of shown.entries()) {
      const cgroup = cgroups[i];
      const live = c.status === 'running' || c.status === 'created';
      const pids = live ? await this.d.cgroups.pids(cgroup) : [];
      const rows = await this.d.processes.read(pids);
      const s = samples.get(cgroup);
      const type = isSandbox(c) ? 'sandbox' : c.annotations[Annotations.containerType] === 'init' ? 'init' : 'app';
      containers.push({
        name: type === 'sandbox' ? 'infra' : (c.annotations[Annotations.containerName] ?? ''),
        type,
        containerID: c.id,
        restartCount: Number(c.annotations[Annotations.restartCount] ?? 0),
        state: c.status,
        cgroup,
        ...(s ? { usage: { ...rateOf(s), memoryWorkingSetBytes: s.current.memoryWorkingSetBytes, memoryRssBytes: s.current.memoryRssBytes } } : {}),
        processes: rows.map((r) => this.withCpuRate(r, now)).sort((a, b) => a.nsPid - b.nsPid),
      });
    }
    return {
      kind: 'PodProcesses',
      apiVersion: 'node.peapod.io/v1alpha1',
      metadata: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid },
      shareProcessNamespace: pod.spec?.shareProcessNamespace === true,
      podCgroup,
      timestamp: new Date(now).toISOString(),
      containers,
    };
  }

  private withCpuRate(r: import('../core/ports.js').ProcessInfo, now: number): ProcessRow {
    const key = `${r.pid}:${r.startedAt}`;
    const rate = processCpuMillicores(this.processCpu.get(key), now, r.cpuNanos);
    this.processCpu.set(key, { at: now, cpuNanos: r.cpuNanos });
    if (this.processCpu.size > 20_000) this.processCpu.clear();
    return rate !== undefined ? { ...r, cpuMillicores: rate } : { ...r };
  }

  private containerCgroup(podCgroup: string, c: OciContainerInfo): string {
    return `${podCgroup}/${c.id}`;
  }

  /** Pods with a running sandbox, their cgroup and running containers. */
  private runningPods(): { uid: string; name: string; namespace: string; podCgroup: string; startTime: string; containers: OciContainerInfo[] }[] {
    const out = [];
    for (const uid of this.d.state.podUids()) {
      const all = this.d.state.podContainers(uid);
      const sandbox = newestRunningSandbox(all);
      if (!sandbox) continue;
      out.push({
        uid,
        name: sandbox.annotations[Annotations.podName] ?? '',
        namespace: sandbox.annotations[Annotations.podNamespace] ?? '',
        podCgroup: sandbox.annotations[Annotations.podCgroup] ?? this.d.layout.podCgroup(uid),
        startTime: sandbox.startedAt ?? sandbox.createdAt,
        containers: all.filter((c) => !isSandbox(c) && c.status === 'running' && c.annotations[Annotations.sandboxId] === sandbox.id),
      });
    }
    return out;
  }

  /**
   * Reads every key now (unless read less than a second ago) and returns each with the newest
   * earlier reading at least MIN_WINDOW_MS older. With `waitForRate`, keys read for the first
   * time are read once more after MIN_WINDOW_MS.
   */
  private async sample(keys: string[], waitForRate = true): Promise<Map<string, StatsSample>> {
    const now = this.d.clock.now();
    this.forgetOld(now);
    await this.readAll(keys.filter((k) => now - (this.readings.get(k)?.list.at(-1)?.timestamp ?? 0) >= MIN_WINDOW_MS));
    const fresh = keys.filter((k) => (this.readings.get(k)?.list.length ?? 0) === 1);
    if (waitForRate && fresh.length > 0) {
      await (this.d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(MIN_WINDOW_MS);
      await this.readAll(fresh);
    }
    const out = new Map<string, StatsSample>();
    for (const k of keys) {
      const r = this.readings.get(k);
      const current = r?.list.at(-1);
      if (!r || !current) continue;
      r.usedAt = this.d.clock.now();
      const previous = [...r.list].reverse().find((s) => current.timestamp - s.timestamp >= MIN_WINDOW_MS);
      out.set(k, previous ? { previous, current } : { current });
    }
    return out;
  }

  private async readAll(keys: string[]): Promise<void> {
    const got = await Promise.all(keys.map((k) => (k === NODE_KEY ? this.d.cgroups.readNode() : this.d.cgroups.read(k)).catch(() => undefined)));
    for (const [i, k] of keys.entries()) {
      const s = got[i];
      if (!s) {
        this.readings.delete(k);
        continue;
      }
      const r = this.readings.get(k) ?? { list: [], usedAt: s.timestamp };
      r.list.push(s);
      if (r.list.length > 3) r.list.shift();
      this.readings.set(k, r);
    }
  }

  private forgetOld(now: number): void {
    for (const [k, r] of this.readings) if (now - r.usedAt > KEEP_MS) this.readings.delete(k);
  }
}

function rateOf(s: StatsSample): { cpuNanoCores?: number } {
  const c = cpuStats(s).usageNanoCores;
  return c !== undefined ? { cpuNanoCores: c } : {};
}

function newestRunningSandbox(all: OciContainerInfo[]): OciContainerInfo | undefined {
  return all.filter((c) => isSandbox(c) && c.status === 'running').sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
}
