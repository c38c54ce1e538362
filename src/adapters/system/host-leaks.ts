/**
 * @module What one peapod instance (one Layout) could leave on the host after its pods are gone:
 * mounts, pinned netns, veths on its bridge, conmon processes, cgroups, CNI iptables rules and
 * the nftables table of its Service rules.
 * Used by e2e tests (nothing leaked) and usable by `peapod reset`/doctor-style diagnostics.
 * Everything is read from the kernel, so leftovers of crashed runs are found too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { KEEPER_CGROUP } from '../../core/cgroup-mode.js';
import { networkChainNames } from '../../core/cni-iptables.js';
import type { Layout } from '../../core/layout.js';
import { run } from '../process/run.js';
import { cgroupSubtree, errno, listCgroupHierarchies } from './cgroup-fs.js';
import { isPathWithin, readMountInfo } from './mountinfo.js';

export interface HostLeakOptions {
  /** Report the bridge device itself (CNI never deletes it; `peapod reset` should). Default false. */
  includeBridge?: boolean;
  /** Report the instance's cgroup root and QoS-level directories, not just pod cgroups under them. Default false. */
  includeCgroupRoot?: boolean;
  /** Skip iptables (slow-ish, ~20 ms per table dump). Default false. */
  skipIptables?: boolean;
}

/** Human-readable leftovers, one per line item; empty when the host is clean of this instance. */
export async function findHostLeaks(layout: Layout, opts: HostLeakOptions = {}): Promise<string[]> {
  const parts = await Promise.all([
    leakedMounts(layout),
    leakedNetns(layout),
    leakedBridgeState(layout, opts.includeBridge ?? false),
    leakedConmons(layout),
    leakedCgroups(layout, opts.includeCgroupRoot ?? false),
    opts.skipIptables ? Promise.resolve([]) : leakedIptablesRules(layout),
    leakedNftTables(layout),
  ]);
  return parts.flat();
}

async function leakedMounts(layout: Layout): Promise<string[]> {
  const mounts = await readMountInfo();
  return mounts
    .filter((m) => isPathWithin(m.mountPoint, layout.dataDir) || isPathWithin(m.mountPoint, layout.runDir))
    .map((m) => `mount: ${m.fsType} on ${m.mountPoint}`);
}

async function leakedNetns(layout: Layout): Promise<string[]> {
  const prefix = `${layout.config.instance}-`;
  const names = await readdirOrEmpty('/run/netns');
  return names.filter((n) => n.startsWith(prefix)).map((n) => `netns: /run/netns/${n}`);
}

async function leakedBridgeState(layout: Layout, includeBridge: boolean): Promise<string[]> {
  const bridge = layout.config.bridge;
  if (!bridge) return [];
  const out: string[] = [];
  const ports = await readdirOrEmpty(`/sys/class/net/${bridge}/brif`);
  for (const p of ports) out.push(`veth: ${p} attached to bridge ${bridge}`);
  if (includeBridge && (await readdirOrEmpty(`/sys/class/net/${bridge}`)).length > 0) out.push(`bridge: ${bridge}`);
  return out;
}

/** conmon processes whose command line mentions this instance's run dir (its runc root, exit dir). */
export function conmonMatches(argv: readonly string[], runDir: string): boolean {
  if (argv.length === 0) return false;
  const exe = argv[0].split('/').pop();
  if (exe !== 'conmon') return false;
  return argv.some((a) => isPathWithin(a, runDir) || a.includes(`${runDir}/`));
}

async function leakedConmons(layout: Layout): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdirOrEmpty('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let raw: string;
    try {
      raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const argv = raw.split('\0').filter((a) => a !== '');
    if (conmonMatches(argv, layout.runDir)) {
      const id = argv[argv.indexOf('-c') + 1] ?? '?';
      out.push(`process: conmon pid ${pid} for container ${id}`);
    }
  }
  return out;
}

async function leakedCgroups(layout: Layout, includeRoot: boolean): Promise<string[]> {
  const out: string[] = [];
  const rel = layout.cgroupRoot.replace(/^\/+/, '');
  for (const h of await listCgroupHierarchies()) {
    const top = `${h}/${rel}`;
    // The QoS levels belong to the instance like its root (the kubelet keeps them too).
    // So does a delegated scope's keeper leaf (cgroup-root.ts).
    const levels = new Set([top, `${top}/${KEEPER_CGROUP}`, ...(['Burstable', 'BestEffort'] as const).map((q) => `${h}${layout.qosCgroup(q)}`)]);
    for (const dir of await cgroupSubtree(top)) {
      if (levels.has(dir) && !includeRoot) continue;
      out.push(`cgroup: ${dir}`);
    }
  }
  return out;
}

/** Lines of an iptables-save dump tagged by the CNI plugins with this network's name. */
export function iptablesLinesFor(dump: string, networkName: string): string[] {
  const tags = [`name: \\"${networkName}\\"`, `name: "${networkName}"`];
  return dump.split('\n').filter((l) => l.startsWith('-A ') && tags.some((t) => l.includes(t)));
}

/** The network's own FORWARD and masquerade chains (cni-iptables.ts), which outlive their rules if emptied by hand. */
export function iptablesChainsFor(dump: string, networkName: string): string[] {
  const chains = networkChainNames(networkName);
  return dump
    .split('\n')
    .map((l) => chains.find((c) => l.startsWith(`:${c} `)))
    .filter((c): c is string => c !== undefined);
}

async function leakedIptablesRules(layout: Layout): Promise<string[]> {
  const out: string[] = [];
  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    const res = await run(cmd, [], { allowFailure: true }).catch(() => undefined);
    if (!res || res.exitCode !== 0) continue;
    const family = cmd.replace('-save', '');
    for (const l of iptablesLinesFor(res.stdout, layout.cniNetworkName)) out.push(`${family}: ${l}`);
    for (const c of iptablesChainsFor(res.stdout, layout.cniNetworkName)) out.push(`${family}: chain ${c}`);
  }
  return out;
}

/** The instance's Service rules table (nothing when nft is not installed: then there is none). */
async function leakedNftTables(layout: Layout): Promise<string[]> {
  const res = await run('nft', ['list', 'tables'], { allowFailure: true }).catch(() => undefined);
  if (!res || res.exitCode !== 0) return [];
  return res.stdout
    .split('\n')
    .filter((l) => l.trim() === `table ip ${layout.serviceRulesTable}`)
    .map((l) => `nftables: ${l.trim()}`);
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return [];
    throw err;
  }
}
