/**
 * @module The network's own FORWARD rules (cni-iptables.ts forwardRules): one chain per network
 * accepting the pod CIDR, jumped to from FORWARD. They replace the firewall plugin, whose per-pod
 * ~10 iptables execs sat on the critical path of every pod start. Removal is by the sweep at
 * reset (cni-leftovers.ts), which finds them by their comment.
 */
import { forwardRules } from '../../core/cni-iptables.js';
import { run } from '../process/run.js';

/**
 * Makes sure the jump and the chain are in place. The common case (already there) costs one
 * `iptables -C`. Not safe to run twice at once for one network: callers serialise.
 */
export async function installForwardRules(network: string, podCidr: string): Promise<'present' | 'installed'> {
  const f = forwardRules(network, podCidr);
  // -w: wait for the xtables lock the plugins of concurrent pod setups hold, instead of failing.
  const check = await run('iptables', ['-w', '-C', 'FORWARD', ...f.jump], { allowFailure: true });
  if (check.exitCode === 0) return 'present';

  const created = await run('iptables', ['-w', '-N', f.chain], { allowFailure: true });
  if (created.exitCode !== 0 && !/exists/i.test(created.stderr)) {
    throw new Error(`iptables -N ${f.chain} failed: ${created.stderr.trim() || `exit status ${created.exitCode}`}`);
  }
  // A chain left by a crash half-way, or with rules for an earlier pod CIDR: start over.
  await run('iptables', ['-w', '-F', f.chain]);
  for (const rule of f.rules) await run('iptables', ['-w', '-A', f.chain, ...rule]);
  await run('iptables', ['-w', '-I', 'FORWARD', '1', ...f.jump]);
  return 'installed';
}
