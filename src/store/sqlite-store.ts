/**
 * @module The object store on SQLite (the only importer of better-sqlite3). One global,
 * monotonically increasing resourceVersion per write, as etcd's revision; a bounded history of
 * changes so watches can resume from a version; in-process fan-out of live changes.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, BadRequestError, ConflictError, GoneError, NotFoundError } from '../core/errors.js';
import type { ListOptions, ObjectList, ObjectStore, ResourceName, WatchEvent, WatchEventType } from '../core/ports.js';
import { isEverything, matchesSelector, parseSelectors, type ObjectSelector } from '../core/selectors.js';
import type { Mutable } from '../core/mutable.js';
import { rfc3339Seconds } from '../core/rfc3339.js';
import type { KubeObject, ObjectMeta } from '../core/types.js';
import { deepEqual } from '../core/deep-equal.js';

export interface SqliteStoreOptions {
  /** Epoch ms for creationTimestamp; defaults to Date.now. */
  now?: () => number;
  /** How many changes the history keeps for resuming watches. */
  historyLimit?: number;
  /** Called when a watch callback throws (the store keeps going). */
  onListenerError?: (err: unknown) => void;
}

interface Change {
  rv: number;
  resource: string;
  namespace: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The object before a MODIFIED, to tell selector watches that it moved in or out. */
  previous?: KubeObject;
}

interface Subscriber {
  resource: string;
  namespace: string | undefined;
  selector: ObjectSelector;
  lastRv: number;
  onEvent: (event: WatchEvent) => void;
}

interface ObjectRow {
  data: string;
}
interface HistoryRow {
  rv: number;
  resource: string;
  namespace: string;
  type: Change['type'];
  data: string;
  previous: string | null;
}

