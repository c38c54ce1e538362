/**
 * Resources, QoS, OOM and admission (issue 4 items 5 and 6; pod-semantics §10, §14 scenarios
 * 45-47) against a real daemon and runtime, on whichever cgroup hierarchy the host mounts (v1 on
 * these CI machines, v2 in the cgv2-vm): the limits are read from the cgroup files
 * (helpers/cgroup-files.ts), oom_score_adj and the container's own view from inside it. The
 * daemon runs with --system-reserved cpu=500m,memory=1Gi so that allocatable differs from capacity.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { TestDaemon, allRunning, collect, peapodBin, podManifest } from './helpers/test-daemon.js';
import { resourceFor } from '../../src/client/resource-paths.js';
import type { Container, KubeObject, Pod } from '../../src/core/types.js';
import { stretch } from './helpers/time-factor.js';
import { CGROUP_V2, CGROUP_VERSION, cgroupDir, cgroupExists, cpuMax, cpuWeight, memoryMax, swapAllowance, v2File, weightFor } from './helpers/cgroup-files.js';

const image = 'localhost/busybox:latest';
const MiB = 1024 * 1024;
const CPU_CAPACITY = cpus().length * 1000;
const CPU_ALLOCATABLE = CPU_CAPACITY - 500;
let d: TestDaemon;

before(async () => {
  d = new TestDaemon();
  d.flags.push('--system-reserved', 'cpu=500m,memory=1Gi');
  await d.start();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});

/**
 * -997, unless the daemon lacks CAP_SYS_RESOURCE (this VM): then it cannot go below its own value
 * and clamps to it, as containerd's restrict_oom_score_adj does.
 */
function expectedGuaranteedAdj(): number {
  const pid = readFileSync(`${d.layout.runDir}/peapod.pid`, 'utf8').trim();
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  if ((BigInt(`0x${eff}`) >> 24n) & 1n) return -997;
  return Math.max(-997, Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim()));
}

