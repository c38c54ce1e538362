/** @module An in-memory PodNetwork: addresses from a counter, failures on demand, every call recorded. */
import type { PodNetwork, PodNetworkRequest, PodNetworkStatus } from '../core/ports.js';

export class FakePodNetwork implements PodNetwork {
  readonly sandboxes = new Map<string, PodNetworkStatus>();
  readonly netns = new Set<string>();
  /** `setUp <podName>`, `tearDown <sandboxId>`. */
  readonly calls: string[] = [];
  /** While set, every setUp fails with this message (as CNI ADD with no free address does). */
  failSetUp: string | undefined;
  private next = 2;

  async createNetns(sandboxId: string): Promise<string> {
    this.netns.add(sandboxId);
    return `/run/netns/fake-${sandboxId}`;
  }

  async setUp(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    this.calls.push(`setUp ${req.podName}`);
    if (this.failSetUp !== undefined) throw new Error(this.failSetUp);
    const status = { netnsPath: `/run/netns/fake-${req.sandboxId}`, ip: `10.90.0.${this.next++}` };
    this.sandboxes.set(req.sandboxId, status);
    return status;
  }

  async tearDown(sandboxId: string): Promise<void> {
    this.calls.push(`tearDown ${sandboxId}`);
    this.sandboxes.delete(sandboxId);
    this.netns.delete(sandboxId);
  }

  async status(sandboxId: string): Promise<PodNetworkStatus | undefined> {
    return this.sandboxes.get(sandboxId);
  }

  async list(): Promise<string[]> {
    return [...new Set([...this.sandboxes.keys(), ...this.netns])];
  }

  async removeAll(): Promise<void> {
    this.sandboxes.clear();
    this.netns.clear();
  }
}
