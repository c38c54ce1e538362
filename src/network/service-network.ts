/**
 * @module The node's Service network (kube-proxy and cluster DNS in one loop): on every change to
 * Services or EndpointSlices, coalesced, the rules are synced (ServiceProxy) and the DNS zone is
 * rebuilt for the resolver. Both read the same cached objects, so DNS never names an endpoint the
 * rules do not send to for longer than one pass.
 */
import type { Clock, ServiceSource, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import { ClusterZone } from './dns/cluster-zone.js';
import type { ClusterDnsResolver } from './dns/cluster-dns-resolver.js';
import type { ServiceProxy } from './proxy/service-proxy.js';

export interface ServiceNetworkDeps {
  source: ServiceSource;
  proxy?: ServiceProxy;
  dns?: ClusterDnsResolver;
  clusterDomain: string;
  clock: Clock;
  logger: Logger;
}

export class ServiceNetwork {
  private stopWatch: (() => void) | undefined;
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: ServiceNetworkDeps) {}

  start(): void {
    this.stopWatch = this.deps.source.watch(() => this.schedule());
    this.deps.proxy?.start();
    this.sync();
  }

  /** Resolves once the rules for everything seen so far are in the kernel. */
  async whenSynced(): Promise<void> {
    await this.deps.proxy?.whenSynced();
  }

  async stop(): Promise<void> {
    this.stopWatch?.();
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    await this.deps.proxy?.stop();
  }

  private schedule(): void {
    if (this.timer) return;
    // Changes of one write burst (a Service and its slices) become one pass.
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, 0);
  }

  private sync(): void {
    const services = this.deps.source.services();
    const slices = this.deps.source.endpointSlices();
    this.deps.proxy?.update(services, slices);
    if (this.deps.dns) {
      const started = this.deps.clock.now();
      this.deps.dns.setZone(new ClusterZone({ clusterDomain: this.deps.clusterDomain, services, endpointSlices: slices, serial: Math.floor(started / 1000) }));
    }
  }
}
