/**
 * @module Controller expectations (upstream ControllerExpectations): after a controller asks for
 * pods to be created or deleted, it does not act on that owner again until its informer has seen
 * those changes (or five minutes pass), so a cache that lags behind the writes never makes it
 * create or delete twice.
 */
import type { Clock } from '../core/ports.js';

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  since: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** True when nothing is pending for the key (or what was pending is too old to wait for). */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.deletes.size === 0) || this.clock.now() - e.since > EXPECTATIONS_TIMEOUT_MS) {
      this.byKey.delete(key);
      return true;
    }
    return false;
  }

  expectCreations(key: string, n: number): void {
    const e = this.entry(key);
    e.adds += n;
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    const e = this.entry(key);
    for (const uid of uids) e.deletes.add(uid);
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  /** A create that failed will never be observed. */
  lowerCreations(key: string, n: number): void {
    const e = this.byKey.get(key);
    if (e) e.adds -= n;
  }

  deletionObserved(key: string, uid: string): void {
    this.byKey.get(key)?.deletes.delete(uid);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  private entry(key: string): Expectation {
    let e = this.byKey.get(key);
    if (!e) this.byKey.set(key, (e = { adds: 0, deletes: new Set(), since: this.clock.now() }));
    e.since = this.clock.now();
    return e;
  }
}
