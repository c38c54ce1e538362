/**
 * @module The daemon's own API semantics in memory for controller tests: an in-memory SQLite
 * store, the built-in registry and generic store, and the controllers' ObjectClient over them.
 */
import { GenericStore } from '../api/registry/generic-store.js';
import { builtinRegistry } from '../api/registry/kinds/index.js';
import { ensureSystemNamespaces } from '../api/registry/kinds/namespace-kind.js';
import { ensureSystemPriorityClasses } from '../api/registry/kinds/scheduling-kinds.js';
import { LocalObjectClient } from '../api/registry/local-object-client.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { FakeClock } from './fake-clock.js';

export function localApi(opts: { nodeName?: string } = {}) {
  const store = new SqliteStore(':memory:');
  ensureSystemNamespaces(store);
  ensureSystemPriorityClasses(store);
  const clock = new FakeClock();
  const registry = builtinRegistry({ nodeName: opts.nodeName ?? 'node1' });
  const objects = new GenericStore(store, clock);
  const client = new LocalObjectClient(objects, registry, clock);
  return { store, clock, registry, objects, client, close: () => store.close() };
}

/** Lets pending promise chains and immediates run until `check` holds (or fails after `rounds`). */
export async function settle(check: () => boolean | Promise<boolean>, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/**
 * One round of what a kubelet would do to the pods in `api`: pods being deleted go, pending ones
 * become Running and Ready (all, or only `readyLimit` of them). Returns how many it changed.
 */
export async function kubeletRound(api: ReturnType<typeof localApi>, opts: { readyLimit?: number } = {}): Promise<number> {
  const PODS = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true };
  let changed = 0;
  let ready = 0;
  for (const p of (await api.client.list<import('../core/types.js').Pod>(PODS)).items) {
    const m = p.metadata!;
    if (m.deletionTimestamp) {
      await api.client.delete(PODS, m.namespace, m.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
      changed++;
      continue;
    }
    if (p.status?.phase === 'Running') continue;
    if (opts.readyLimit !== undefined && ready >= opts.readyLimit) continue;
    ready++;
    const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    // A pod changed meanwhile (by a controller) is looked at again next round.
    await api.client
      .update(PODS, { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } }, { subresource: 'status' })
      .then(() => changed++, () => undefined);
  }
  return changed;
}
