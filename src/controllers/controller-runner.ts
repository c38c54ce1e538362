/**
 * @module Runs one controller's reconcile loop (client-go's processNextWorkItem): workers take
 * keys from the work queue one at a time; a pass that throws comes back after the key's
 * back-off, a pass that succeeds forgets it, and a pass may ask to be run again later (a
 * deadline, minReadySeconds). A conflict (someone wrote first) is retried at once from the
 * newer cache: it is the normal outcome of resourceVersion-guarded writes, not a failure.
 */
import { ConflictError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** Run this key again after so long (e.g. when a timed condition falls due). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  readonly name: string;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export class ControllerRunner {
  private readonly loops: Promise<void>[] = [];

  constructor(
    readonly queue: WorkQueue,
    private readonly reconciler: Reconciler,
    private readonly logger: Logger,
  ) {}

  start(workers = 1): void {
    for (let i = 0; i < workers; i++) this.loops.push(this.loop());
  }

  /** Ends the workers after their current pass. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (err instanceof ConflictError && this.queue.retries(key) < 5) {
          this.logger.debug('reconcile conflict; retrying', { controller: this.reconciler.name, key });
        } else {
          this.logger.warn('reconcile failed; will retry', { controller: this.reconciler.name, key, err: err instanceof Error ? err.message : String(err) });
        }
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
