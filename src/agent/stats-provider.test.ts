import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Annotations } from '../core/annotations.js';
import { Layout } from '../core/layout.js';
import type { CgroupStats, CgroupStatsReader, OciContainerInfo, ProcessInfo, ProcessReader } from '../core/ports.js';
import type { Pod } from '../core/types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { StatsProvider } from './stats-provider.js';

const layout = new Layout({ dataDir: '/d', runDir: '/r', socketPath: '/r/s', podCidr: '10.91.0.0/24', bridge: 'pptest0', instance: 'pp', nodeName: 'n' });
const POD_CG = '/pp/burstable/podu1';

function container(id: string, type: 'sandbox' | 'app' | 'init', name: string, restartCount = 0, status: OciContainerInfo['status'] = 'running'): OciContainerInfo {
  return {
    id,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    annotations: {
      [Annotations.podUid]: 'u1',
      [Annotations.podName]: 'web',
      [Annotations.podNamespace]: 'default',
      [Annotations.containerType]: type,
      [Annotations.containerName]: name,
      [Annotations.restartCount]: String(restartCount),
      [Annotations.sandboxId]: 'sb',
      ...(type === 'sandbox' ? { [Annotations.podCgroup]: POD_CG } : {}),
    },
  };
}

/** Counters that grow at a fixed rate per cgroup with the fake clock: 250m for every cgroup, 0.5 cores for the node. */
class GrowingCgroups implements CgroupStatsReader {
  reads: string[] = [];
  constructor(private readonly clock: FakeClock) {}
  private at(rate: number, ws: number): CgroupStats {
    const t = this.clock.now();
    return { timestamp: t, cpuUsageNanos: t * 1e6 * rate, memoryUsageBytes: ws * 2, memoryWorkingSetBytes: ws, memoryRssBytes: ws / 2 };
  }
  async read(path: string): Promise<CgroupStats | undefined> {
    this.reads.push(path);
    return path.startsWith(POD_CG) ? this.at(0.25, 4096) : undefined;
  }
  async readNode(): Promise<CgroupStats> {
    this.reads.push('<node>');
    return this.at(0.5, 1 << 20);
  }
  async pids(path: string): Promise<number[]> {
    return path.endsWith('/app1') ? [300, 301] : path.endsWith('/sb') ? [200] : [];
  }
}

class Procs implements ProcessReader {
  constructor(private readonly clock: FakeClock) {}
  async read(pids: readonly number[]): Promise<ProcessInfo[]> {
    // every process has used 0.1 core since time 0
    return pids.map((pid) => ({ pid, nsPid: pid - 199, ppid: 1, command: `cmd${pid}`, state: 'S', cpuNanos: this.clock.now() * 1e5, rssBytes: 1024, startedAt: 0 }));
  }
}

function provider(containers: OciContainerInfo[]) {
  const clock = new FakeClock(10_000);
  const cgroups = new GrowingCgroups(clock);
  const sleeps: number[] = [];
  const p = new StatsProvider({
    layout,
    state: { podUids: () => new Set(['u1']), podContainers: () => containers },
    cgroups,
    processes: new Procs(clock),
    clock,
    nodeName: 'n',
    nodeStartTime: 0,
    memoryCapacityBytes: 4 << 20,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { p, clock, cgroups, sleeps };
}

test('first summary reads twice a second apart so it has a rate; later ones rate against the earlier reading', async () => {
  const { p, clock, cgroups, sleeps } = provider([container('sb', 'sandbox', 'POD'), container('app1', 'app', 'app'), container('old', 'app', 'app', 0, 'stopped')]);
  const s1 = await p.summary();
  assert.deepEqual(sleeps, [1000]);
  assert.equal(s1.node.cpu.usageNanoCores, 5e8);
  assert.equal(s1.node.memory.availableBytes, (4 << 20) - (1 << 20));
  assert.equal(s1.pods.length, 1);
  assert.deepEqual(s1.pods[0].podRef, { name: 'web', namespace: 'default', uid: 'u1' });
  // the stopped instance and the infra are no containers of the summary
  assert.deepEqual(s1.pods[0].containers.map((c) => [c.name, c.cpu.usageNanoCores, c.memory.workingSetBytes]), [['app', 2.5e8, 4096]]);
  assert.ok(cgroups.reads.includes(`${POD_CG}/app1`) && !cgroups.reads.includes(`${POD_CG}/old`));

  clock.advance(10_000);
  cgroups.reads = [];
  const s2 = await p.summary();
  assert.deepEqual(sleeps, [1000], 'no wait once a reading exists');
  assert.equal(s2.pods[0].cpu.usageNanoCores, 2.5e8);
  assert.equal(s2.windowStart, 11_000);
  // within a second of the last reading nothing is read again
  cgroups.reads = [];
  clock.advance(300);
  await p.summary();
  assert.deepEqual(cgroups.reads, []);
});

test('podProcesses: the infra first, then the newest instance of each container, processes by PID in the pod with a CPU rate on the second look', async () => {
  const { p, clock } = provider([container('app0', 'app', 'app', 0, 'stopped'), container('app1', 'app', 'app', 1), container('sb', 'sandbox', 'POD'), container('i1', 'init', 'setup', 0, 'stopped')]);
  const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { shareProcessNamespace: true, containers: [] } };
  const first = await p.podProcesses(pod);
  assert.equal(first.shareProcessNamespace, true);
  assert.equal(first.podCgroup, POD_CG);
  assert.deepEqual(first.containers.map((c) => [c.name, c.type, c.containerID, c.state]), [
    ['infra', 'sandbox', 'sb', 'running'],
    ['app', 'app', 'app1', 'running'],
    ['setup', 'init', 'i1', 'stopped'],
  ]);
  assert.deepEqual(first.containers[1].processes.map((r) => [r.nsPid, r.command, r.cpuMillicores]), [[101, 'cmd300', undefined], [102, 'cmd301', undefined]]);
  assert.deepEqual(first.containers[2].processes, []);
  clock.advance(2000);
  const second = await p.podProcesses(pod);
  assert.deepEqual(second.containers[1].processes.map((r) => r.cpuMillicores), [100, 100]);
  assert.equal(second.containers[1].usage?.cpuNanoCores, 2.5e8);
});
