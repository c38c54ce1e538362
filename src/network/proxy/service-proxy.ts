/**
 * @module kube-proxy's sync loop: every change to Services or EndpointSlices schedules a sync;
 * changes arriving while one runs are folded into the next, never lost. A sync computes the
 * rule model (pure), then applies the difference from what is in the kernel in one transaction, or
 * the whole table on the first sync, after a failure, when a partial sync cannot express the
 * change, and once an hour (drift repair). The rules stay when the daemon stops, so Services keep
 * working across restarts; `peapod reset` removes them.
 */
import type { Clock, ServiceRuleWriter, TimerHandle } from '../../core/ports.js';
import type { Logger } from '../../core/logger.js';
import type { EndpointSlice, Service } from '../../core/types.js';
import { computeServiceRules, type ProxyConfig, type ServiceRuleModel, type ServiceRulesMemo } from './service-rules.js';
import { fullSyncScript, needsFullSync, partialSyncScript } from './nft-script.js';

export interface ServiceProxyDeps {
  config: ProxyConfig;
  rules: ServiceRuleWriter;
  clock: Clock;
  logger: Logger;
  /** Full resync period (kube-proxy's --sync-period is 30 s for iptables; nftables relies on partial syncs). Default 1 h. */
  fullResyncMs?: number;
  /** Wait after a failed sync. Default 1 s. */
  retryMs?: number;
}

export interface SyncResult {
  kind: 'full' | 'partial' | 'none';
  durationMs: number;
  services: number;
}

export class ServiceProxy {
  private services: readonly Service[] = [];
  private slices: readonly EndpointSlice[] = [];
  /** What the kernel has, as far as we know; undefined: unknown, the next sync is a full one. */
  private applied: ServiceRuleModel | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly memo: ServiceRulesMemo = new Map();
  private readonly waiters: Array<() => void> = [];
  /** The last sync's outcome (for logs, tests and the benchmark). */
  lastSync: SyncResult | undefined;

  constructor(private readonly deps: ServiceProxyDeps) {}

  /** Starts the periodic full resync; syncs begin with the first update. */
  start(): void {
    const period = this.deps.fullResyncMs ?? 3_600_000;
    const tick = (): void => {
      this.applied = undefined;
      this.schedule();
      this.resyncTimer = this.deps.clock.setTimeout(tick, period);
    };
    this.resyncTimer = this.deps.clock.setTimeout(tick, period);
  }

  /** The current Services and EndpointSlices (the whole set; the proxy diffs itself). */
  update(services: readonly Service[], slices: readonly EndpointSlice[]): void {
    this.services = services;
    this.slices = slices;
    this.schedule();
  }

  /** Resolves once every update made before the call is in the kernel (or a sync of it failed). */
  whenSynced(): Promise<void> {
    if (!this.dirty && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops syncing (the rules stay). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    if (this.resyncTimer) this.deps.clock.clearTimeout(this.resyncTimer);
    await this.running;
    for (const w of this.waiters.splice(0)) w();
  }

  private schedule(delayMs = 0): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running || this.timer) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.loop().finally(() => {
        this.running = undefined;
        const done = !this.dirty || this.failed;
        if (this.dirty) this.schedule(this.failed ? (this.deps.retryMs ?? 1000) : 0);
        // A failed sync answers its waiters too (with the retry already scheduled).
        if (done) for (const w of this.waiters.splice(0)) w();
      });
    }, delayMs);
  }

  private failed = false;

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        this.lastSync = await this.syncOnce();
        this.failed = false;
      } catch (err) {
        // What the kernel has is unknown now: the retry replaces the whole table.
        this.applied = undefined;
        this.failed = true;
        this.dirty = true;
        this.deps.logger.warn('Service rules: sync failed; retrying with a full sync', { error: err instanceof Error ? err.message : String(err) });
        return;
      }
    }
  }

  private async syncOnce(): Promise<SyncResult> {
    const started = this.deps.clock.now();
    const cfg = this.deps.config;
    const next = computeServiceRules(cfg, this.services, this.slices, this.memo);
    const prev = this.applied;
    const full = prev === undefined || needsFullSync(prev, next);
    const script = full ? fullSyncScript(cfg, next) : partialSyncScript(cfg, prev, next);
    if (script !== undefined) await this.deps.rules.apply(script);
    this.applied = next;
    const result: SyncResult = { kind: script === undefined ? 'none' : full ? 'full' : 'partial', durationMs: this.deps.clock.now() - started, services: this.services.length };
    if (script !== undefined) this.deps.logger.debug('Service rules synced', { ...result });
    return result;
  }
}
