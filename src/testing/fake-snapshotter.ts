/** @module An in-memory Snapshotter: a rootfs path per container id. */
import type { Snapshotter } from '../core/ports.js';

export class FakeSnapshotter implements Snapshotter {
  readonly prepared = new Set<string>();

  async prepare(containerId: string): Promise<string> {
    this.prepared.add(containerId);
    return `/fake/rootfs/${containerId}`;
  }

  async remove(containerId: string): Promise<void> {
    this.prepared.delete(containerId);
  }

  async list(): Promise<string[]> {
    return [...this.prepared];
  }
}
