/**
 * @module Periodic image GC by disk usage (the kubelet's ImageGCManager): every `periodMs` on the
 * Clock it records which images are in use, measures the images filesystem, asks
 * core/image-gc.ts for a plan and removes what it names. "In use" is every image a container
 * in the runtime was made from (running or kept for its logs) plus every image a pod in the
 * store names, re-read right before each removal so a pod created meanwhile keeps its image.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { observeImages, planImageGC, type FilesystemUsage, type ImageGCPlan, type ImageGCPolicy, type ImageUsageRecord } from '../core/image-gc.js';
import type { Logger } from '../core/logger.js';
import type { Clock, ImageManager, TimerHandle } from '../core/ports.js';

export interface ImageGCManagerDeps {
  images: Pick<ImageManager, 'list' | 'remove' | 'resolve'>;
  /** Capacity and free bytes of the filesystem holding the images. */
  filesystemUsage: () => Promise<FilesystemUsage>;
  /** Image references (names, `repo@digest`s or ids) that containers and pods use. */
  imageRefsInUse: () => Iterable<string> | Promise<Iterable<string>>;
  clock: Clock;
  logger: Logger;
  policy: ImageGCPolicy;
  /** Kubelet's ImageGCPeriod: 5 minutes. */
  periodMs?: number;
}

export interface ImageGCResult {
  plan: ImageGCPlan;
  removed: string[];
}

export class ImageGCManager {
  private records = new Map<string, ImageUsageRecord>();
  private timer: TimerHandle | undefined;
  private running: Promise<ImageGCResult> | undefined;
  private stopped = true;

  constructor(private readonly deps: ImageGCManagerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce()
        .catch((err: unknown) => this.deps.logger.warn('image garbage collection failed', { err: err instanceof Error ? err.message : String(err) }))
        .finally(() => this.schedule(this.deps.periodMs ?? 5 * 60_000));
    }, ms);
  }

  /** One observation and, above the high threshold, one collection. Concurrent calls share a run. */
  runOnce(): Promise<ImageGCResult> {
    this.running ??= this.collect().finally(() => (this.running = undefined));
    return this.running;
  }

  private async inUseIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const ref of new Set(await this.deps.imageRefsInUse())) {
      if (!ref) continue;
      const img = await this.deps.images.resolve(ref).catch(() => undefined);
      if (img) ids.add(img.id);
    }
    return ids;
  }

  private async collect(): Promise<ImageGCResult> {
    const { clock, logger, policy } = this.deps;
    const images = await this.deps.images.list();
    this.records = observeImages(this.records, images, await this.inUseIds(), clock.now());
    const plan = planImageGC(await this.deps.filesystemUsage(), [...this.records.values()], policy, clock.now());
    const removed: string[] = [];
    if (plan.remove.length === 0 && plan.bytesToFree === 0) return { plan, removed };
    const inUse = await this.inUseIds();
    for (const id of plan.remove) {
      if (inUse.has(id)) continue;
      try {
        await this.deps.images.remove(id);
        removed.push(id);
        this.records.delete(id);
      } catch (err) {
        if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
      }
    }
    const fields = { usagePercent: Math.round(plan.usagePercent), bytesToFree: plan.bytesToFree, removed: removed.length };
    if (plan.shortfall > 0) {
      logger.warn(`failed to garbage collect required amount of images: wanted to free ${plan.bytesToFree} bytes, but only found ${plan.bytesPlanned} bytes eligible to free`, fields);
    } else {
      logger.info('image garbage collection', fields);
    }
    return { plan, removed };
  }
}
