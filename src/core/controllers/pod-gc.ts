/**
 * @module The pod garbage collector's orphan rule (upstream pkg/controller/podgc gcOrphaned),
 * pure: a pod bound to a node that does not exist, and still did not after the quarantine (40 s,
 * in case the node is only late to register), is marked Failed and force-deleted; an unbound pod
 * being deleted goes at once (gcUnscheduledTerminating).
 */
import type { Pod } from '../types.js';

export const ORPHAN_QUARANTINE_MS = 40_000;
/** How often the collector looks (upstream gcCheckPeriod). */
export const POD_GC_PERIOD_MS = 20_000;

export interface PodGcPlan {
  /** Pods on nodes gone for the whole quarantine. */
  orphaned: Pod[];
  unscheduledTerminating: Pod[];
  /** Node names seen missing, with since when: the state the next pass starts from. */
  missingSince: Map<string, number>;
  /** When the earliest quarantine ends, if any is running. */
  nextCheckMs?: number;
}

export function planPodGc(pods: readonly Pod[], nodeNames: ReadonlySet<string>, missingSince: ReadonlyMap<string, number>, now: number): PodGcPlan {
  const plan: PodGcPlan = { orphaned: [], unscheduledTerminating: [], missingSince: new Map() };
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node) {
      if (pod.metadata?.deletionTimestamp) plan.unscheduledTerminating.push(pod);
      continue;
    }
    if (nodeNames.has(node)) continue;
    const since = plan.missingSince.get(node) ?? missingSince.get(node) ?? now;
    plan.missingSince.set(node, since);
    if (now - since >= ORPHAN_QUARANTINE_MS) plan.orphaned.push(pod);
    else plan.nextCheckMs = Math.min(plan.nextCheckMs ?? Infinity, since + ORPHAN_QUARANTINE_MS - now);
  }
  return plan;
}
