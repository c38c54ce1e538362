/**
 * @module What kube-proxy's nftables mode would program for these Services and EndpointSlices,
 * as a model: the per-Service chains (service-, external-, local-, endpoint-), the verdict-map
 * elements that lead to them (so a packet costs one map lookup whatever the number of
 * Services), and the affinity sets. Pure; nft-script.ts turns a model, or the difference between
 * two, into one `nft -f` transaction. The static skeleton (base chains, hooks, maps) is there too.
 *
 * Semantics (pkg/proxy/nftables/proxier.go): only ready endpoints, or, when none is ready, the
 * serving-and-terminating ones; traffic from outside the pod CIDR to a ClusterIP, to a NodePort of
 * an externalTrafficPolicy Cluster Service, and a pod reaching itself (hairpin) are masqueraded;
 * Local policies send only to endpoints on this node (drop when there is none); ClientIP affinity
 * by a timed set per endpoint; a Service without usable endpoints rejects.
 *
 * One departure from kube-proxy's layout, for sync time: a Service port without affinity picks
 * its endpoint with one `dnat ... numgen ... map` rule instead of a chain per endpoint, and the
 * hairpin case is caught after DNAT by a set of (endpoint, endpoint) pairs. With 1,000 Services ×
 * 2 endpoints that is 1,000 chains instead of 3,000, and nft's per-transaction cache (it lists
 * every chain of the table) shrinks with it.
 */
import { createHash } from 'node:crypto';
import type { EndpointSlice, Service, ServicePort } from '../../core/types.js';
import { groupSlices } from '../dns/cluster-zone.js';

export interface ProxyConfig {
  /** The nft table (one per instance): `peapod`, `peapod-<6 hex>`. */
  table: string;
  /** Pod traffic enters the ClusterIP rules only from this bridge: another instance's pods never hit them. */
  bridge: string;
  podCidr: string;
  serviceCidr: string;
  /** Endpoints on this node are the "local" ones of Local traffic policies. */
  nodeName: string;
}

/** The kube-proxy masquerade bit (KUBE-MARK-MASQ's 0x4000). */
export const MASQUERADE_MARK = '0x4000';

export const MAPS = {
  serviceIps: 'service-ips',
  serviceNodeports: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodeports: 'no-endpoint-nodeports',
} as const;
export const CLUSTER_IPS_SET = 'cluster-ips';
/** `ip . ip` for every endpoint in use: a DNAT'd packet from an endpoint to itself is masqueraded. */
export const HAIRPIN_SET = 'hairpin-endpoints';

export interface ServiceRuleModel {
  /** Per-Service chains: name → rules, in order. */
  chains: Map<string, string[]>;
  /** Verdict-map elements: map name → key → verdict. */
  maps: Map<string, Map<string, string>>;
  /** Elements of the cluster-ips set. */
  clusterIps: Set<string>;
  /** Affinity sets: name → timeout seconds. */
  affinitySets: Map<string, number>;
  /** Elements of the hairpin set. */
  hairpin: Set<string>;
}

export function emptyModel(): ServiceRuleModel {
  return { chains: new Map(), maps: new Map(Object.values(MAPS).map((m) => [m, new Map()])), clusterIps: new Set(), affinitySets: new Map(), hairpin: new Set() };
}

interface UsableEndpoint {
  ip: string;
  port: number;
  local: boolean;
}

const proto = (p: string | undefined): string => (p ?? 'TCP').toLowerCase();

/** kube-proxy's chain-name hash: 8 base32 characters of the SHA-256 of what the chain is for. */
function hash8(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < 8; i++) out += alphabet[digest[i] % 32];
  return out;
}

/** `ns/name/tcp/portname`: what kube-proxy's chain names end with. */
export function servicePortName(svc: Service, port: ServicePort): string {
  return `${svc.metadata!.namespace}/${svc.metadata!.name}/${proto(port.protocol)}/${port.name ?? ''}`;
}

const chainName = (prefix: string, spn: string): string => `${prefix}-${hash8(`${prefix}${spn}`)}-${spn}`;
const endpointChainName = (spn: string, ep: UsableEndpoint): string => chainName('endpoint', `${spn}__${ep.ip}/${ep.port}`);
const affinitySetName = (spn: string, ep: UsableEndpoint): string => chainName('affinity', `${spn}__${ep.ip}/${ep.port}`);

