/**
 * @module The node agent's API ports (PodSource, PodStatusWriter, EventSink, EventCollection,
 * NodeStatusWriter, ConfigObjectSource) over the local ObjectStore: peapod on one machine, where
 * the agent and the API server share the store. The only agent module that sees the ObjectStore;
 * a cluster member would swap this for the same ports over a Kubernetes API server client.
 */
import type {
  Clock,
  ConfigObjectSource,
  MirrorPodClient,
  EventCollection,
  EventSink,
  NodeStatusWriter,
  ObjectList,
  ObjectStore,
  PodSource,
  PersistentVolumeSource,
  PodStatusWriter,
  ServiceLister,
  WatchEvent,
} from '../core/ports.js';
import type { Event, KubeObject, Pod, Service } from '../core/types.js';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret } from 'kubernetes-types/core/v1.js';
import { rfc3339Seconds } from '../core/rfc3339.js';

export class LocalStoreNodeApi implements PodSource, PodStatusWriter, EventSink, EventCollection, NodeStatusWriter, ConfigObjectSource, MirrorPodClient, PersistentVolumeSource, ServiceLister {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Pick<Clock, 'now'> = { now: () => Date.now() },
  ) {}

  // ServiceLister ---------------------------------------------------------------------------

  listServices(): Service[] {
    return this.store.list<Service>('services', undefined).items;
  }

  // PodSource -------------------------------------------------------------------------------

  listPods(namespace?: string): ObjectList<Pod> {
    return this.store.list<Pod>('pods', namespace);
  }

  watchPods(resourceVersion: string | undefined, onEvent: (event: WatchEvent<Pod>) => void): () => void {
    return this.store.watch('pods', undefined, resourceVersion, onEvent as (event: WatchEvent) => void);
  }

  getPod(namespace: string, name: string): Pod | undefined {
    return this.store.tryGet<Pod>('pods', namespace, name);
  }

  // PodStatusWriter -------------------------------------------------------------------------

  updatePodStatus(pod: Pod): Pod {
    // The store's update is conditional on the resourceVersion the pod carries, which is the
    // status subresource's semantics; the rest of the object is what getPod returned.
    return this.store.update<Pod>('pods', pod);
  }

  deletePod(namespace: string, name: string, uid: string): boolean {
    const stored = this.store.tryGet<Pod>('pods', namespace, name);
    if (stored?.metadata?.uid !== uid) return false;
    // As the API server's delete with grace 0: finalizers (a Job's pod tracking) keep the object,
    // deletionGracePeriodSeconds 0, until their owners remove them; the last removal deletes it.
    if ((stored.metadata.finalizers ?? []).length > 0) {
      if (stored.metadata.deletionGracePeriodSeconds !== 0 || !stored.metadata.deletionTimestamp) {
        const meta = { ...stored.metadata, deletionTimestamp: stored.metadata.deletionTimestamp ?? rfc3339Seconds(this.clock.now()), deletionGracePeriodSeconds: 0 };
        this.store.update<Pod>('pods', { ...stored, metadata: meta });
      }
      return true;
    }
    this.store.delete('pods', namespace, name);
    return true;
  }

  // MirrorPodClient -------------------------------------------------------------------------

  createMirrorPod(pod: Pod): Pod {
    return this.store.create<Pod>('pods', pod);
  }

  deleteMirrorPod(namespace: string, name: string, uid: string): void {
    const stored = this.store.tryGet<Pod>('pods', namespace, name);
    if (stored?.metadata?.uid !== uid || stored.metadata.deletionTimestamp) return;
    // As the API server's graceful delete: the agent stops the pod and removes it after.
    const grace = stored.spec?.terminationGracePeriodSeconds ?? 30;
    if (grace <= 0 || stored.status?.phase === 'Succeeded' || stored.status?.phase === 'Failed') {
      this.store.delete('pods', namespace, name);
      return;
    }
    const meta = { ...stored.metadata, deletionTimestamp: rfc3339Seconds(this.clock.now() + grace * 1000), deletionGracePeriodSeconds: grace };
    this.store.update<Pod>('pods', { ...stored, metadata: meta });
  }

  // EventSink / EventCollection -------------------------------------------------------------

  getEvent(namespace: string, name: string): Event | undefined {
    return this.store.tryGet<Event>('events', namespace, name);
  }

  createEvent(event: Event): Event {
    return this.store.create<Event>('events', event);
  }

  updateEvent(event: Event): Event {
    return this.store.update<Event>('events', { ...event, metadata: { ...event.metadata, resourceVersion: undefined } });
  }

  listEvents(): Event[] {
    return this.store.list<Event>('events', undefined).items;
  }

  deleteEvent(namespace: string, name: string): void {
    this.store.delete('events', namespace, name);
  }

  // NodeStatusWriter ------------------------------------------------------------------------

  getNode(name: string): KubeObject | undefined {
    return this.store.tryGet<KubeObject>('nodes', '', name);
  }

  createNode(node: KubeObject): KubeObject {
    return this.store.create('nodes', node);
  }

  updateNode(node: KubeObject): KubeObject {
    return this.store.update('nodes', { ...node, metadata: { ...node.metadata, resourceVersion: undefined } });
  }

  // ConfigObjectSource ----------------------------------------------------------------------

  getConfigMap(namespace: string, name: string): ConfigMap | undefined {
    return this.store.tryGet<ConfigMap>('configmaps', namespace, name);
  }

  getSecret(namespace: string, name: string): Secret | undefined {
    return this.store.tryGet<Secret>('secrets', namespace, name);
  }

  watchConfigObjects(onEvent: (kind: 'ConfigMap' | 'Secret', event: WatchEvent) => void): () => void {
    // One starting point for both, so that a change between the two watch calls is not lost.
    const rv = this.store.currentResourceVersion();
    const stops = (
      [
        ['configmaps', 'ConfigMap'],
        ['secrets', 'Secret'],
      ] as const
    ).map(([resource, kind]) => this.store.watch(resource, undefined, rv, (e) => onEvent(kind, e)));
    return () => {
      for (const stop of stops) stop();
    };
  }

  // PersistentVolumeSource ------------------------------------------------------------------

  getPersistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.store.tryGet<PersistentVolumeClaim & KubeObject>('persistentvolumeclaims', namespace, name);
  }

  getPersistentVolume(name: string): PersistentVolume | undefined {
    return this.store.tryGet<PersistentVolume & KubeObject>('persistentvolumes', '', name);
  }

  watchPersistentVolumeClaims(onEvent: (event: WatchEvent) => void): () => void {
    return this.store.watch('persistentvolumeclaims', undefined, this.store.currentResourceVersion(), onEvent);
  }
}
