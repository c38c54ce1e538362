/**
 * @module The taint eviction rule (upstream pkg/controller/tainteviction), pure: a pod running on
 * a node with NoExecute taints is evicted at once when one of them is not tolerated, after the
 * shortest tolerationSeconds of the tolerations it uses when all are (counted from when the
 * controller first saw it tolerating them, as upstream's queue keeps its first CreatedAt), and
 * never when those tolerations set no tolerationSeconds. Without it a NoExecute taint would only
 * keep new pods away, as NoSchedule does.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../scheduling/node-matching.js';

export type TaintEvictionDecision =
  /** No NoExecute taint, or tolerated forever: any scheduled eviction is cancelled. */
  | { kind: 'keep' }
  | { kind: 'evict' }
  /** Evict at `dueMs` (absolute, on the controller's clock) unless something changes. */
  | { kind: 'evictAt'; dueMs: number };

/** For each taint, the first toleration that tolerates it (upstream GetMatchingTolerations); undefined when one is not tolerated. */
function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return undefined;
    used.push(t);
  }
  return used;
}

/** The shortest tolerationSeconds in ms (0 when one is ≤ 0), or -1 when none sets one (forever). */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/**
 * What to do with a pod given its node's taints. `scheduledSinceMs` is when an eviction of it was
 * first scheduled (undefined if none is), `now` the controller's clock.
 */
export function planTaintEviction(nodeTaints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, scheduledSinceMs: number | undefined, now: number): TaintEvictionDecision {
  const taints = (nodeTaints ?? []).filter((t) => t.effect === 'NoExecute');
  if (taints.length === 0) return { kind: 'keep' };
  const used = matchingTolerations(taints, tolerations ?? []);
  if (!used) return { kind: 'evict' };
  const min = minTolerationMs(used);
  if (min < 0) return { kind: 'keep' };
  const dueMs = (scheduledSinceMs ?? now) + min;
  return dueMs <= now ? { kind: 'evict' } : { kind: 'evictAt', dueMs };
}