export class SqliteStore implements ObjectStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly historyLimit: number;
  private readonly onListenerError: (err: unknown) => void;
  private rv: number;
  private readonly subscribers = new Set<Subscriber>();
  private readonly queue: Change[] = [];
  private dispatching = false;
  private readonly stmts;

  constructor(dbPath: string, opts: SqliteStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.historyLimit = opts.historyLimit ?? 10_000;
    this.onListenerError = opts.onListenerError ?? (() => {});
    this.db = new Database(dbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS objects (
        resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        rv INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (resource, namespace, name)
      );
      CREATE TABLE IF NOT EXISTS history (
        rv INTEGER PRIMARY KEY, resource TEXT NOT NULL, namespace TEXT NOT NULL,
        type TEXT NOT NULL, data TEXT NOT NULL, previous TEXT
      );
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'rv'`).get() as { value: string } | undefined;
    this.rv = row ? Number(row.value) : 0;
    this.stmts = {
      get: this.db.prepare(`SELECT data FROM objects WHERE resource = ? AND namespace = ? AND name = ?`),
      listAll: this.db.prepare(`SELECT data FROM objects WHERE resource = ? ORDER BY namespace, name`),
      listNs: this.db.prepare(`SELECT data FROM objects WHERE resource = ? AND namespace = ? ORDER BY name`),
      insert: this.db.prepare(`INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?)`),
      update: this.db.prepare(`UPDATE objects SET rv = ?, data = ? WHERE resource = ? AND namespace = ? AND name = ?`),
      remove: this.db.prepare(`DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?`),
      history: this.db.prepare(
        `INSERT INTO history (rv, resource, namespace, type, data, previous) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      prune: this.db.prepare(`DELETE FROM history WHERE rv <= ?`),
      setRv: this.db.prepare(`INSERT INTO meta (key, value) VALUES ('rv', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      oldest: this.db.prepare(`SELECT MIN(rv) AS rv FROM history`),
      since: this.db.prepare(`SELECT * FROM history WHERE rv > ? AND resource = ? ORDER BY rv`),
    };
  }

  create<T extends KubeObject>(resource: ResourceName, obj: T): T {
    const { namespace, name } = keyOf(obj);
    if (this.stmts.get.get(resource, namespace, name)) throw AlreadyExistsError.of(resource, name);
    const stored = structuredClone(obj);
    const meta = (stored.metadata ??= {}) as Mutable<ObjectMeta>;
    meta.uid ??= randomUUID();
    meta.creationTimestamp ??= rfc3339Seconds(this.now());
    this.write(() => {
      meta.resourceVersion = String(this.rv + 1);
      const data = JSON.stringify(stored);
      this.stmts.insert.run(resource, namespace, name, this.rv + 1, data);
      return { type: 'ADDED', data, previous: null };
    }, resource, namespace);
    this.emitLast();
    return stored;
  }

  get<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T {
    const found = this.tryGet<T>(resource, namespace, name);
    if (!found) throw NotFoundError.of(resource, name);
    return found;
  }

  tryGet<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T | undefined {
    const row = this.stmts.get.get(resource, namespace, name) as ObjectRow | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  list<T extends KubeObject>(resource: ResourceName, namespace: string | undefined, opts: ListOptions = {}): ObjectList<T> {
    const selector = parseSelectors(opts);
    const rows = (namespace === undefined ? this.stmts.listAll.all(resource) : this.stmts.listNs.all(resource, namespace)) as ObjectRow[];
    let items = rows.map((r) => JSON.parse(r.data) as T);
    if (!isEverything(selector)) items = items.filter((o) => matchesSelector(selector, o));
    // `continue` is the last key of the previous page: pages see current data, not a snapshot.
    if (opts.continue) {
      const after = decodeContinue(opts.continue);
      items = items.filter((o) => compareKeys(keyString(o), after) > 0);
    }
    const metadata: ObjectList['metadata'] = { resourceVersion: String(this.rv) };
    if (opts.limit !== undefined && opts.limit > 0 && items.length > opts.limit) {
      const remaining = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      metadata.continue = Buffer.from(keyString(items[items.length - 1])).toString('base64url');
      metadata.remainingItemCount = remaining;
    }
    return { items, metadata };
  }

  update<T extends KubeObject>(resource: ResourceName, obj: T): T {
    const { namespace, name } = keyOf(obj);
    const row = this.stmts.get.get(resource, namespace, name) as ObjectRow | undefined;
    if (!row) throw NotFoundError.of(resource, name);
    const current = JSON.parse(row.data) as T;
    const wanted = obj.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== current.metadata?.resourceVersion) {
      throw conflict(resource, name);
    }
    const next = structuredClone(obj);
    const meta = (next.metadata ??= {}) as Mutable<ObjectMeta>;
    // Identity and creation time are the store's, never the caller's.
    meta.uid = current.metadata?.uid;
    meta.creationTimestamp = current.metadata?.creationTimestamp;
    meta.resourceVersion = current.metadata?.resourceVersion;
    if (deepEqual(next, current)) return current;
    this.write(() => {
      meta.resourceVersion = String(this.rv + 1);
      const data = JSON.stringify(next);
      this.stmts.update.run(this.rv + 1, data, resource, namespace, name);
      return { type: 'MODIFIED', data, previous: row.data };
    }, resource, namespace);
    this.emitLast();
    return next;
  }

  delete<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T {
    const row = this.stmts.get.get(resource, namespace, name) as ObjectRow | undefined;
    if (!row) throw NotFoundError.of(resource, name);
    const obj = JSON.parse(row.data) as T;
    this.write(() => {
      ((obj.metadata ??= {}) as Mutable<ObjectMeta>).resourceVersion = String(this.rv + 1);
      this.stmts.remove.run(resource, namespace, name);
      return { type: 'DELETED', data: JSON.stringify(obj), previous: null };
    }, resource, namespace);
    this.emitLast();
    return obj;
  }

  /**
   * With `resourceVersion` undefined or "0" the watch starts with the current objects as ADDED
   * (Kubernetes' "get state and start at most recent"); otherwise it replays the kept changes
   * after that version. Replay happens before this returns; live events follow in order.
   */
  watch(
    resource: ResourceName,
    namespace: string | undefined,
    resourceVersion: string | undefined,
    onEvent: (event: WatchEvent) => void,
    opts: ListOptions = {},
  ): () => void {
    const selector = parseSelectors(opts);
    const sub: Subscriber = { resource, namespace, selector, lastRv: this.rv, onEvent };
    const initial: WatchEvent[] = [];
    if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
      for (const object of this.list(resource, namespace, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }).items) {
        initial.push({ type: 'ADDED', object });
      }
    } else {
      const from = Number(resourceVersion);
      if (!Number.isSafeInteger(from) || from < 0) {
        throw new BadRequestError(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
      }
      if (from < this.rv) {
        const oldest = (this.stmts.oldest.get() as { rv: number | null }).rv;
        if (oldest === null || from < oldest - 1) {
          throw new GoneError(`too old resource version: ${from} (${oldest === null ? this.rv : oldest - 1})`);
        }
        for (const row of this.stmts.since.all(from, resource) as HistoryRow[]) {
          const change = rowToChange(row);
          if (change.rv > sub.lastRv) break;
          const ev = filterChange(sub, change);
          if (ev) initial.push(ev);
        }
      }
    }
    const wasDispatching = this.dispatching;
    this.dispatching = true;
    try {
      for (const ev of initial) this.deliver(sub, ev);
      this.subscribers.add(sub);
    } finally {
      this.dispatching = wasDispatching;
    }
    if (!wasDispatching) this.drain();
    return () => {
      this.subscribers.delete(sub);
    };
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  close(): void {
    this.subscribers.clear();
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------------------------------

  private lastChange: Change | undefined;

  /** Runs one write in a transaction with the next resourceVersion and records it in history. */
  private write(
    apply: () => { type: Change['type']; data: string; previous: string | null },
    resource: string,
    namespace: string,
  ): number {
    const rv = this.rv + 1;
    const tx = this.db.transaction(() => {
      const { type, data, previous } = apply();
      this.stmts.history.run(rv, resource, namespace, type, data, previous);
      this.stmts.setRv.run(String(rv));
      if (rv > this.historyLimit) this.stmts.prune.run(rv - this.historyLimit);
      return { rv, resource, namespace, type, data, previous } satisfies HistoryRow;
    });
    const row = tx();
    this.rv = rv;
    this.lastChange = rowToChange(row);
    return rv;
  }

  private emitLast(): void {
    const change = this.lastChange;
    this.lastChange = undefined;
    if (!change || this.subscribers.size === 0) return;
    this.queue.push(change);
    this.drain();
  }

  /** Delivers queued changes in order; a write from inside a callback is queued, not nested. */
  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.queue.length > 0) {
        const change = this.queue.shift()!;
        for (const sub of [...this.subscribers]) {
          if (!this.subscribers.has(sub) || change.rv <= sub.lastRv) continue;
          sub.lastRv = change.rv;
          const ev = filterChange(sub, change);
          if (ev) this.deliver(sub, structuredCloneEvent(ev));
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  private deliver(sub: Subscriber, ev: WatchEvent): void {
    try {
      sub.onEvent(ev);
    } catch (err) {
      this.onListenerError(err);
    }
  }
}

function structuredCloneEvent(ev: WatchEvent): WatchEvent {
  // Each subscriber gets its own copy so one cannot change what the next one sees.
  return { type: ev.type, object: structuredClone(ev.object) };
}

function rowToChange(row: HistoryRow): Change {
  const change: Change = {
    rv: row.rv,
    resource: row.resource,
    namespace: row.namespace,
    type: row.type,
    object: JSON.parse(row.data) as KubeObject,
  };
  if (row.previous !== null) change.previous = JSON.parse(row.previous) as KubeObject;
  return change;
}

/** What a watcher sees of a change: objects moving into or out of its selector become ADDED / DELETED. */
function filterChange(sub: Subscriber, change: Change): WatchEvent | undefined {
  if (change.resource !== sub.resource) return undefined;
  if (sub.namespace !== undefined && change.namespace !== sub.namespace) return undefined;
  if (isEverything(sub.selector)) return { type: change.type, object: change.object };
  const now = matchesSelector(sub.selector, change.object);
  if (change.type !== 'MODIFIED') return now ? { type: change.type, object: change.object } : undefined;
  const before = change.previous !== undefined && matchesSelector(sub.selector, change.previous);
  let type: WatchEventType | undefined;
  if (now && before) type = 'MODIFIED';
  else if (now) type = 'ADDED';
  else if (before) type = 'DELETED';
  return type ? { type, object: change.object } : undefined;
}

function keyOf(obj: KubeObject): { namespace: string; name: string } {
  const name = obj.metadata?.name;
  if (!name) throw new BadRequestError('metadata.name is required');
  const namespace = obj.metadata?.namespace ?? '';
  if (typeof name !== 'string' || typeof namespace !== 'string') throw new BadRequestError('metadata.name and metadata.namespace must be strings');
  return { namespace, name };
}

function keyString(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decodeContinue(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.includes('/')) throw new BadRequestError(`invalid continue token: ${JSON.stringify(token)}`);
  return text;
}

function conflict(resource: string, name: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: resource },
  );
}
