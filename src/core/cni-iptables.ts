/**
 * @module Finding the iptables rules a CNI network left behind, from `iptables-save` text, and
 * writing the `iptables-restore --noflush` script that removes them; and the per-network FORWARD
 * and masquerade rules peapod owns (instead of the firewall plugin's and the bridge plugin's
 * ipMasq per-pod ones). Pure text work so that the
 * "never touch another network's rules" logic is unit-tested without root.
 */
import { createHash } from 'node:crypto';

export interface SavedRule {
  table: string;
  chain: string;
  /** Everything after `-A <chain> `, in iptables-save quoting (which iptables-restore reads back). */
  spec: string;
  comment?: string;
  target?: string;
}

export interface SavedTable {
  name: string;
  chains: string[];
  rules: SavedRule[];
}

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);
/** Chains the plugins share between every network on the host. */
export const SHARED_NAT_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];
export const SHARED_FILTER_CHAINS = ['CNI-FORWARD', 'CNI-ADMIN'];
const SHARED = new Set([...SHARED_NAT_CHAINS, ...SHARED_FILTER_CHAINS]);

export function parseIptablesSave(text: string): SavedTable[] {
  const tables: SavedTable[] = [];
  let current: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { name: line.slice(1).trim(), chains: [], rules: [] };
      tables.push(current);
    } else if (!current) {
      continue;
    } else if (line.startsWith(':')) {
      current.chains.push(line.slice(1).split(' ')[0]);
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const space = rest.indexOf(' ');
      const chain = space < 0 ? rest : rest.slice(0, space);
      const spec = space < 0 ? '' : rest.slice(space + 1);
      const rule: SavedRule = { table: current.name, chain, spec };
      const comment = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(spec);
      if (comment) rule.comment = comment[1] !== undefined ? comment[1].replace(/\\(.)/g, '$1') : comment[2];
      const target = /(?:^| )-[jg] (\S+)/.exec(spec);
      if (target) rule.target = target[1];
      current.rules.push(rule);
    }
  }
  return tables;
}

/**
 * The comment tag both bridge (ipMasq) and portmap put on a sandbox's rules. `exact` false
 * matches ids starting with `containerId` (all that a netns name tells about a sandbox).
 */
export function sandboxTag(network: string, containerId: string, exact = true): string {
  return `name: "${network}" id: "${containerId}${exact ? '"' : ''}`;
}

export function networkTag(network: string): string {
  return `name: "${network}" id: "`;
}

export interface CleanupPlan {
  /** iptables-restore --noflush input per table; tables with nothing to do are absent. */
  scripts: Map<string, string>;
  removedRules: SavedRule[];
  removedChains: string[];
}

export interface CleanupOptions {
  /** Rules to delete (their private CNI-* target chains go with them). */
  match: (rule: SavedRule) => boolean;
  /** Chains of ours to delete too, if present (with their rules), unless a kept rule jumps to them. */
  chains?: string[];
  /** Also remove the shared CNI chains (and the jumps into them) when no rule of another network remains. */
  sharedChains?: boolean;
}

export function planCleanup(tables: SavedTable[], opts: CleanupOptions): CleanupPlan {
  const plan: CleanupPlan = { scripts: new Map(), removedRules: [], removedChains: [] };
  for (const table of tables) {
    const removed = new Set<SavedRule>(table.rules.filter(opts.match));
    const chains = new Set<string>();
    for (const rule of removed) {
      if (rule.target?.startsWith('CNI-') && !SHARED.has(rule.target) && !BUILTIN.has(rule.target)) chains.add(rule.target);
    }
    for (const chain of opts.chains ?? []) if (!BUILTIN.has(chain) && !SHARED.has(chain)) chains.add(chain);

    if (opts.sharedChains) {
      const left = (chain: string) => table.rules.filter((r) => r.chain === chain && !removed.has(r) && !chains.has(r.chain));
      let shared: string[] = [];
      if (table.name === 'nat' && table.chains.includes('CNI-HOSTPORT-DNAT') && left('CNI-HOSTPORT-DNAT').length === 0) {
        shared = SHARED_NAT_CHAINS;
      }
      if (
        table.name === 'filter' &&
        table.chains.includes('CNI-FORWARD') &&
        left('CNI-FORWARD').every((r) => r.target === 'CNI-ADMIN') &&
        left('CNI-ADMIN').length === 0
      ) {
        shared = SHARED_FILTER_CHAINS;
      }
      for (const name of shared.filter((c) => table.chains.includes(c))) {
        chains.add(name);
        for (const r of table.rules) if (r.target === name && !chains.has(r.chain)) removed.add(r);
      }
    }
    // A chain still jumped to by a rule we keep cannot be deleted; leave it alone.
    for (const chain of [...chains]) {
      const referenced = table.rules.some((r) => r.target === chain && !removed.has(r) && !chains.has(r.chain));
      if (referenced || !table.chains.includes(chain)) chains.delete(chain);
    }
    // A deleted chain is emptied with -F, so its own rules are not deleted one by one.
    for (const rule of [...removed]) if (chains.has(rule.chain)) removed.delete(rule);
    if (removed.size === 0 && chains.size === 0) continue;
    const lines = [`*${table.name}`];
    for (const rule of removed) lines.push(`-D ${rule.chain} ${rule.spec}`.trimEnd());
    for (const chain of chains) lines.push(`-F ${chain}`);
    for (const chain of chains) lines.push(`-X ${chain}`);
    lines.push('COMMIT', '');
    plan.scripts.set(table.name, lines.join('\n'));
    plan.removedRules.push(...removed);
    plan.removedChains.push(...chains);
  }
  return plan;
}

