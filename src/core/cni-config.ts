/**
 * @module The part of libcni that needs no I/O: the network configuration lists peapod runs,
 * each plugin's stdin (name/cniVersion copied from the list, runtimeConfig filtered by the
 * plugin's capabilities, prevResult chained), CNI_ARGS, and reading the pod IP from a result.
 */
import type { PodNetworkRequest, PortMapping } from './ports.js';

export const CNI_VERSION = '1.0.0';

export type CniPluginConf = Record<string, unknown> & {
  type: string;
  capabilities?: Record<string, boolean>;
};

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}
export interface CniIpConfig {
  interface?: number;
  address: string; // CIDR notation
  gateway?: string;
}
export interface CniResult {
  cniVersion?: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: unknown[];
  dns?: unknown;
}

/** What the runtime hands to plugins that declare the matching capability. */
export interface CniRuntimeConfig {
  portMappings?: Array<{ hostPort: number; containerPort: number; protocol: string; hostIP?: string }>;
}

export interface PodNetworkConfig {
  networkName: string;
  bridge: string;
  podCidr: string;
  ipamDir: string;
}

/**
 * The main chain. No loopback plugin: `lo` is brought up with one `ip` exec instead of a Go
 * plugin's. ipMasq is off: the network's own masquerade rules (cni-iptables.ts masqueradeRules),
 * set up once, replace the plugin's per-pod chain and its iptables execs.
 */
export function podConfList(cfg: PodNetworkConfig): CniConfList {
  return chainConfList(cfg, false);
}

/**
 * The chain as earlier peapods ran it (bridge with ipMasq): DEL of their sandboxes needs it, since
 * the bridge plugin removes its per-pod masquerade chain only when its conf has ipMasq.
 */
export function legacyConfList(cfg: PodNetworkConfig): CniConfList {
  return chainConfList(cfg, true);
}

function chainConfList(cfg: PodNetworkConfig, ipMasq: boolean): CniConfList {
  return {
    cniVersion: CNI_VERSION,
    name: cfg.networkName,
    plugins: [
      {
        type: 'bridge',
        bridge: cfg.bridge,
        isGateway: true,
        ipMasq,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: cfg.ipamDir,
          ranges: [[{ subnet: cfg.podCidr, gateway: firstHost(cfg.podCidr) }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      // snat stays at its default (true): without it hostPort on 127.0.0.1 does not work.
      // No firewall plugin: its ~10 iptables execs per pod are replaced by the network's own
      // FORWARD rules, set up once (cni-iptables.ts forwardRules).
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/**
 * The firewall plugin as sandboxes set up by an earlier peapod ran it last in the chain; their
 * DEL still runs it so its per-pod CNI-FORWARD rules go. The explicit backend skips the
 * firewalld D-Bus probe.
 */
export function legacyFirewallPlugin(): CniPluginConf {
  return { type: 'firewall', backend: 'iptables' };
}

/** What a sandbox's cached CNI state says about the chain its ADD ran. */
export interface ChainRecord {
  /** Present once ADD began. */
  cniArgs?: string;
  /**
   * The main-chain plugin types ADD ran (or was about to), in order. Absent in states of an
   * earlier peapod, which ran the whole legacy chain.
   */
  plugins?: string[];
  /** 'network': no per-pod firewall plugin ran (see the FORWARD rules). */
  forward?: 'network';
}

/** The plugins one pod's ADD runs: portmap only when the pod has port mappings (else a no-op exec). */
export function podPlugins(list: CniConfList, runtimeConfig: CniRuntimeConfig): CniPluginConf[] {
  return list.plugins.filter((p) => p.type !== 'portmap' || (runtimeConfig.portMappings?.length ?? 0) > 0);
}

/**
 * The plugins (in ADD order; DEL runs them reversed) that undo a sandbox's ADD. A sandbox
 * without state (only its netns is left) may be of either kind: the legacy chain undoes both.
 */
export function pluginsToDelete(cfg: PodNetworkConfig, rec: ChainRecord | undefined): CniPluginConf[] {
  if (rec?.plugins) return podConfList(cfg).plugins.filter((p) => rec.plugins!.includes(p.type));
  if (rec !== undefined && rec.cniArgs === undefined) return [];
  const legacy = legacyConfList(cfg).plugins;
  return rec !== undefined && rec.forward !== 'network' ? [...legacy, legacyFirewallPlugin()] : legacy;
}

/** The stdin of one plugin invocation. */
export function pluginStdin(
  list: CniConfList,
  plugin: CniPluginConf,
  runtimeConfig: CniRuntimeConfig,
  prevResult: CniResult | undefined,
): Record<string, unknown> {
  const { capabilities, ...rest } = plugin;
  const conf: Record<string, unknown> = { ...rest, name: list.name, cniVersion: list.cniVersion };
  const rc: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(capabilities ?? {})) {
    const value = (runtimeConfig as Record<string, unknown>)[cap];
    if (enabled && value !== undefined) rc[cap] = value;
  }
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return conf;
}

export function runtimeConfigFor(portMappings: readonly PortMapping[]): CniRuntimeConfig {
  if (portMappings.length === 0) return {};
  return {
    portMappings: portMappings.map((p) => ({
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol,
      ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    })),
  };
}

export function cniArgs(req: Pick<PodNetworkRequest, 'namespace' | 'podName' | 'sandboxId' | 'podUid'>): string {
  return [
    'IgnoreUnknown=1',
    `K8S_POD_NAMESPACE=${req.namespace}`,
    `K8S_POD_NAME=${req.podName}`,
    `K8S_POD_INFRA_CONTAINER_ID=${req.sandboxId}`,
    `K8S_POD_UID=${req.podUid}`,
  ].join(';');
}

/** The pod's IPv4 address and gateway: the ip on the interface inside the sandbox, else the first. */
export function podAddress(result: CniResult, ifName = 'eth0'): { ip: string; gateway?: string } | undefined {
  const ips = result.ips ?? [];
  const ifIndex = (result.interfaces ?? []).findIndex((i) => i.name === ifName && i.sandbox);
  const chosen = ips.find((c) => c.interface === ifIndex && !c.address.includes(':')) ?? ips.find((c) => !c.address.includes(':')) ?? ips[0];
  if (!chosen) return undefined;
  const ip = chosen.address.split('/')[0];
  return chosen.gateway ? { ip, gateway: chosen.gateway } : { ip };
}

// IPv4 arithmetic -----------------------------------------------------------------------------

export function parseIpv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const part of parts) {
    const v = Number(part);
    if (!/^\d{1,3}$/.test(part) || v > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; bits: number } {
  const [addr, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(parseIpv4(addr) / size) * size, bits };
}

/** The first usable address of the subnet: the bridge's (gateway) address. */
export function firstHost(cidr: string): string {
  return formatIpv4(parseCidr(cidr).base + 1);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { base, bits } = parseCidr(cidr);
  const size = 2 ** (32 - bits);
  const n = parseIpv4(ip.split('/')[0]);
  return n >= base && n < base + size;
}