function containerId(pod: Pod, index = 0): string {
  return pod.status!.containerStatuses![index].containerID!.replace(/^peapod:\/\//, '');
}

async function execText(pod: string, command: string[]): Promise<string> {
  const out = collect();
  await d.client.exec('default', pod, { command, stdout: out.stream });
  return out.text().trim();
}

async function remove(name: string): Promise<void> {
  await d.client.deletePod('default', name, { gracePeriodSeconds: 0 }).catch(() => {});
  await d.waitForPodGone(name);
}

const sleeper = (resources?: Container['resources']): Container => ({
  name: 'main',
  image,
  command: ['sleep', '3600'],
  ...(resources ? { resources } : {}),
});

describe('pod resources', { concurrency: 6 }, () => {
  test('§14.45 Burstable: cpu.shares 256 (v2: cpu.weight 10), quota 50000/100000, memory 128Mi (no swap), on the container and the pod cgroup under burstable/', async () => {
    await d.client.createPod('default', podManifest('burstable', { containers: [sleeper({ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } })] }));
    let podCgroupDir = '';
    try {
      const pod = await d.waitForPod('burstable', allRunning);
      assert.equal(pod.status!.qosClass, 'Burstable');
      const ctr = d.layout.containerCgroup(pod.metadata!.uid!, containerId(pod), 'Burstable');
      assert.equal(ctr, `${d.layout.cgroupRoot}/burstable/pod${pod.metadata!.uid}/${containerId(pod)}`);
      podCgroupDir = cgroupDir('cpu', `${d.layout.cgroupRoot}/burstable/pod${pod.metadata!.uid}`);
      assert.ok(existsSync(podCgroupDir), `${podCgroupDir} exists`);
      assert.equal(cgroupExists(`${d.layout.cgroupRoot}/pod${pod.metadata!.uid}`), false, 'not directly under the instance root');
      const inside = await execText('burstable', ['cat', '/proc/1/cgroup']);
      if (CGROUP_V2) {
        // A cgroup namespace of its own: its cgroup is its root, and /sys/fs/cgroup shows its own limits.
        assert.equal(inside, '0::/');
        assert.equal(await execText('burstable', ['cat', '/sys/fs/cgroup/memory.max']), String(128 * MiB));
        assert.equal(await execText('burstable', ['cat', '/sys/fs/cgroup/cpu.max']), '50000 100000');
        assert.equal(v2File(ctr, 'memory.oom.group'), '1', 'OOM kills take the whole container, as the kubelet sets it');
      } else {
        // The container's own view: runc put its process in that cgroup (no cgroup namespace on v1).
        assert.match(inside, new RegExp(`^\\d+:[^:]*\\bcpu\\b[^:]*:${ctr}$`, 'm'));
      }
      // The QoS level weighs at least this pod's request (other Burstable pods of this file add theirs).
      assert.ok(cpuWeight(d.layout.qosCgroup('Burstable')) >= weightFor(256), 'the burstable level weighs ≥ the pod\'s 256 shares');
      assert.equal(cpuWeight(ctr), weightFor(256));
      assert.equal(cpuMax(ctr), '50000 100000');
      assert.equal(memoryMax(ctr), String(128 * MiB));
      const swap = swapAllowance(ctr);
      if (swap !== undefined) assert.equal(swap, '0', 'no swap beyond the limit');
      const podCg = d.layout.podCgroup(pod.metadata!.uid!, 'Burstable');
      assert.equal(cpuWeight(podCg), weightFor(256));
      assert.equal(cpuMax(podCg), '50000 100000');
      assert.equal(memoryMax(podCg), String(128 * MiB));
      const adj = Number(await execText('burstable', ['cat', '/proc/1/oom_score_adj']));
      assert.equal(adj, Math.min(999, Math.max(3, 1000 - Math.floor((1000 * 64 * MiB) / totalmem()))));
      assert.ok(adj >= 3 && adj <= 999);
    } finally {
      await remove('burstable');
    }
    // A grace-0 delete leaves the store at once; the node agent removes the pod's leftovers after.
    for (let i = 0; i < stretch(100) && podCgroupDir && existsSync(podCgroupDir); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(podCgroupDir), false, 'the pod cgroup is removed with the pod');
  });

  test('§14.45 Guaranteed: request = limit ⇒ oom_score_adj -997, shares and quota from the one value', async () => {
    await d.client.createPod('default', podManifest('guaranteed', { containers: [sleeper({ limits: { cpu: '100m', memory: '48Mi' } })] }));
    try {
      const pod = await d.waitForPod('guaranteed', allRunning);
      assert.equal(pod.status!.qosClass, 'Guaranteed');
      const ctr = d.layout.containerCgroup(pod.metadata!.uid!, containerId(pod), 'Guaranteed');
      assert.equal(ctr, `${d.layout.cgroupRoot}/pod${pod.metadata!.uid}/${containerId(pod)}`, 'directly under the instance root');
      assert.equal(cpuMax(d.layout.podCgroup(pod.metadata!.uid!, 'Guaranteed')), '10000 100000');
      for (const level of ['burstable', 'besteffort']) {
        assert.equal(cgroupExists(`${d.layout.cgroupRoot}/${level}/pod${pod.metadata!.uid}`), false, `not under ${level}`);
      }
      assert.equal(cpuWeight(ctr), weightFor(102));
      assert.equal(cpuMax(ctr), '10000 100000');
      assert.equal(memoryMax(ctr), String(48 * MiB));
      assert.equal(await execText('guaranteed', ['cat', '/proc/1/oom_score_adj']), String(expectedGuaranteedAdj()));
    } finally {
      await remove('guaranteed');
    }
  });

  test('§14.45 BestEffort: no resources ⇒ shares 2, no quota, no memory limit, oom_score_adj 1000', async () => {
    await d.client.createPod('default', podManifest('besteffort', { containers: [sleeper()] }));
    try {
      const pod = await d.waitForPod('besteffort', allRunning);
      assert.equal(pod.status!.qosClass, 'BestEffort');
      const ctr = d.layout.containerCgroup(pod.metadata!.uid!, containerId(pod), 'BestEffort');
      assert.equal(ctr, `${d.layout.cgroupRoot}/besteffort/pod${pod.metadata!.uid}/${containerId(pod)}`);
      assert.equal(cpuWeight(`${d.layout.cgroupRoot}/besteffort`), weightFor(2));
      assert.equal(cpuWeight(ctr), weightFor(2));
      assert.equal(cpuMax(ctr), 'max 100000');
      assert.equal(memoryMax(ctr), 'max', 'no memory limit');
      assert.equal(cpuWeight(d.layout.podCgroup(pod.metadata!.uid!, 'BestEffort')), weightFor(2));
      assert.equal(await execText('besteffort', ['cat', '/proc/1/oom_score_adj']), '1000');
    } finally {
      await remove('besteffort');
    }
  });

  test('§14.46 OOMKilled: the main process over a 32Mi limit ⇒ terminated OOMKilled 137; Always ⇒ restarts, then CrashLoopBackOff', async () => {
    const oom = (restartPolicy: 'Never' | 'Always'): Pod =>
      podManifest(`oom-${restartPolicy.toLowerCase()}`, {
        restartPolicy,
        containers: [{ name: 'hog', image, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], resources: { limits: { memory: '32Mi' } } }],
      });
    await d.client.createPod('default', oom('Never'));
    await d.client.createPod('default', oom('Always'));
    try {
      const never = await d.waitForPod('oom-never', (p) => p.status?.phase === 'Failed', 30_000);
      const t = never.status!.containerStatuses![0].state!.terminated!;
      assert.equal(t.reason, 'OOMKilled');
      assert.equal(t.exitCode, 137);
      const always = await d.waitForPod(
        'oom-always',
        (p) => {
          const c = p.status?.containerStatuses?.[0];
          return (c?.restartCount ?? 0) >= 1 && c?.lastState?.terminated?.reason === 'OOMKilled' && c.state?.waiting?.reason === 'CrashLoopBackOff';
        },
        45_000,
      );
      assert.equal(always.status!.containerStatuses![0].lastState!.terminated!.exitCode, 137);
    } finally {
      await Promise.all([remove('oom-never'), remove('oom-always')]);
    }
  });

  const childTitle = CGROUP_V2
    ? '§14.46 cgroup v2: a child over the limit takes the whole container down (memory.oom.group, as the kubelet sets it): OOMKilled 137, restarted'
    : '§14.46 a child killed by the OOM killer: the container keeps running and is not OOMKilled';
  test(childTitle, async () => {
    const script = 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd-rc=$?; exec sleep 3600';
    await d.client.createPod('default', podManifest('oom-child', { containers: [{ name: 'sh', image, command: ['sh', '-c', script], resources: { limits: { memory: '32Mi' } } }] }));
    try {
      if (CGROUP_V2) {
        const p = await d.waitForPod('oom-child', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 45_000);
        const last = p.status!.containerStatuses![0].lastState!.terminated!;
        assert.deepEqual([last.reason, last.exitCode], ['OOMKilled', 137]);
        return;
      }
      await d.waitForPod('oom-child', allRunning);
      const deadline = Date.now() + stretch(15_000);
      let logs = '';
      while (Date.now() < deadline && !logs.includes('dd-rc=')) {
        logs = await d.logs('oom-child', 'sh');
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(logs, /dd-rc=137/);
      await new Promise((r) => setTimeout(r, stretch(1500))); // a relist or exit event would have shown by now
      const pod = await d.client.getPod('default', 'oom-child');
      const c = pod.status!.containerStatuses![0];
      assert.ok(c.state?.running, `still running: ${JSON.stringify(c.state)}`);
      assert.equal(c.restartCount, 0);
      assert.equal(c.lastState?.terminated, undefined);
    } finally {
      await remove('oom-child');
    }
  });

  /** The node's name: pods bound to it by nodeName skip the scheduler and meet the kubelet's admission. */
  const nodeName = async (): Promise<string> => (await d.client.listObjects<KubeObject>(resourceFor('v1', 'Node'), undefined)).items[0].metadata!.name!;

  test('§14.47 admission: more memory than the node has ⇒ Failed OutOfmemory, nothing started; a smaller request runs', async () => {
    const big = 2 * totalmem();
    const node = await nodeName();
    const ask = (name: string, memory: string): Pod => podManifest(name, { nodeName: node, containers: [sleeper({ requests: { memory } })] });
    await d.client.createPod('default', ask('too-big', String(big)));
    try {
      const pod = await d.waitForPod('too-big', (p) => p.status?.phase === 'Failed');
      assert.equal(pod.status!.reason, 'OutOfmemory');
      assert.match(
        pod.status!.message!,
        new RegExp(`^Pod was rejected: Node didn't have enough resource: memory, requested: ${big}, used: \\d+, capacity: ${totalmem() - 1024 ** 3}$`),
      );
      for (const c of pod.status!.containerStatuses ?? []) {
        assert.equal(c.containerID, undefined);
        assert.ok(c.state?.waiting, `never started: ${JSON.stringify(c.state)}`);
      }
      for (const cg of d.layout.podCgroupCandidates(pod.metadata!.uid!)) assert.equal(cgroupExists(cg), false, `no pod cgroup ${cg}`);
      const events = await d.client.listEvents('default', { fieldSelector: `involvedObject.name=too-big` });
      assert.ok(events.items.some((e) => (e as { reason?: string }).reason === 'OutOfmemory'));
      // Stays rejected: no later sync starts it.
      await new Promise((r) => setTimeout(r, stretch(1000)));
      const again = await d.client.getPod('default', 'too-big');
      assert.equal(again.status!.phase, 'Failed');
      assert.ok((again.status!.containerStatuses ?? []).every((c) => c.containerID === undefined));

      await d.client.createPod('default', ask('fits', '64Mi'));
      await d.waitForPod('fits', allRunning);
    } finally {
      await Promise.all([remove('too-big'), remove('fits')]);
    }
  });

  test('§14.47 admission: cpu above allocatable, and an init container plus the sidecar before it', async () => {
    const node = await nodeName();
    await d.client.createPod('default', podManifest('cpu-hog', { nodeName: node, containers: [sleeper({ requests: { cpu: String(CPU_CAPACITY / 1000 + 1) } })] }));
    const sidecarCpu = Math.floor(CPU_ALLOCATABLE / 2);
    const initCpu = CPU_ALLOCATABLE - sidecarCpu + 1;
    await d.client.createPod(
      'default',
      podManifest('init-hog', {
        nodeName: node,
        initContainers: [
          { name: 'side', image, command: ['sleep', '3600'], restartPolicy: 'Always', resources: { requests: { cpu: `${sidecarCpu}m` } } },
          { name: 'init', image, command: ['true'], resources: { requests: { cpu: `${initCpu}m` } } },
        ],
        containers: [sleeper({ requests: { cpu: '10m' } })],
      }),
    );
    try {
      const hog = await d.waitForPod('cpu-hog', (p) => p.status?.phase === 'Failed');
      assert.equal(hog.status!.reason, 'OutOfcpu');
      assert.match(hog.status!.message!, new RegExp(`^Pod was rejected: Node didn't have enough resource: cpu, requested: ${CPU_CAPACITY + 1000}, used: \\d+, capacity: ${CPU_ALLOCATABLE}$`));
      const init = await d.waitForPod('init-hog', (p) => p.status?.phase === 'Failed');
      assert.equal(init.status!.reason, 'OutOfcpu');
      assert.match(init.status!.message!, new RegExp(`cpu, requested: ${sidecarCpu + initCpu}, used: \\d+, capacity: ${CPU_ALLOCATABLE}$`));
      for (const c of [...(init.status!.initContainerStatuses ?? []), ...(init.status!.containerStatuses ?? [])]) assert.equal(c.containerID, undefined);
    } finally {
      await Promise.all([remove('cpu-hog'), remove('init-hog')]);
    }
  });

  test('the Node: capacity, allocatable minus --system-reserved, conditions, nodeInfo; refreshed; peapod get nodes', async () => {
    const nodes = await d.client.listObjects<KubeObject>(resourceFor('v1', 'Node'), undefined);
    assert.equal(nodes.items.length, 1);
    const node = nodes.items[0];
    type NodeStatus = {
      capacity: Record<string, string>;
      allocatable: Record<string, string>;
      conditions: { type: string; status: string; lastHeartbeatTime: string }[];
      nodeInfo: Record<string, string>;
      addresses: { type: string; address: string }[];
    };
    const s = node.status as NodeStatus;
    assert.equal(s.capacity.cpu, String(CPU_CAPACITY / 1000));
    assert.equal(s.allocatable.cpu, `${CPU_ALLOCATABLE}m`);
    assert.equal(s.capacity.pods, '110');
    assert.equal(s.capacity.memory, `${totalmem() / 1024}Ki`);
    assert.equal(s.allocatable.memory, `${totalmem() / 1024 - 1024 * 1024}Ki`);
    assert.deepEqual(
      s.conditions.map((c) => `${c.type}=${c.status}`),
      ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
    );
    assert.equal(s.nodeInfo.kernelVersion, release());
    // crun where it works (never on a v1 hybrid host), runc otherwise; the version is the runtime's own
    // crun where it works (installed, and never on a v1 hybrid host: it refuses those), else runc
    const runtime = process.env.PEAPOD_E2E_RUNTIME ?? (CGROUP_VERSION !== 'hybrid' && existsSync('/usr/bin/crun') ? 'crun' : 'runc');
    assert.match(s.nodeInfo.containerRuntimeVersion, new RegExp(`^${runtime}://\\d`));
    assert.ok(s.addresses.some((a) => a.type === 'InternalIP'));
    const single = await d.client.getObject<KubeObject>('v1', 'Node', undefined, node.metadata!.name!);
    assert.equal(single.metadata!.name, node.metadata!.name);

    const { stdout } = await promisify(execFile)(peapodBin, ['get', 'nodes'], { env: { ...process.env, PEAPOD_SOCKET: d.socket } });
    assert.match(stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    assert.match(stdout, new RegExp(`^${node.metadata!.name}\\s+Ready\\s+<none>`, 'm'));

    const beat = s.conditions[3].lastHeartbeatTime;
    const deadline = Date.now() + stretch(15_000);
    let later = beat;
    while (Date.now() < deadline && later === beat) {
      await new Promise((r) => setTimeout(r, 1000));
      const n = await d.client.getObject<KubeObject>('v1', 'Node', undefined, node.metadata!.name!);
      later = (n.status as NodeStatus).conditions[3].lastHeartbeatTime;
    }
    assert.notEqual(later, beat, 'the heartbeat moves within ~10 s');
  });
});