/** The IPv4 addresses a rule matches on with -s/-d (the firewall plugin's rules carry no comment). */
export function ruleAddresses(rule: SavedRule): string[] {
  const out: string[] = [];
  for (const m of rule.spec.matchAll(/(?:^| )-[sd] (\d+\.\d+\.\d+\.\d+)(?:\/32)?(?= |$)/g)) out.push(m[1]);
  return out;
}

// The network's own chains -----------------------------------------------------------------------

const chainHash = (network: string) => createHash('sha256').update(network).digest('hex').slice(0, 6);

/**
 * Where the network's FORWARD accepts live. Deterministic, so a restarted daemon and reset find
 * it; hashed, because instance names may exceed iptables' 28-character chain names.
 */
export function forwardChainName(network: string): string {
  return `PEAPOD-FWD-${chainHash(network)}`;
}

/** The nat chain masquerading the pod CIDR's egress (as forwardChainName). */
export function masqueradeChainName(network: string): string {
  return `PEAPOD-MASQ-${chainHash(network)}`;
}

/** Carries `name: "<network>"` like the plugins' tags, so the leak checks see these rules too. */
export function forwardComment(network: string): string {
  return `peapod forward name: "${network}"`;
}

export function masqueradeComment(network: string): string {
  return `peapod masquerade name: "${network}"`;
}

export function isForwardRule(rule: SavedRule, network: string): boolean {
  return rule.comment === forwardComment(network);
}

/** A rule of one of the network's own chains, or a jump to one (reset removes them). */
export function isNetworkRule(rule: SavedRule, network: string): boolean {
  return rule.comment === forwardComment(network) || rule.comment === masqueradeComment(network);
}

/** The network's own chains, in every table: reset deletes whichever exist. */
export function networkChainNames(network: string): string[] {
  return [forwardChainName(network), masqueradeChainName(network)];
}

export interface ForwardRules {
  table: 'filter' | 'nat';
  /** The built-in chain that jumps to `chain`. */
  from: 'FORWARD' | 'POSTROUTING';
  /** Whether the jump is inserted at position 1 rather than appended. */
  first: boolean;
  chain: string;
  /** The rule in `from`. */
  jump: string[];
  /** The rules appended to `chain`, in order. */
  rules: string[][];
}

/**
 * Pod-originated traffic, and replies to it, pass a host FORWARD policy of DROP. The same two
 * accepts the firewall plugin adds per pod IP, once for the whole pod CIDR, plus connections a
 * Service's rules sent to a pod (a NodePort reached from outside: kube-proxy accepts those too).
 * The jump goes first, before a Docker host's DROP/DOCKER-USER rules.
 */
export function forwardRules(network: string, podCidr: string): ForwardRules {
  const chain = forwardChainName(network);
  const comment = ['-m', 'comment', '--comment', forwardComment(network)];
  return {
    table: 'filter',
    from: 'FORWARD',
    first: true,
    chain,
    jump: [...comment, '-j', chain],
    rules: [
      ['-s', podCidr, ...comment, '-j', 'ACCEPT'],
      ['-d', podCidr, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment, '-j', 'ACCEPT'],
      ['-d', podCidr, '-m', 'conntrack', '--ctstate', 'DNAT', ...comment, '-j', 'ACCEPT'],
    ],
  };
}

/**
 * What the bridge plugin's ipMasq sets up per pod (POSTROUTING `-s <pod IP>` to a CNI-<hash>
 * chain that accepts the pod's subnet and masquerades the rest but multicast), once for the
 * whole pod CIDR. Appended like the plugin's jump, so portmap's CNI-HOSTPORT-MASQ (which it
 * inserts first) still masquerades hairpinned hostPort traffic before the pod-CIDR accept.
 */
export function masqueradeRules(network: string, podCidr: string): ForwardRules {
  const chain = masqueradeChainName(network);
  const comment = ['-m', 'comment', '--comment', masqueradeComment(network)];
  return {
    table: 'nat',
    from: 'POSTROUTING',
    first: false,
    chain,
    jump: ['-s', podCidr, ...comment, '-j', chain],
    rules: [
      ['-d', podCidr, ...comment, '-j', 'ACCEPT'],
      ['!', '-d', '224.0.0.0/4', ...comment, '-j', 'MASQUERADE'],
    ],
  };
}

/** Both of the network's chains, in the order they are checked and installed. */
export function networkRules(network: string, podCidr: string): ForwardRules[] {
  return [forwardRules(network, podCidr), masqueradeRules(network, podCidr)];
}

/**
 * One `iptables-restore --noflush` script that only checks (-C) every jump: exit 0 means all
 * are in place, in one exec for both tables.
 */
export function checkJumpsScript(chains: ForwardRules[]): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const mine = chains.filter((c) => c.table === table);
    if (mine.length === 0) continue;
    lines.push(`*${table}`);
    for (const c of mine) lines.push(['-C', c.from, ...c.jump.map(quoteRestoreArg)].join(' '));
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

/** iptables-restore splits on spaces and honours double quotes with backslash escapes. */
function quoteRestoreArg(arg: string): string {
  return /^[^\s"\\]+$/.test(arg) ? arg : `"${arg.replace(/["\\]/g, '\\$&')}"`;
}
