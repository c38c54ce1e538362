/**
 * @module A shared informer (client-go's): lists a kind through the ObjectClient, keeps the
 * objects in a cache with optional indexes, then watches from the list's resourceVersion and
 * tells its handlers of each add, update and delete. When the watch ends or its version is too
 * old it lists again and delivers the difference, so handlers never miss a change. Handlers run
 * inside the watch callback: they must only read the cache and enqueue keys.
 */
import { GoneError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Clock, ObjectClient, ResourceType, WatchEvent } from '../core/ports.js';
import type { KubeObject } from '../core/types.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped ones. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** How long to wait before listing again after a failed list. */
export const RELIST_RETRY_MS = 1000;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly indexers = new Map<string, (obj: T) => string[]>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private stopWatch: (() => void) | undefined;
  private stopped = false;
  private synced = false;
  private relisting = false;

  constructor(
    private readonly client: ObjectClient,
    readonly type: ResourceType,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  /** An index (e.g. by owner uid): `fn` gives the values an object is found under. Add before start. */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexers.set(name, fn);
    this.indexes.set(name, new Map());
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (handlers have seen every object as an add). */
  async start(): Promise<void> {
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects in the cache (of one namespace when given). */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    return keys ? [...keys].map((k) => this.cache.get(k)!).filter((o) => o !== undefined) : [];
  }

  private async relist(): Promise<void> {
    if (this.stopped || this.relisting) return;
    this.relisting = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
    try {
      const list = await this.client.list<T>(this.type);
      if (this.stopped) return;
      const seen = new Set<string>();
      for (const obj of list.items) {
        const key = objectKey(obj);
        seen.add(key);
        this.apply({ type: this.cache.has(key) ? 'MODIFIED' : 'ADDED', object: obj });
      }
      for (const [key, obj] of [...this.cache]) if (!seen.has(key)) this.apply({ type: 'DELETED', object: obj });
      this.synced = true;
      this.watchFrom(list.metadata.resourceVersion ?? '0');
    } catch (err) {
      this.logger.warn('informer list failed; retrying', { resource: this.type.resource, err: err instanceof Error ? err.message : String(err) });
      this.clock.setTimeout(() => void this.relist(), RELIST_RETRY_MS);
    } finally {
      this.relisting = false;
    }
  }

  private watchFrom(resourceVersion: string): void {
    const again = (): void => {
      // Never from inside the store's callback: list after the current delivery.
      this.clock.setTimeout(() => void this.relist(), 0);
    };
    try {
      this.stopWatch = this.client.watch<T>(this.type, undefined, resourceVersion, (ev) => {
        if (this.stopped) return;
        if (ev.type === 'ERROR') {
          again();
          return;
        }
        if (ev.type !== 'BOOKMARK') this.apply(ev);
      });
    } catch (err) {
      if (!(err instanceof GoneError)) this.logger.warn('informer watch failed; listing again', { resource: this.type.resource, err: String(err) });
      again();
    }
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      this.unindex(key, old);
      for (const h of this.handlers) this.call(() => h.onDelete?.(obj));
      return;
    }
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) this.call(() => (old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj)));
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error('informer handler failed (a bug)', { resource: this.type.resource, err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
}
