/**
 * @module Wires the node's Service network: the bridge made early (its gateway address is where
 * pods reach cluster DNS and the API), cluster DNS on the gateway's port 53 (another free port
 * when 53 is taken: the kube-dns Service's rules translate), the Service rules in the instance's
 * nftables table, and the loop feeding both from the stored Services and EndpointSlices.
 */
import type { CniNetwork } from '../adapters/cni/cni-network.js';
import { listenDns, type DnsServer } from '../adapters/dns/dns-server.js';
import { DnsForwarder } from '../adapters/dns/dns-forwarder.js';
import { parseUpstreamList, readHostResolvConf, upstreamServers } from '../adapters/dns/host-resolvers.js';
import { ensureBridgeNetfilter, nftAvailable, NftRuleset } from '../adapters/nft/nft-ruleset.js';
import { systemClock } from '../adapters/system/system-clock.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { ObjectStore } from '../core/ports.js';
import { nthServiceAddress } from '../core/service-allocation.js';
import { ClusterDnsResolver } from '../network/dns/cluster-dns-resolver.js';
import { LocalStoreServiceSource } from '../network/local-store-service-source.js';
import { ServiceProxy } from '../network/proxy/service-proxy.js';
import { ServiceNetwork } from '../network/service-network.js';
import type { ServiceFlags } from './config.js';

export interface RunningServiceNetwork {
  /** The bridge's gateway address. */
  gateway: string;
  /** Where cluster DNS listens for pods (behind the kube-dns Service). */
  dns?: { ip: string; port: number };
  /** The kubelet's clusterDNS and clusterDomain. */
  kubelet: { clusterDNS: string[]; clusterDomain: string };
  /** Starts syncing once the store holds the built-in Services. */
  start(): void;
  close(): Promise<void>;
}

export async function setUpServiceNetwork(layout: Layout, cni: CniNetwork, store: ObjectStore, flags: ServiceFlags, logger: Logger): Promise<RunningServiceNetwork> {
  const config = layout.config;
  const gateway = await cni.ensureBridge();
  const upstreams = flags.dnsUpstream !== undefined ? parseUpstreamList(flags.dnsUpstream) : upstreamServers(readHostResolvConf());
  if (upstreams.length === 0) logger.warn('cluster DNS: no upstream resolvers; names outside the cluster will not resolve');
  const forwarder = new DnsForwarder({ servers: upstreams });
  const resolver = new ClusterDnsResolver({ upstream: forwarder, clock: systemClock, logger });
  let dnsServer: DnsServer | undefined;
  const handler = (q: Buffer, t: 'udp' | 'tcp') => resolver.handle(q, t);
  try {
    dnsServer = await listenDns({ host: gateway, port: 53, handler, logger }).catch(() => listenDns({ host: gateway, port: 0, handler, logger }));
    logger.info('cluster DNS listening', { address: `${gateway}:${dnsServer.port}`, service: `${nthServiceAddress(flags.serviceCidr, 10)}:53`, upstreams: upstreams.map((u) => `${u.host}:${u.port}`) });
  } catch (err) {
    logger.error('cluster DNS could not listen; pods get the host resolvers instead', { error: err instanceof Error ? err.message : String(err) });
  }

  let proxy: ServiceProxy | undefined;
  if (await nftAvailable()) {
    const netfilter = await ensureBridgeNetfilter().catch(() => 'unavailable' as const);
    if (netfilter === 'unavailable') logger.warn('br_netfilter is not available: a pod reaching a Service backed by a pod on the same bridge may see its replies dropped');
    else if (netfilter === 'enabled') logger.info('enabled net.bridge.bridge-nf-call-iptables (Services on a bridge need it)');
    proxy = new ServiceProxy({
      config: { table: layout.serviceRulesTable, bridge: config.bridge, podCidr: config.podCidr, serviceCidr: flags.serviceCidr, nodeName: config.nodeName },
      rules: new NftRuleset(layout.serviceRulesTable),
      clock: systemClock,
      logger,
    });
  } else {
    logger.warn('nft not found (Debian package nftables): Services get no rules; ClusterIPs and NodePorts do not answer');
  }
  const source = new LocalStoreServiceSource(store, logger);
  const network = new ServiceNetwork({ source, ...(proxy ? { proxy } : {}), ...(dnsServer ? { dns: resolver } : {}), clusterDomain: flags.clusterDomain, clock: systemClock, logger });
  const dnsIP = nthServiceAddress(flags.serviceCidr, 10);
  let closing: Promise<void> | undefined;
  return {
    gateway,
    ...(dnsServer ? { dns: { ip: gateway, port: dnsServer.port } } : {}),
    kubelet: { clusterDNS: dnsServer ? [dnsIP] : [], clusterDomain: flags.clusterDomain },
    start: () => network.start(),
    close: () =>
      (closing ??= (async () => {
        await network.stop();
        source.close();
        await dnsServer?.close();
        forwarder.close();
      })()),
  };
}
