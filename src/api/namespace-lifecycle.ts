/**
 * @module The namespace controller's job, in process: once a namespace is Terminating, delete
 * everything in it through the generic store (pods gracefully, so the node agent stops them;
 * objects with finalizers once those are done), then remove the namespace when nothing is left.
 */
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/ports.js';
import type { Namespace } from '../core/types.js';
import type { GenericStore } from './registry/generic-store.js';
import { qualifiedResource, type KindDefinition } from './registry/kind-definition.js';
import type { ResourceRegistry } from './registry/resource-registry.js';

export function startNamespaceLifecycle(objects: GenericStore, registry: ResourceRegistry, _clock: Clock, logger: Logger): () => void {
  const store = objects.store;
  const namespaced = registry.all().filter((d) => d.namespaced && d.routes !== 'custom');
  let scheduled = false;
  let stopped = false;
  const reconcile = (): void => {
    scheduled = false;
    if (stopped) return;
    for (const ns of store.list<Namespace>('namespaces', undefined).items) {
      if (ns.status?.phase !== 'Terminating') continue;
      const name = ns.metadata!.name!;
      try {
        finalize(objects, namespaced, name);
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
  // Anything removed may be what a terminating namespace waits for.
  const stops = namespaced.map((def) =>
    store.watch(qualifiedResource(def), undefined, rv, (ev) => {
      if (ev.type === 'DELETED') schedule();
    }),
  );
  schedule();
  return () => {
    stopped = true;
    stopNs();
    for (const stop of stops) stop();
  };
}

/** Deletes what is left in one pass; true when nothing is left. */
function deleteAll(objects: GenericStore, kinds: readonly KindDefinition[], namespace: string): boolean {
  let left = 0;
  for (const def of kinds) {
    for (const obj of objects.list(def, namespace).items) {
      const name = obj.metadata!.name!;
      if (obj.metadata?.deletionTimestamp === undefined) objects.delete(def, namespace, name, { propagationPolicy: 'Background' });
      if (objects.tryGet(def, namespace, name) !== undefined) left++;
    }
  }
  return left === 0;
}

/** What stopping pods still use: their ConfigMaps and Secrets, and the Events the agent writes. */
const LAST = new Set(['configmaps', 'secrets', 'events']);

/** Workloads and pods first, then what their stopping pods still use, then the namespace. */
function finalize(objects: GenericStore, kinds: readonly KindDefinition[], namespace: string): void {
  const last = kinds.filter((d) => d.group === '' && LAST.has(d.resource));
  if (!deleteAll(objects, kinds.filter((d) => !last.includes(d)), namespace)) return;
  if (!deleteAll(objects, last, namespace)) return;
  if (objects.store.tryGet('namespaces', '', namespace)) objects.store.delete('namespaces', '', namespace);
}
