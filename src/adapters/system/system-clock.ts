/** @module The real clock: wall time and Node timers (unref'd, so they never hold the process). */
import type { Clock, TimerHandle } from '../../core/ports.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    t.unref();
    return { id: t };
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
};
