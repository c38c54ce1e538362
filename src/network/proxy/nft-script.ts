/**
 * @module `nft -f` scripts for the Service rules: the whole table (the skeleton of base chains,
 * hooks and verdict maps, then every Service's chains and elements) replacing whatever was there,
 * or only the difference between two models, as kube-proxy's partial syncs do, so one Service
 * change costs a few lines whatever the number of Services. Each script is one nftables
 * transaction: applied completely or not at all. Pure text.
 */
import { CLUSTER_IPS_SET, HAIRPIN_SET, MAPS, MASQUERADE_MARK, type ProxyConfig, type ServiceRuleModel } from './service-rules.js';

/** Elements per `add element` statement: big statements parse faster than many small ones. */
const ELEMENTS_PER_STATEMENT = 1000;

/** The skeleton every sync relies on (pkg/proxy/nftables: the base chains and their jumps). */
export function skeleton(cfg: ProxyConfig): string[] {
  const br = JSON.stringify(cfg.bridge);
  const chain = (name: string, ...rules: string[]): string => `  chain ${name} {\n${rules.map((r) => `    ${r}\n`).join('')}  }`;
  return [
    `table ip ${cfg.table} {`,
    `  comment "peapod Service rules (kube-proxy nftables mode) for bridge ${cfg.bridge}"`,
    `  map ${MAPS.serviceIps} { type ipv4_addr . inet_proto . inet_service : verdict; comment "ClusterIP and external IP traffic"; }`,
    `  map ${MAPS.serviceNodeports} { type inet_proto . inet_service : verdict; comment "NodePort traffic"; }`,
    `  map ${MAPS.noEndpointServices} { type ipv4_addr . inet_proto . inet_service : verdict; comment "Services without usable endpoints"; }`,
    `  map ${MAPS.noEndpointNodeports} { type inet_proto . inet_service : verdict; comment "NodePorts without usable endpoints"; }`,
    `  set ${CLUSTER_IPS_SET} { type ipv4_addr; comment "Active ClusterIPs"; }`,
    `  set ${HAIRPIN_SET} { type ipv4_addr . ipv4_addr; comment "Endpoints, paired with themselves: hairpin traffic"; }`,
    // DNAT. ClusterIPs only for our pods' traffic (from our bridge) and the host's own.
    chain('nat-prerouting', 'type nat hook prerouting priority -100; policy accept;', `iifname ${br} jump services`, 'jump nodeports'),
    chain('nat-output', 'type nat hook output priority -100; policy accept;', 'jump services'),
    chain('nat-postrouting', 'type nat hook postrouting priority 100; policy accept;', 'jump masquerading'),
    // Rejects for Services without endpoints (before DNAT), and for ClusterIPs' unknown ports and unallocated ClusterIPs (after).
    chain('filter-input', 'type filter hook input priority -110; policy accept;', 'ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check'),
    chain('filter-forward', 'type filter hook forward priority -110; policy accept;', `iifname ${br} ct state new jump service-endpoints-check`, `iifname ${br} ct state new jump cluster-ips-check`),
    chain('filter-output', 'type filter hook output priority -110; policy accept;', 'ct state new jump service-endpoints-check'),
    chain('filter-output-post-dnat', 'type filter hook output priority -90; policy accept;', 'ct state new jump cluster-ips-check'),
    chain('mark-for-masquerade', `meta mark set meta mark | ${MASQUERADE_MARK}`),
    chain('masquerading', `ct status dnat ip saddr . ip daddr @${HAIRPIN_SET} masquerade fully-random`, `meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade fully-random'),
    chain('services', `ip daddr . meta l4proto . th dport vmap @${MAPS.serviceIps}`, 'jump nodeports'),
    chain('nodeports', `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${MAPS.serviceNodeports}`),
    chain('service-endpoints-check', `ip daddr . meta l4proto . th dport vmap @${MAPS.noEndpointServices}`),
    chain('nodeport-endpoints-check', `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${MAPS.noEndpointNodeports}`),
    chain(
      'cluster-ips-check',
      `ip daddr @${CLUSTER_IPS_SET} reject comment "Reject traffic to invalid ports of ClusterIPs"`,
      `ip daddr ${cfg.serviceCidr} drop comment "Drop traffic to unallocated ClusterIPs"`,
    ),
    chain('reject-chain', 'reject'),
    '}',
  ];
}

const affinitySet = (table: string, name: string, timeout: number): string =>
  `add set ip ${table} ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`;

function elementStatements(verb: 'add' | 'delete', table: string, map: string, entries: Array<[string, string | undefined]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < entries.length; i += ELEMENTS_PER_STATEMENT) {
    const chunk = entries.slice(i, i + ELEMENTS_PER_STATEMENT).map(([k, v]) => (v === undefined ? k : `${k} : ${v}`));
    out.push(`${verb} element ip ${table} ${map} { ${chunk.join(', ')} }`);
  }
  return out;
}

/** The whole table, replacing any table of that name in the same transaction. */
export function fullSyncScript(cfg: ProxyConfig, model: ServiceRuleModel): string {
  const t = cfg.table;
  const lines = [`add table ip ${t}`, `delete table ip ${t}`, ...skeleton(cfg)];
  for (const [name, timeout] of model.affinitySets) lines.push(affinitySet(t, name, timeout));
  for (const name of model.chains.keys()) lines.push(`add chain ip ${t} ${name}`);
  for (const [name, rules] of model.chains) for (const r of rules) lines.push(`add rule ip ${t} ${name} ${r}`);
  for (const [map, elements] of model.maps) if (elements.size) lines.push(...elementStatements('add', t, map, [...elements]));
  for (const [set, elements] of [[CLUSTER_IPS_SET, model.clusterIps], [HAIRPIN_SET, model.hairpin]] as const) {
    if (elements.size) lines.push(...elementStatements('add', t, set, [...elements].map((e) => [e, undefined])));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Only what changed from `prev` to `next`, or undefined when nothing did. Order matters within
 * the transaction: chains and sets exist before anything refers to them, and go only after the
 * rules and elements that referred to them.
 */
export function partialSyncScript(cfg: ProxyConfig, prev: ServiceRuleModel, next: ServiceRuleModel): string | undefined {
  const t = cfg.table;
  const lines: string[] = [];
  for (const [name, timeout] of next.affinitySets) if (!prev.affinitySets.has(name)) lines.push(affinitySet(t, name, timeout));
  const added = [...next.chains.keys()].filter((n) => !prev.chains.has(n));
  const changed = [...next.chains.keys()].filter((n) => prev.chains.has(n) && !sameRules(prev.chains.get(n)!, next.chains.get(n)!));
  for (const name of added) lines.push(`add chain ip ${t} ${name}`);
  for (const name of changed) lines.push(`flush chain ip ${t} ${name}`);
  for (const name of [...added, ...changed]) for (const r of next.chains.get(name)!) lines.push(`add rule ip ${t} ${name} ${r}`);
  for (const [map, elements] of next.maps) {
    const old = prev.maps.get(map) ?? new Map<string, string>();
    const gone = [...old].filter(([k, v]) => elements.get(k) !== v).map(([k]): [string, undefined] => [k, undefined]);
    const fresh = [...elements].filter(([k, v]) => old.get(k) !== v);
    lines.push(...elementStatements('delete', t, map, gone), ...elementStatements('add', t, map, fresh));
  }
  for (const [set, before, after] of [
    [CLUSTER_IPS_SET, prev.clusterIps, next.clusterIps],
    [HAIRPIN_SET, prev.hairpin, next.hairpin],
  ] as const) {
    const gone = [...before].filter((e) => !after.has(e)).map((e): [string, undefined] => [e, undefined]);
    const fresh = [...after].filter((e) => !before.has(e)).map((e): [string, undefined] => [e, undefined]);
    lines.push(...elementStatements('delete', t, set, gone), ...elementStatements('add', t, set, fresh));
  }
  const removed = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  // Emptied first: a removed chain may still jump to another removed one.
  for (const name of removed) lines.push(`flush chain ip ${t} ${name}`);
  for (const name of removed) lines.push(`delete chain ip ${t} ${name}`);
  for (const name of prev.affinitySets.keys()) if (!next.affinitySets.has(name)) lines.push(`delete set ip ${t} ${name}`);
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}

/** A partial sync cannot change an affinity set's timeout in place: the caller syncs fully instead. */
export function needsFullSync(prev: ServiceRuleModel, next: ServiceRuleModel): boolean {
  for (const [name, timeout] of next.affinitySets) {
    const old = prev.affinitySets.get(name);
    if (old !== undefined && old !== timeout) return true;
  }
  return false;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