/**
 * The endpoints a Service port sends to (categorizeEndpoints): ready ones, else serving and
 * terminating ones; `local` marks those on this node.
 */
export function usableEndpoints(port: ServicePort, slices: readonly EndpointSlice[], nodeName: string): UsableEndpoint[] {
  const ready: UsableEndpoint[] = [];
  const terminating: UsableEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && proto(p.protocol) === proto(port.protocol));
    if (sp?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const isReady = c.ready !== false;
      const isFallback = !isReady && c.serving === true && c.terminating === true;
      if (!isReady && !isFallback) continue;
      for (const ip of ep.addresses ?? []) {
        const key = `${ip}:${sp.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        (isReady ? ready : terminating).push({ ip, port: sp.port, local: ep.nodeName === nodeName });
      }
    }
  }
  const out = ready.length > 0 ? ready : terminating;
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

/** A `numgen` spread over the endpoint chains, or undefined when there is none. */
function spread(chains: readonly string[]): string | undefined {
  if (chains.length === 0) return undefined;
  return `numgen random mod ${chains.length} vmap { ${chains.map((c, i) => `${i} : goto ${c}`).join(', ')} }`;
}

/** Per-Service results kept between syncs, keyed by the objects' resourceVersions: one change recomputes one Service. */
export type ServiceRulesMemo = Map<string, { version: string; part: ServiceRuleModel }>;

export function computeServiceRules(
  cfg: ProxyConfig,
  services: readonly Service[],
  endpointSlices: readonly EndpointSlice[],
  memo?: ServiceRulesMemo,
): ServiceRuleModel {
  const model = emptyModel();
  const slicesBySvc = groupSlices(endpointSlices);
  const sorted = [...services].sort((a, b) => servicePortKey(a).localeCompare(servicePortKey(b)));
  const seen = new Set<string>();
  for (const svc of sorted) {
    const key = servicePortKey(svc);
    const slices = slicesBySvc.get(key) ?? [];
    const version = versionOf(svc, slices);
    const kept = version !== undefined ? memo?.get(key) : undefined;
    let part: ServiceRuleModel;
    if (kept && kept.version === version) {
      part = kept.part;
    } else {
      part = emptyModel();
      addService(cfg, part, svc, slices);
      if (version !== undefined) memo?.set(key, { version, part });
    }
    seen.add(key);
    merge(model, part);
  }
  if (memo) for (const key of [...memo.keys()]) if (!seen.has(key)) memo.delete(key);
  return model;
}

/** uid/resourceVersion of the Service and its slices; undefined (no memo) when one lacks them. */
function versionOf(svc: Service, slices: readonly EndpointSlice[]): string | undefined {
  const parts = [svc, ...slices].map((o) => (o.metadata?.uid && o.metadata.resourceVersion ? `${o.metadata.uid}@${o.metadata.resourceVersion}` : undefined));
  return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
}

function merge(into: ServiceRuleModel, part: ServiceRuleModel): void {
  for (const [name, rules] of part.chains) into.chains.set(name, rules);
  for (const [map, elements] of part.maps) {
    const target = into.maps.get(map)!;
    for (const [k, v] of elements) if (!target.has(k)) target.set(k, v);
  }
  for (const ip of part.clusterIps) into.clusterIps.add(ip);
  for (const [name, timeout] of part.affinitySets) into.affinitySets.set(name, timeout);
  for (const pair of part.hairpin) into.hairpin.add(pair);
}

function addService(cfg: ProxyConfig, model: ServiceRuleModel, svc: Service, slices: readonly EndpointSlice[]): void {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return;
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip !== 'None' && !ip.includes(':'));
  if (clusterIPs.length === 0) return; // headless: DNS only
  for (const port of spec.ports ?? []) addServicePort(cfg, model, svc, port, clusterIPs, slices);
}

const servicePortKey = (s: Service): string => `${s.metadata?.namespace}/${s.metadata?.name}`;

function addServicePort(cfg: ProxyConfig, model: ServiceRuleModel, svc: Service, port: ServicePort, clusterIPs: string[], slices: readonly EndpointSlice[]): void {
  const spec = svc.spec!;
  const spn = servicePortName(svc, port);
  const p = proto(port.protocol);
  const all = usableEndpoints(port, slices, cfg.nodeName);
  const local = all.filter((e) => e.local);
  const internalLocal = spec.internalTrafficPolicy === 'Local';
  const externalLocal = spec.externalTrafficPolicy === 'Local';
  const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
  const maps = model.maps;

  // The cluster policy chain spreads over every endpoint, the local one over this node's.
  const clusterChain = chainName('service', spn);
  const localChain = chainName('local', spn);
  const usesLocal = local.length > 0 && (internalLocal || externalLocal);
  for (const ep of all) model.hairpin.add(`${ep.ip} . ${ep.ip}`);
  // With affinity, one chain per endpoint records the client (kube-proxy's layout); without, one
  // DNAT rule picks the endpoint.
  if (affinity !== undefined) {
    for (const ep of all) {
      const set = affinitySetName(spn, ep);
      model.affinitySets.set(set, affinity);
      model.chains.set(endpointChainName(spn, ep), [`update @${set} { ip saddr }`, `meta l4proto ${p} dnat to ${ep.ip}:${ep.port}`]);
    }
  }
  const pick = (eps: UsableEndpoint[]): string[] => {
    if (affinity !== undefined) {
      const sticky = eps.map((ep) => `ip saddr @${affinitySetName(spn, ep)} goto ${endpointChainName(spn, ep)}`);
      return [...sticky, spread(eps.map((ep) => endpointChainName(spn, ep)))!];
    }
    if (eps.length === 1) return [`meta l4proto ${p} dnat to ${eps[0].ip}:${eps[0].port}`];
    return [`meta l4proto ${p} dnat ip to numgen random mod ${eps.length} map { ${eps.map((ep, i) => `${i} : ${ep.ip} . ${ep.port}`).join(', ')} }`];
  };
  if (all.length > 0) {
    // Sources outside the pod CIDR (the host) are masqueraded, as with kube-proxy's --cluster-cidr.
    const masq = clusterIPs.map((ip) => `ip daddr ${ip} meta l4proto ${p} th dport ${port.port} ip saddr != ${cfg.podCidr} jump mark-for-masquerade`);
    model.chains.set(clusterChain, [...masq, ...pick(all)]);
  }
  if (usesLocal) model.chains.set(localChain, pick(local));

  // ClusterIP traffic, by internalTrafficPolicy. No usable endpoint: reject; Local with endpoints
  // elsewhere only: drop.
  const internal = internalLocal ? local : all;
  for (const ip of clusterIPs) {
    model.clusterIps.add(ip);
    const key = `${ip} . ${p} . ${port.port}`;
    if (internal.length > 0) maps.get(MAPS.serviceIps)!.set(key, `goto ${internalLocal ? localChain : clusterChain}`);
    else maps.get(MAPS.noEndpointServices)!.set(key, all.length > 0 ? 'drop' : 'goto reject-chain');
  }

  // NodePort and external-IP traffic, by externalTrafficPolicy.
  const externalIPs = [...(spec.externalIPs ?? []), ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')].filter((ip) => ip !== '' && !ip.includes(':'));
  const nodePort = (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort ? port.nodePort : undefined;
  if (nodePort === undefined && externalIPs.length === 0) return;
  const external = externalLocal ? local : all;
  const extChain = chainName('external', spn);
  if (external.length > 0) {
    model.chains.set(
      extChain,
      externalLocal
        ? // Pods and the host itself take the cluster path (kube-proxy's short-circuits); others keep their source address.
          [`ip saddr ${cfg.podCidr} goto ${clusterChain}`, 'fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${clusterChain}`, `goto ${localChain}`]
        : ['jump mark-for-masquerade', `goto ${clusterChain}`],
    );
  }
  const verdict = external.length > 0 ? `goto ${extChain}` : all.length > 0 ? 'drop' : 'goto reject-chain';
  if (nodePort !== undefined) maps.get(external.length > 0 ? MAPS.serviceNodeports : MAPS.noEndpointNodeports)!.set(`${p} . ${nodePort}`, verdict);
  for (const ip of externalIPs) maps.get(external.length > 0 ? MAPS.serviceIps : MAPS.noEndpointServices)!.set(`${ip} . ${p} . ${port.port}`, verdict);
}
