/**
 * @module kube-controller-manager in miniature: one shared informer per kind, one work queue and
 * runner per controller. Controllers register their handlers first; the manager then lists
 * every kind (caches synced, as WaitForCacheSync) before any controller runs a pass, and stops
 * them all on close.
 */
import type { Logger } from '../core/logger.js';
import type { Clock, ObjectClient, ResourceType } from '../core/ports.js';
import type { KubeObject } from '../core/types.js';
import { ControllerRunner, type Reconciler } from './controller-runner.js';
import { Informer } from './informer.js';
import { WorkQueue } from './work-queue.js';

/** What a controller gets to wire itself: the client, its queue, and the shared informers. */
export interface ControllerContext {
  client: ObjectClient;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  informer<T extends KubeObject = KubeObject>(type: ResourceType): Informer<T>;
}

export interface ManagedController extends Reconciler {
  /** Adds informer handlers and indexes (before the informers start). */
  register(ctx: ControllerContext): void;
  /** Workers for this controller (default 1). */
  readonly workers?: number;
}

export class ControllerManager {
  private readonly informers = new Map<string, Informer>();
  private readonly runners: { runner: ControllerRunner; workers: number }[] = [];
  private started = false;

  constructor(
    private readonly client: ObjectClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  informer<T extends KubeObject = KubeObject>(type: ResourceType): Informer<T> {
    const key = `${type.group}/${type.version}/${type.resource}`;
    let inf = this.informers.get(key);
    if (!inf) this.informers.set(key, (inf = new Informer(this.client, type, this.clock, this.logger)));
    return inf as unknown as Informer<T>;
  }

  add(controller: ManagedController): void {
    if (this.started) throw new Error('controllers must be added before start');
    const queue = new WorkQueue(this.clock);
    controller.register({ client: this.client, queue, clock: this.clock, logger: this.logger, informer: (t) => this.informer(t) });
    this.runners.push({ runner: new ControllerRunner(queue, controller, this.logger), workers: controller.workers ?? 1 });
  }

  /** Lists every kind a controller watches, then starts the workers. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    for (const { runner, workers } of this.runners) runner.start(workers);
  }

  async stop(): Promise<void> {
    for (const i of this.informers.values()) i.stop();
    await Promise.all(this.runners.map(({ runner }) => runner.stop()));
  }
}
