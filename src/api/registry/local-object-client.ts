/**
 * @module The controllers' ObjectClient over this daemon's own API (registry + generic store), in
 * process: the same validation, defaulting and deletion semantics as a REST call, without HTTP.
 * Answers are asynchronous, as a remote API server's would be, so controllers never depend on
 * a write having happened before the call returned.
 */
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import type { Clock, ClientDeleteOptions, ListOptions, ObjectClient, ObjectList, PatchKind, ResourceType, WatchEvent } from '../../core/ports.js';
import type { KubeObject } from '../../core/types.js';
import type { GenericStore } from './generic-store.js';
import { verbsOf, type KindDefinition } from './kind-definition.js';
import type { ResourceRegistry } from './resource-registry.js';
import { bindPod } from './kinds/pod-binding.js';

export class LocalObjectClient implements ObjectClient {
  constructor(
    private readonly objects: GenericStore,
    private readonly registry: ResourceRegistry,
    private readonly clock: Clock,
  ) {}

  resourceTypes(): ResourceType[] {
    return this.registry
      .all()
      .filter((d) => d.routes !== 'custom' && ['list', 'watch', 'delete'].every((v) => verbsOf(d).includes(v as never)))
      .map((d) => ({ group: d.group, version: d.version, resource: d.resource, kind: d.kind, namespaced: d.namespaced }));
  }

  async list<T extends KubeObject>(type: ResourceType, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const l = this.objects.list<T>(this.def(type), namespace, opts);
    return { items: l.items, metadata: l.metadata };
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    return this.objects.tryGet<T>(this.def(type), namespace, name);
  }

  watch<T extends KubeObject>(type: ResourceType, namespace: string | undefined, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void): () => void {
    return this.objects.watch(this.def(type), namespace, resourceVersion, onEvent as (e: WatchEvent) => void);
  }

  async create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return this.objects.create<T>(this.def(type), obj.metadata?.namespace, obj);
  }

  async update<T extends KubeObject>(type: ResourceType, obj: T, opts: { subresource?: 'status' } = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new BadRequestError('metadata.name is required');
    return this.objects.update<T>(this.def(type), obj.metadata?.namespace, name, obj, opts);
  }

  async patch<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, opts: { subresource?: 'status' } = {}): Promise<T> {
    return this.objects.patch<T>(this.def(type), namespace, name, kind, patch, opts).object;
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string, opts: ClientDeleteOptions = {}): Promise<KubeObject> {
    return this.objects.delete(this.def(type), namespace, name, opts).object;
  }

  async bindPod(namespace: string, name: string, uid: string, nodeName: string): Promise<void> {
    bindPod(this.objects, this.registry, this.clock.now(), { namespace, name, uid, target: nodeName });
  }

  private def(type: ResourceType): KindDefinition {
    const def = this.registry.byResource(type.group, type.version, type.resource);
    if (!def || def.routes === 'custom') throw new NotFoundError(`the server could not find the requested resource (${type.resource}${type.group ? `.${type.group}` : ''})`);
    return def;
  }
}
