/**
 * @module ServiceSource over the local object store: Services and EndpointSlices listed once,
 * then kept current from the store's watches (an informer's cache), so a sync reads memory, not
 * SQLite. A watch that falls behind (GoneError) lists again.
 */
import { GoneError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ObjectStore, ServiceSource, WatchEvent } from '../core/ports.js';
import type { EndpointSlice, KubeObject, Service } from '../core/types.js';

const SERVICES = 'services';
const SLICES = 'endpointslices.discovery.k8s.io';

class Cache<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private stop: (() => void) | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly resource: string,
    private readonly changed: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const list = this.store.list<T>(this.resource, undefined);
    this.items.clear();
    for (const o of list.items) this.items.set(key(o), o);
    try {
      this.stop = this.store.watch(this.resource, undefined, list.metadata.resourceVersion, (ev: WatchEvent) => this.apply(ev as WatchEvent<T>));
    } catch (err) {
      if (!(err instanceof GoneError)) throw err;
      queueMicrotask(() => this.start());
    }
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private apply(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      this.logger.warn('service source: watch ended; listing again', { resource: this.resource });
      this.close();
      queueMicrotask(() => {
        this.start();
        this.changed();
      });
      return;
    }
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'DELETED') this.items.delete(key(ev.object));
    else this.items.set(key(ev.object), ev.object);
    this.changed();
  }
}

const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class LocalStoreServiceSource implements ServiceSource {
  private readonly listeners = new Set<() => void>();
  private readonly svcs: Cache<Service>;
  private readonly slices: Cache<EndpointSlice>;

  constructor(store: ObjectStore, logger: Logger) {
    const changed = (): void => {
      for (const l of this.listeners) l();
    };
    this.svcs = new Cache<Service>(store, SERVICES, changed, logger);
    this.slices = new Cache<EndpointSlice>(store, SLICES, changed, logger);
    this.svcs.start();
    this.slices.start();
  }

  services(): Service[] {
    return [...this.svcs.items.values()];
  }

  endpointSlices(): EndpointSlice[] {
    return [...this.slices.items.values()];
  }

  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  close(): void {
    this.svcs.close();
    this.slices.close();
    this.listeners.clear();
  }
}
