/**
 * @module The network's own iptables chains (cni-iptables.ts networkRules): a FORWARD chain
 * accepting the pod CIDR and a nat chain masquerading its egress, each jumped to from its
 * built-in chain. They replace the firewall plugin and the bridge plugin's ipMasq, whose per-pod
 * iptables execs sat on the critical path of every pod start. Removal is by the sweep at reset
 * (cni-leftovers.ts), which finds them by their comment.
 */
import { checkJumpsScript, networkRules, type ForwardRules } from '../../core/cni-iptables.js';
import { run } from '../process/run.js';

/**
 * Makes sure the jumps and the chains are in place. The common case (all there) costs one
 * `iptables-restore` that only checks. Not safe to run twice at once for one network: callers
 * serialise.
 */
export async function installNetworkRules(network: string, podCidr: string): Promise<'present' | 'installed'> {
  const chains = networkRules(network, podCidr);
  // -w: wait for the xtables lock the plugins of concurrent pod setups hold, instead of failing.
  const check = await run('iptables-restore', ['-w', '--noflush'], { input: checkJumpsScript(chains), allowFailure: true });
  if (check.exitCode === 0) return 'present';
  // Settled, not raced: nothing is left running once this rejects.
  const outcome = await Promise.allSettled(chains.map(installChain));
  const failed = outcome.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return 'installed';
}

async function installChain(c: ForwardRules): Promise<void> {
  const iptables = (...args: string[]) => run('iptables', ['-w', '-t', c.table, ...args]);
  const check = await run('iptables', ['-w', '-t', c.table, '-C', c.from, ...c.jump], { allowFailure: true });
  if (check.exitCode === 0) return;

  const created = await run('iptables', ['-w', '-t', c.table, '-N', c.chain], { allowFailure: true });
  if (created.exitCode !== 0 && !/exists/i.test(created.stderr)) {
    throw new Error(`iptables -t ${c.table} -N ${c.chain} failed: ${created.stderr.trim() || `exit status ${created.exitCode}`}`);
  }
  // A chain left by a crash half-way, or with rules for an earlier pod CIDR: start over.
  await iptables('-F', c.chain);
  for (const rule of c.rules) await iptables('-A', c.chain, ...rule);
  await (c.first ? iptables('-I', c.from, '1', ...c.jump) : iptables('-A', c.from, ...c.jump));
}
