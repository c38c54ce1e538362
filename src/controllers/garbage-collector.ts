/**
 * @module The garbage collector (kube-controller-manager's): watches every kind, keeps the graph
 * of ownerReferences by uid, and works through object uids. An object whose owners are all gone
 * is deleted (in the background, or as its own finalizers say); an owner deleted with `orphan`
 * releases its dependents, one deleted with `foregroundDeletion` deletes them and waits for the
 * blocking ones. Owners missing from the graph are looked up live before anything is deleted, so
 * a lagging cache never collects an object whose owner exists. Every write carries the uid and
 * resourceVersion it was planned on.
 */
import type { Logger } from '../core/logger.js';
import type { ObjectClient, ResourceType } from '../core/ports.js';
import {
  isDeletingDependents,
  planDeletingOwner,
  planDependent,
  type DependentFact,
  type OwnerFact,
} from '../core/controllers/garbage-collection.js';
import { typeForKind } from '../core/controllers/resource-types.js';
import { isNotFound } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import type { ControllerContext } from './controller-manager.js';
import type { Reconciler } from './controller-runner.js';

interface GraphNode {
  type: ResourceType;
  obj: KubeObject;
}

const uidOf = (o: KubeObject): string => o.metadata?.uid ?? '';

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector';
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids */
  private readonly dependents = new Map<string, Set<string>>();
  private client!: ObjectClient;
  private enqueue!: (uid: string) => void;

  constructor(private readonly logger: Logger) {}

  /** Watches every listable kind but Events (they have no owners). */
  register(ctx: ControllerContext): void {
    this.client = ctx.client;
    this.enqueue = (uid) => ctx.queue.add(uid);
    for (const type of ctx.client.resourceTypes()) {
      if (type.group === '' && type.resource === 'events') continue;
      ctx.informer(type).addHandlers({
        onAdd: (o) => this.observe(type, undefined, o),
        onUpdate: (old, o) => this.observe(type, old, o),
        onDelete: (o) => this.forget(o),
      });
    }
  }

  private observe(type: ResourceType, old: KubeObject | undefined, obj: KubeObject): void {
    const uid = uidOf(obj);
    if (!uid) return;
    const before = old?.metadata?.ownerReferences ?? [];
    for (const ref of before) this.dependents.get(ref.uid)?.delete(uid);
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
    this.nodes.set(uid, { type, obj });
    const refsChanged = JSON.stringify(before) !== JSON.stringify(obj.metadata?.ownerReferences ?? []);
    const deletionChanged = old?.metadata?.deletionTimestamp !== obj.metadata?.deletionTimestamp || JSON.stringify(old?.metadata?.finalizers) !== JSON.stringify(obj.metadata?.finalizers);
    if (!old || refsChanged) this.enqueue(uid);
    if (deletionChanged && obj.metadata?.deletionTimestamp) {
      this.enqueue(uid);
      // Dependents of an owner that now waits for them change their answer.
      for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
    }
  }

  private forget(obj: KubeObject): void {
    const uid = uidOf(obj);
    this.nodes.delete(uid);
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      this.dependents.get(ref.uid)?.delete(uid);
      // An owner deleting in the foreground may have been waiting for this one.
      this.enqueue(ref.uid);
    }
    for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
  }

  async reconcile(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    if (node.obj.metadata?.deletionTimestamp !== undefined) {
      await this.processDeletingOwner(node);
      return;
    }
    const refs = node.obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const owners: OwnerFact[] = [];
    for (const ref of refs) {
      const fact = await this.ownerFact(node, ref);
      if (!fact) return; // an owner of a kind not served here: leave the object alone
      owners.push(fact);
    }
    const plan = planDependent(node.obj, owners, (this.dependents.get(uid)?.size ?? 0) > 0);
    const { namespace, name, resourceVersion } = node.obj.metadata ?? {};
    if (plan.action === 'removeOwnerReferences') {
      const keep = refs.filter((r) => !plan.uids.includes(r.uid));
      this.logger.debug('garbage collector: removing owner references', { name, uids: plan.uids });
      await this.client.patch(node.type, namespace, name!, 'merge', { metadata: { ownerReferences: keep.length ? keep : null, resourceVersion } });
    } else if (plan.action === 'delete') {
      this.logger.debug('garbage collector: deleting', { resource: node.type.resource, namespace, name, policy: plan.policy });
      await this.deleteQuietly(node.type, namespace, name!, { propagationPolicy: plan.policy, preconditions: { uid, resourceVersion } });
    }
  }

  private async processDeletingOwner(node: GraphNode): Promise<void> {
    const uid = uidOf(node.obj);
    const facts: DependentFact[] = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      const ref = dep.obj.metadata?.ownerReferences?.find((r) => r.uid === uid);
      facts.push({ uid: d, blocking: ref?.blockOwnerDeletion === true, deleting: dep.obj.metadata?.deletionTimestamp !== undefined, hasDependents: (this.dependents.get(d)?.size ?? 0) > 0 });
    }
    const plan = planDeletingOwner(node.obj, facts);
    for (const d of plan.orphan) {
      const dep = this.nodes.get(d)!;
      const m = dep.obj.metadata!;
      const keep = (m.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.patchQuietly(dep.type, m.namespace, m.name!, { metadata: { ownerReferences: keep.length ? keep : null, resourceVersion: m.resourceVersion } });
    }
    for (const { uid: d, policy } of plan.delete) {
      const dep = this.nodes.get(d)!;
      const m = dep.obj.metadata!;
      await this.deleteQuietly(dep.type, m.namespace, m.name!, { propagationPolicy: policy, preconditions: { uid: d } });
    }
    if (plan.removeFinalizers.length === 0) return;
    const m = node.obj.metadata!;
    const finalizers = (m.finalizers ?? []).filter((f) => !plan.removeFinalizers.includes(f));
    this.logger.debug('garbage collector: dependents handled, removing finalizers', { name: m.name, removed: plan.removeFinalizers });
    await this.patchQuietly(node.type, m.namespace, m.name!, { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: m.resourceVersion } });
  }

  /** The owner's state: from the graph, else looked up live (gone, or another object under the name, is dangling). */
  private async ownerFact(node: GraphNode, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<OwnerFact | undefined> {
    const known = this.nodes.get(ref.uid);
    if (known) return { uid: ref.uid, state: isDeletingDependents(known.obj) ? 'waiting' : 'solid' };
    const type = typeForKind(this.client.resourceTypes(), ref.apiVersion, ref.kind);
    if (!type) return undefined;
    const live = await this.client.get(type, type.namespaced ? node.obj.metadata?.namespace : undefined, ref.name);
    if (!live || uidOf(live) !== ref.uid) return { uid: ref.uid, state: 'dangling' };
    return { uid: ref.uid, state: isDeletingDependents(live) ? 'waiting' : 'solid' };
  }

  private async deleteQuietly(type: ResourceType, namespace: string | undefined, name: string, opts: Parameters<ObjectClient['delete']>[3]): Promise<void> {
    try {
      await this.client.delete(type, namespace, name, opts);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async patchQuietly(type: ResourceType, namespace: string | undefined, name: string, patch: unknown): Promise<void> {
    try {
      await this.client.patch(type, namespace, name, 'merge', patch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

