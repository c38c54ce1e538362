/**
 * @module Keeps the Node object current through the NodeStatusWriter port, as the kubelet's node
 * status loop: written at start and every 10 s (heartbeat, pressure conditions, capacity).
 */
import type { Clock, NodeStatusWriter, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { NodeCapacity } from '../core/admission.js';
import { buildNode, type NodeIdentity, type NodeObservation } from '../core/node-status.js';

export const NODE_STATUS_PERIOD_MS = 10_000;

export interface NodeStatusReporterDeps {
  nodes: NodeStatusWriter;
  clock: Clock;
  logger: Logger;
  identity: NodeIdentity;
  capacity: NodeCapacity;
  observe(): Promise<NodeObservation>;
}

export class NodeStatusReporter {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly d: NodeStatusReporterDeps) {}

  /** Writes the Node once (awaited, so it exists when the API serves), then every 10 s. */
  async start(): Promise<void> {
    await this.report();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.d.clock.setTimeout(() => {
      void this.report().finally(() => this.schedule());
    }, NODE_STATUS_PERIOD_MS);
  }

  async report(): Promise<void> {
    const { nodes, clock, identity } = this.d;
    try {
      const observation = await this.d.observe();
      if (this.stopped) return;
      const previous = nodes.getNode(identity.name);
      const node = buildNode(identity, this.d.capacity, observation, clock.now(), previous);
      if (previous) nodes.updateNode(node);
      else nodes.createNode(node);
    } catch (err) {
      this.d.logger.warn('node status update failed', { err: err instanceof Error ? err.message : String(err) });
    }
  }
}
