/**
 * @module `peapod reset`: stops every pod of this instance and removes everything peapod made on
 * the host (containers, conmon processes, mounts, netns, CNI state, the bridge and its iptables
 * rules, cgroups, and the data and run dirs). Refuses without --force.
 */
import { readFileSync, rmSync } from 'node:fs';
import { Layout } from '../core/layout.js';
import { RuncRuntime } from '../adapters/runc/runc-runtime.js';
import { CniNetwork } from '../adapters/cni/cni-network.js';
import { OverlaySnapshotter } from '../adapters/rootfs/overlay-snapshotter.js';
import { HostPodHost } from '../adapters/system/pod-host.js';
import { removeCgroupRoot } from '../adapters/system/cgroup-fs.js';
import { unmountAllUnder } from '../adapters/system/mountinfo.js';
import { killInstanceProcesses } from '../adapters/system/instance-processes.js';
import { parseNodeFlags, UsageError } from './config.js';
import { NODE_RESOURCE_FLAGS } from './node-flags.js';

export const RESET_USAGE = `Usage: peapod reset --force [daemon flags]

Stops every pod of the peapod instance the flags name (default: --data-dir /var/lib/peapod
--run-dir /run/peapod --bridge peapod0) and removes everything it made on this host: containers,
conmon processes, overlay and tmpfs mounts, network namespaces, CNI state, the bridge and its
iptables rules, cgroups, and the data dir (store, images, volumes, logs) and run dir.
A running daemon on that run dir is stopped first. This cannot be undone.

Flags:
  -f, --force        really do it (without it, reset only says what it would remove)
  --data-dir, --run-dir, --socket, --pod-cidr, --bridge   as for 'peapod serve'
`;

export async function runReset(argv: string[]): Promise<number> {
  let parsed;
  try {
    // serve's resource flags are accepted and ignored, so one flag list serves both commands
    parsed = parseNodeFlags(argv, { force: { type: 'boolean', short: 'f' }, ...NODE_RESOURCE_FLAGS });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`peapod reset: ${err.message}\n\n${RESET_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(RESET_USAGE);
    return 0;
  }
  const layout = new Layout(parsed.config);
  if (parsed.values.force !== true) {
    process.stderr.write(
      `peapod reset: would remove every pod and all state of the instance in ${layout.dataDir} and ${layout.runDir} ` +
        `(bridge ${layout.config.bridge}); run again with --force to do it\n`,
    );
    return 1;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('peapod reset: must run as root\n');
    return 1;
  }
  await stopRunningDaemon(layout);
  const problems = await resetHost(layout, (line) => process.stdout.write(`${line}\n`));
  if (problems.length) {
    for (const p of problems) process.stderr.write(`peapod reset: ${p}\n`);
    return 1;
  }
  process.stdout.write('peapod reset: done\n');
  return 0;
}

/** Removes everything of one instance; returns what could not be removed. */
export async function resetHost(layout: Layout, say: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const runtime = new RuncRuntime({ layout, runtimePath: '/usr/sbin/runc' });
  const snapshotter = new OverlaySnapshotter({ layout });
  const host = new HostPodHost({ layout });
  const network = new CniNetwork({ layout });

  const containers = await runtime.list().catch(() => []);
  say(`removing ${containers.length} container(s)`);
  for (const c of containers) await attempt(`container ${c.id.slice(0, 12)}`, () => runtime.remove(c.id));
  // Whatever runs without a record (state removed under it, a crash mid-create) goes by its cgroup.
  const strays = await killInstanceProcesses(layout).catch(() => 0);
  if (strays > 0) say(`stopped ${strays} process(es) left without a container record`);
  for (const id of await snapshotter.list().catch(() => [] as string[])) await attempt(`rootfs ${id.slice(0, 12)}`, () => snapshotter.remove(id));
  say('removing the pod network (netns, CNI state, bridge, iptables rules)');
  await attempt('network', () => network.removeAll());
  const pods = await host.listPodDirs().catch(() => [] as string[]);
  say(`removing ${pods.length} pod dir(s) and cgroups`);
  for (const uid of pods) {
    await attempt(`pod ${uid}`, () => host.removePodDir(uid));
    await attempt(`pod cgroup ${uid}`, () => host.removePodCgroup(uid));
  }
  await attempt('cgroup root', () => removeCgroupRoot(layout));
  say(`removing ${layout.dataDir} and ${layout.runDir}`);
  for (const dir of [layout.runDir, layout.dataDir]) {
    await attempt(`unmount under ${dir}`, () => unmountAllUnder(dir));
    if (!problems.some((p) => p.startsWith(`unmount under ${dir}`))) rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

async function stopRunningDaemon(layout: Layout): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(`${layout.runDir}/peapod.pid`, 'utf8').trim());
    readFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return;
  }
  process.stdout.write(`stopping the daemon (pid ${pid})\n`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
