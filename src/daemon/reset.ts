/**
 * @module `peapod reset`: stops every pod of this instance and removes everything peapod made on
 * the host (containers, conmon processes, mounts, netns, CNI state, the bridge and its iptables
 * rules, cgroups, and the data and run dirs). Refuses without --force.
 */
import { readFileSync, rmSync } from 'node:fs';
import { Layout } from '../core/layout.js';
import { RuncRuntime } from '../adapters/runc/runc-runtime.js';
import { CniNetwork } from '../adapters/cni/cni-network.js';
import { NftRuleset } from '../adapters/nft/nft-ruleset.js';
import { OverlaySnapshotter } from '../adapters/rootfs/overlay-snapshotter.js';
import { HostPodHost } from '../adapters/system/pod-host.js';
import { readCgroupHost, removeInstanceCgroups } from '../adapters/system/cgroup-root.js';
import { runtimeChoicePath } from '../adapters/runc/detect-oci-runtime.js';
import { unmountAllUnder } from '../adapters/system/mountinfo.js';
import { killInstanceProcesses, removeServiceCgroup } from '../adapters/system/instance-processes.js';
import { DEFAULT_RUN_DIR, parseNodeFlags, UsageError } from './config.js';
import { uninstallService } from './service.js';
import { resolve } from 'node:path';
import { NODE_RESOURCE_FLAGS } from './node-flags.js';

export const RESET_USAGE = `Usage: peapod reset --force [daemon flags]

Stops every pod of the peapod instance the flags name (default: --data-dir /var/lib/peapod
--run-dir /run/peapod --bridge peapod0) and removes everything it made on this host: containers,
conmon processes, overlay and tmpfs mounts, network namespaces, CNI state, the bridge and its
iptables rules, the Service rules (nftables table), cgroups, and the data dir (store, images,
volumes, logs) and run dir. A running daemon on that run dir is stopped first; for the default
instance the systemd service (peapod service install) is disabled and its unit removed too.
This cannot be undone.

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
  // The service runs the default instance: disabled and removed first, so that systemd does not
  // start the daemon again while its pods are removed (the containers outlive the stop).
  let serviceCgroup: string | undefined;
  if (resolve(layout.runDir) === DEFAULT_RUN_DIR) {
    serviceCgroup = await uninstallService((line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
      process.stderr.write(`peapod reset: the systemd service: ${(err as Error).message}\n`);
      return undefined;
    });
  }
  await stopRunningDaemon(layout);
  const problems = await resetHost(layout, (line) => process.stdout.write(`${line}\n`));
  // Last: the containers' conmon processes in it ended with the containers above.
  if (serviceCgroup) {
    await removeServiceCgroup(serviceCgroup).then(
      (killed) => process.stdout.write(`removed the service's cgroup ${serviceCgroup}${killed.length ? ` (stopped what was left in it: ${killed.join(', ')})` : ''}\n`),
      (err: unknown) => problems.push(`the service's cgroup: ${(err as Error).message}`),
    );
  }
  if (problems.length) {
    for (const p of problems) process.stderr.write(`peapod reset: ${p}\n`);
    return 1;
  }
  process.stdout.write('peapod reset: done\n');
  return 0;
}

/** Removes everything of one instance; returns what could not be removed. */
export async function resetHost(flagLayout: Layout, say: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  // The same cgroup root the daemon used on this host (core/cgroup-mode.ts).
  const cgroupHost = await readCgroupHost(flagLayout.config.instance);
  const layout = flagLayout.withCgroupRoot(cgroupHost.plan.root);
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // The runtime that made this boot's containers (only it reads their state), runc otherwise.
  let kept: string | undefined;
  try {
    kept = readFileSync(runtimeChoicePath(layout), 'utf8').trim().split(' ')[1];
  } catch {
    kept = undefined;
  }
  const runtime = new RuncRuntime({ layout, runtimePath: kept || '/usr/sbin/runc' });
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
  say('removing the pod network (netns, CNI state, bridge, iptables rules) and the Service rules');
  await attempt('network', () => network.removeAll());
  await attempt('Service rules', () => new NftRuleset(layout.serviceRulesTable).remove());
  const pods = await host.listPodDirs().catch(() => [] as string[]);
  say(`removing ${pods.length} pod dir(s) and cgroups`);
  for (const uid of pods) {
    await attempt(`pod ${uid}`, () => host.removePodDir(uid));
    await attempt(`pod cgroup ${uid}`, () => host.removePodCgroup(uid));
  }
  await attempt('cgroup root', () => removeInstanceCgroups(cgroupHost));
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
