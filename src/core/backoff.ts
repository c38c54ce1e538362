/**
 * @module Crash-loop back-off as the kubelet keeps it (client-go flowcontrol.Backoff): per key
 * (pod UID + container name + spec hash), the first exit restarts at once, the k-th consecutive
 * one waits min(10 s × 2^(k−2), 300 s) from that exit, and an entry whose last restart is more
 * than 2 × max older than the latest exit starts over. Times are passed in, so it runs under a
 * fake clock.
 */

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class BackOff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly initialMs = INITIAL_BACKOFF_MS,
    private readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  /**
   * Whether a restart after an exit at `eventTime` must still wait at `now`; returns the time
   * the wait ends, or undefined when the restart may go ahead.
   */
  waitUntil(key: string, eventTime: number, now: number): number | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(eventTime, entry.lastUpdate)) return undefined;
    const until = eventTime + entry.backoffMs;
    return now < until ? until : undefined;
  }

  /** Records a restart for an exit at `eventTime`: doubles the next wait (capped). */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(eventTime, entry.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = eventTime;
  }

  /** The current wait for the key (what the CrashLoopBackOff message shows). */
  current(key: string): number | undefined {
    return this.entries.get(key)?.backoffMs;
  }

  /** Drops entries idle for longer than 2 × max, as the kubelet's periodic GC does. */
  gc(now: number): void {
    for (const [key, entry] of this.entries) {
      if (this.hasExpired(now, entry.lastUpdate)) this.entries.delete(key);
    }
  }

  /** Drops every entry of a pod (pod deleted). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}

export function backOffKey(podUid: string, containerName: string, hash: string): string {
  return `${podUid}/${containerName}/${hash}`;
}
