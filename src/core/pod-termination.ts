/**
 * @module planTermination: how to stop what runs of one pod, as a pure function of its spec and
 * what the runtime shows (the kubelet's killPodWithSyncResult and kuberuntime_termination_order):
 * every preStop hook starts at once; app containers get their stop signal after their own
 * preStop, in parallel; sidecars (and init containers still running) only after every app
 * container exited, one at a time in reverse spec order; older instances still alive and
 * instances the spec does not name are killed at once, without hooks; then the sandboxes stop.
 * The pod worker executes the plan (ContainerKiller) within one deadline.
 */
import type { Pod } from './types.js';
import { latestInstances, type ContainerInstance, type PodRuntimeView } from './runtime-view.js';

export interface TerminationPlan {
  /** Current instances that run a preStop hook before their stop signal (only with a pod). */
  preStop: ContainerInstance[];
  /** Stopped in parallel, each after its own preStop: the app containers. */
  parallel: ContainerInstance[];
  /** Stopped one at a time, in this order, once every `parallel` one exited: sidecars, last first. */
  sequential: ContainerInstance[];
  /** Killed at once with no hook: instances that are not the current one of a spec container. */
  leftovers: ContainerInstance[];
  /** Every sandbox of the pod, stopped after all its containers. */
  sandboxes: string[];
}

/** The kubelet's default terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_SECONDS = 30;

function alive(c: ContainerInstance): boolean {
  return c.state === 'running' || c.state === 'created';
}

/**
 * `pod` undefined: the pod is gone from the API (force-deleted, or orphaned while the daemon was
 * down): no hooks, every instance is a leftover.
 */
export function planTermination(pod: Pod | undefined, view: PodRuntimeView): TerminationPlan {
  const names = new Set([...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].map((c) => c.name));
  const current = [...latestInstances(view).values()].map((l) => l.current).filter((c) => alive(c) && names.has(c.name));
  const leftovers = view.containers.filter((c) => alive(c) && !current.includes(c));
  const hooked = new Set(
    [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].filter((c) => c.lifecycle?.preStop).map((c) => c.name),
  );
  const initOrder = (pod?.spec?.initContainers ?? []).map((c) => c.name).reverse();
  return {
    preStop: current.filter((c) => c.state === 'running' && hooked.has(c.name)),
    parallel: current.filter((c) => c.type === 'app'),
    sequential: current.filter((c) => c.type === 'init').sort((a, b) => initOrder.indexOf(a.name) - initOrder.indexOf(b.name)),
    leftovers,
    sandboxes: view.sandboxes.map((s) => s.id),
  };
}

/**
 * The grace a termination starting now gets: the deletion's own, else the spec's, at least one
 * second (a force delete's 0 included); each container's stop signal still gets its 2 s floor.
 */
export function terminationGraceSeconds(pod: Pod | undefined): number {
  const g = pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  return Math.max(g, 1);
}
