/** @module Waiting for a promise at most so long, on a Clock (so that tests use a fake one). */
import type { Clock } from '../core/ports.js';

/** Resolves true if `p` settled within `ms` on the given clock. */
export function withTimeout(clock: Clock, p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = clock.setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clock.clearTimeout(t);
      resolve(true);
    };
    p.then(done, done);
  });
}
