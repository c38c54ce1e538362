/**
 * @module The namespace controller's job, in process: once a namespace is Terminating, delete
 * its pods gracefully (the node agent removes them when stopped) and its other content, then
 * remove the namespace when nothing is left.
 */
import type { Logger } from '../core/logger.js';
import type { Clock, ObjectStore } from '../core/ports.js';
import type { Namespace, Pod } from '../core/types.js';
import { deletePod } from './pod-delete.js';

/** Namespaced resources that go at once with their namespace (pods go gracefully). */
const OTHER_NAMESPACED = ['events', 'configmaps', 'secrets'];

export function startNamespaceLifecycle(store: ObjectStore, clock: Clock, logger: Logger): () => void {
  let scheduled = false;
  let stopped = false;
  const reconcile = (): void => {
    scheduled = false;
    if (stopped) return;
    for (const ns of store.list<Namespace>('namespaces', undefined).items) {
      if (ns.status?.phase !== 'Terminating') continue;
      const name = ns.metadata!.name!;
      try {
        finalize(store, clock, name);
      } catch (err) {
        logger.warn('namespace deletion step failed', { namespace: name, error: (err as Error).message });
      }
    }
  };
  const schedule = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    // Never write from inside a store callback: run after the current change is delivered.
    setImmediate(reconcile);
  };
  const rv = store.currentResourceVersion();
  const stopNs = store.watch('namespaces', undefined, rv, (ev) => {
    if ((ev.object as Namespace).status?.phase === 'Terminating') schedule();
  });
  const stopPods = store.watch('pods', undefined, rv, (ev) => {
    if (ev.type === 'DELETED') schedule();
  });
  schedule();
  return () => {
    stopped = true;
    stopNs();
    stopPods();
  };
}

function finalize(store: ObjectStore, clock: Clock, namespace: string): void {
  const pods = store.list<Pod>('pods', namespace).items;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp === undefined) deletePod(store, clock, namespace, pod.metadata!.name!);
  }
  if (store.list('pods', namespace).items.length > 0) return;
  for (const resource of OTHER_NAMESPACED) {
    for (const obj of store.list(resource, namespace).items) store.delete(resource, namespace, obj.metadata!.name!);
  }
  if (store.tryGet('namespaces', '', namespace)) store.delete('namespaces', '', namespace);
}
