/**
 * @module ServiceRuleWriter over the `nft` binary: each script goes to `nft -f -` (one netlink
 * batch: the kernel applies all of it or none), and the table is deleted with the instance. Also
 * the bridge-netfilter switch Services on a bridge need: without it, a pod's reply to a client pod
 * on the same bridge skips the IP hooks, conntrack never undoes the DNAT, and the client drops it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ServiceRuleWriter } from '../../core/ports.js';
import { run } from '../process/run.js';

export class NftRuleset implements ServiceRuleWriter {
  constructor(
    private readonly table: string,
    private readonly nft = 'nft',
  ) {}

  async apply(script: string): Promise<void> {
    const res = await run(this.nft, ['-f', '-'], { input: script, allowFailure: true, timeoutMs: 60_000 });
    if (res.exitCode !== 0) throw new Error(`nft -f failed (exit ${res.exitCode}): ${firstLines(res.stderr, 6)}`);
  }

  async remove(): Promise<void> {
    // `destroy` would be quieter but needs nft 1.0.8; Debian 12 has 1.0.6.
    const res = await run(this.nft, ['delete', 'table', 'ip', this.table], { allowFailure: true });
    if (res.exitCode !== 0 && !/No such file or directory/.test(res.stderr)) {
      throw new Error(`nft delete table ip ${this.table} failed: ${firstLines(res.stderr, 3)}`);
    }
  }

  /** Whether the table is in the kernel (for leak checks). */
  async exists(): Promise<boolean> {
    return (await listTables(this.nft)).includes(`ip ${this.table}`);
  }
}

/** `family name` of every nftables table in this network namespace ([] when nft is missing). */
export async function listTables(nft = 'nft'): Promise<string[]> {
  const res = await run(nft, ['list', 'tables'], { allowFailure: true }).catch(() => undefined);
  if (!res || res.exitCode !== 0) return [];
  return res.stdout
    .split('\n')
    .map((l) => /^table (\S+) (\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

/** Whether `nft` runs here at all (the package may be missing). */
export async function nftAvailable(nft = 'nft'): Promise<boolean> {
  const res = await run(nft, ['--version'], { allowFailure: true }).catch(() => undefined);
  return res?.exitCode === 0;
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/**
 * Makes bridged IPv4 traffic pass the IP netfilter hooks (what kubelet's kubenet and every
 * bridge-based Kubernetes set-up require): loads br_netfilter when its sysctl is missing, sets it
 * to 1. Returns what it found, for the log.
 */
export async function ensureBridgeNetfilter(): Promise<'enabled' | 'was-enabled' | 'unavailable'> {
  let value = await readFile(BRIDGE_NF, 'utf8').catch(() => undefined);
  if (value === undefined) {
    await run('modprobe', ['br_netfilter'], { allowFailure: true }).catch(() => undefined);
    value = await readFile(BRIDGE_NF, 'utf8').catch(() => undefined);
    if (value === undefined) return 'unavailable';
  }
  if (value.trim() === '1') return 'was-enabled';
  await writeFile(BRIDGE_NF, '1\n');
  return 'enabled';
}

function firstLines(text: string, n: number): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}
