/**
 * @module The API side of the node agent in memory: a PodSource and PodStatusWriter over a map
 * of pods with resourceVersions (status writes are conditional on them, as the real store's),
 * watch events delivered at once, and the API server's graceful deletion (deletionTimestamp and
 * deletionGracePeriodSeconds set, the object removed only by the agent's final delete or a
 * force delete).
 */
import { ConflictError } from '../core/errors.js';
import type { ObjectList, PodSource, PodStatusWriter, WatchEvent } from '../core/ports.js';
import type { Pod } from '../core/types.js';
import type { FakeClock } from './fake-clock.js';

export class FakePodApi implements PodSource, PodStatusWriter {
  private readonly pods = new Map<string, Pod>();
  private readonly watchers = new Set<(e: WatchEvent<Pod>) => void>();
  private rv = 0;
  private uids = 0;
  /** Every status the agent wrote, per pod name, in order. */
  readonly statusWrites = new Map<string, Pod['status'][]>();

  constructor(private readonly clock: FakeClock) {}

  /** As the API server creates a pod: uid, resourceVersion, creationTimestamp; bound to `node`. */
  create(pod: Pod, node = 'node'): Pod {
    const name = pod.metadata!.name!;
    const stored: Pod = {
      ...pod,
      metadata: {
        namespace: 'default',
        ...pod.metadata,
        uid: pod.metadata?.uid ?? `uid-${name}-${++this.uids}`,
        resourceVersion: String(++this.rv),
        creationTimestamp: new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      spec: { nodeName: node, ...pod.spec! },
      status: { phase: 'Pending', ...pod.status },
    };
    this.pods.set(key(stored), stored);
    this.emit({ type: 'ADDED', object: stored });
    return stored;
  }

  /** A DELETE with a grace: the object stays, terminating, until the agent removes it. */
  delete(name: string, gracePeriodSeconds?: number, namespace = 'default'): Pod {
    const pod = this.mustGet(namespace, name);
    const grace = gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const meta = pod.metadata!;
    if (meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined && grace >= meta.deletionGracePeriodSeconds) return pod;
    return this.replace({
      ...pod,
      metadata: { ...meta, deletionTimestamp: new Date(this.clock.now() + grace * 1000).toISOString(), deletionGracePeriodSeconds: grace },
    });
  }

  /** `--grace-period=0 --force`: gone from the API at once. */
  forceDelete(name: string, namespace = 'default'): void {
    const pod = this.mustGet(namespace, name);
    this.pods.delete(key(pod));
    this.emit({ type: 'DELETED', object: pod });
  }

  /** Replaces the spec (an update through the API). */
  updateSpec(name: string, spec: Pod['spec'], namespace = 'default'): Pod {
    const pod = this.mustGet(namespace, name);
    return this.replace({ ...pod, spec });
  }

  listPods(namespace?: string): ObjectList<Pod> {
    const items = [...this.pods.values()].filter((p) => namespace === undefined || p.metadata?.namespace === namespace);
    return { items, metadata: { resourceVersion: String(this.rv) } };
  }

  watchPods(_rv: string | undefined, onEvent: (event: WatchEvent<Pod>) => void): () => void {
    this.watchers.add(onEvent);
    return () => this.watchers.delete(onEvent);
  }

  getPod(namespace: string, name: string): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  updatePodStatus(pod: Pod): Pod {
    const stored = this.mustGet(pod.metadata!.namespace!, pod.metadata!.name!);
    if (stored.metadata?.resourceVersion !== pod.metadata?.resourceVersion) {
      throw new ConflictError(`Operation cannot be fulfilled on pods "${pod.metadata?.name}": the object has been modified`);
    }
    const writes = this.statusWrites.get(pod.metadata!.name!) ?? [];
    writes.push(pod.status);
    this.statusWrites.set(pod.metadata!.name!, writes);
    return this.replace({ ...stored, status: pod.status });
  }

  deletePod(namespace: string, name: string, uid: string): boolean {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod || pod.metadata?.uid !== uid) return false;
    this.pods.delete(key(pod));
    this.emit({ type: 'DELETED', object: pod });
    return true;
  }

  private replace(pod: Pod): Pod {
    const next = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(++this.rv) } };
    this.pods.set(key(next), next);
    this.emit({ type: 'MODIFIED', object: next });
    return next;
  }

  private mustGet(namespace: string, name: string): Pod {
    const pod = this.getPod(namespace, name);
    if (!pod) throw new Error(`pods "${name}" not found`);
    return pod;
  }

  private emit(e: WatchEvent<Pod>): void {
    for (const w of [...this.watchers]) w(e);
  }
}

function key(pod: Pod): string {
  return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
}
