/**
 * @module Removing what the CNI plugins could not: ipMasq/portmap rules of a sandbox whose netns
 * is gone (P1), host-local leases of a failed DEL, and on reset the network's rules (its own
 * FORWARD and masquerade chains and jumps included) plus the shared CNI chains when no other network still uses
 * them. Only rules tagged with our network name (or, for the comment-less rules of the firewall
 * plugin earlier peapods ran, addresses of our pods) are ever touched.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { cidrContains } from '../../core/cni-config.js';
import {
  isNetworkRule,
  networkChainNames,
  networkTag,
  parseIptablesSave,
  planCleanup,
  ruleAddresses,
  sandboxTag,
  type SavedRule,
} from '../../core/cni-iptables.js';
import { run } from '../process/run.js';

export interface SweepScope {
  /** Only this sandbox's rules; without it, every rule of the network. */
  sandboxId?: string;
  /** sandboxId is only a prefix (a netns without cached state names the first 12 characters). */
  idPrefix?: boolean;
  /** Pod addresses whose firewall-plugin rules (in CNI-FORWARD) go too. */
  ips?: string[];
  /** Every firewall-plugin rule for an address in this CIDR goes too. */
  podCidr?: string;
  sharedChains?: boolean;
  /** The network's own FORWARD and masquerade chains and the jumps to them go too (reset). */
  networkRules?: boolean;
}

export async function sweepIptables(network: string, scope: SweepScope): Promise<string[]> {
  // A plugin of another sandbox may change the rules between save and restore, which fails the
  // whole batch: read again and retry once.
  try {
    return await sweepOnce(network, scope);
  } catch {
    return await sweepOnce(network, scope);
  }
}

async function sweepOnce(network: string, scope: SweepScope): Promise<string[]> {
  const saved = await run('iptables-save', [], { allowFailure: true });
  if (saved.exitCode !== 0) return [];
  const tag = scope.sandboxId !== undefined ? sandboxTag(network, scope.sandboxId, !scope.idPrefix) : networkTag(network);
  const ips = new Set(scope.ips ?? []);
  const match = (rule: SavedRule): boolean => {
    if (rule.comment?.includes(tag)) return true;
    if (scope.networkRules && isNetworkRule(rule, network)) return true;
    if (rule.table !== 'filter' || rule.chain !== 'CNI-FORWARD') return false;
    return ruleAddresses(rule).some((ip) => ips.has(ip) || (scope.podCidr !== undefined && cidrContains(scope.podCidr, ip)));
  };
  const plan = planCleanup(parseIptablesSave(saved.stdout), {
    match,
    sharedChains: scope.sharedChains ?? false,
    chains: scope.networkRules ? networkChainNames(network) : [],
  });
  if (plan.scripts.size === 0) return [];
  await run('iptables-restore', ['--noflush'], { input: [...plan.scripts.values()].join('') });
  return plan.removedChains;
}

/**
 * host-local keeps one file per leased address whose first line is the container id.
 * Returns the released addresses.
 */
export async function sweepIpamLeases(ipamDir: string, network: string, containerId: string, idPrefix = false): Promise<string[]> {
  const dir = `${ipamDir}/${network}`;
  const released: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/^[0-9.]+$/.test(name)) continue;
    const text = await readFile(`${dir}/${name}`, 'utf8').catch(() => '');
    const owner = text.split(/\r?\n/)[0].trim();
    if (owner === containerId || (idPrefix && owner.startsWith(containerId))) {
      await rm(`${dir}/${name}`, { force: true });
      released.push(name);
    }
  }
  return released;
}
