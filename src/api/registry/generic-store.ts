/**
 * @module The API server's object semantics for every declared kind (upstream's generic registry
 * Store), below HTTP: create with generateName, update with resourceVersion preconditions and
 * server-owned metadata, the status and scale subresources, metadata.generation, patches,
 * deletion with finalizers, deletionTimestamp and the garbage collector's propagation policies.
 * The REST routes and the controllers' in-process client both go through it, so a write means
 * the same whoever makes it. Synchronous, like the store under it.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../../core/errors.js';
import { fieldErrors as fe } from '../../core/field-error.js';
import type { Mutable } from '../../core/mutable.js';
import type { Clock, ListOptions, ObjectStore, WatchEvent } from '../../core/ports.js';
import { rfc3339Seconds } from '../../core/rfc3339.js';
import { parseSelectors } from '../../core/selectors.js';
import type { KubeList, KubeObject, Namespace, ObjectMeta } from '../../core/types.js';
import { checkTypeMeta } from '../http-util.js';
import { applyPatch, type PatchType } from '../patch.js';
import { checkName, checkNamespace, stripServerFields, updateMeta } from './object-meta.js';
import { deepEqual } from '../../core/deep-equal.js';
import { groupVersion, hasStatus, qualifiedResource, type KindDefinition, type ObjectLookup } from './kind-definition.js';
import { defaultAdmission, type AdmissionPlugin } from './admission.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/** The finalizers the garbage collector works through (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents). */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface WriteOptions {
  dryRun?: boolean;
  /** Write the status subresource: only `status` changes. */
  subresource?: 'status';
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as it now is (pending deletion) or as last stored (removed). */
  object: KubeObject;
  /** True when the object is gone from the store. */
  deleted: boolean;
}

/** autoscaling/v1 Scale. */
export interface Scale extends KubeObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName's random suffix, as the API server makes it (5 characters without vowels). */
export function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[randomInt(GENERATE_CHARS.length)];
  return s;
}

/** Field selectors a kind supports: metadata.name and metadata.namespace, plus its own. */
export function allowedFields(def: KindDefinition): string[] {
  return ['metadata.name', 'metadata.namespace', ...(def.fieldSelectors ?? [])];
}

/** 404 when the namespace is missing, 403 when it is being deleted. */
export function requireActiveNamespace(store: ObjectStore, namespace: string, resource: string, name: string): void {
  const ns = store.tryGet<Namespace>('namespaces', '', namespace);
  if (!ns) throw NotFoundError.of('namespaces', namespace);
  if (ns.status?.phase === 'Terminating') {
    throw new ForbiddenError(
      `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      { name, kind: resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] },
    );
  }
}

type Obj = KubeObject & Record<string, unknown>;

export class GenericStore {
  /** What `prepare` hooks may read: stored objects by group and resource. */
  readonly lookup: ObjectLookup;

  constructor(
    readonly store: ObjectStore,
    private readonly clock: Clock,
    /** Admission plugins that read other objects (admission.ts), after each kind's prepare. */
    private readonly admission: readonly AdmissionPlugin[] = defaultAdmission(),
  ) {
    const key = (group: string, resource: string): string => (group ? `${resource}.${group}` : resource);
    this.lookup = {
      get: (group, resource, namespace, name) => store.tryGet(key(group, resource), namespace, name),
      list: (group, resource) => store.list(key(group, resource), undefined).items,
    };
  }

  /** Runs the admission plugins; returns the object to write and what must follow the write. */
  private admit(operation: 'create' | 'update', def: KindDefinition, obj: KubeObject, stored?: KubeObject, requestName?: string): { obj: KubeObject; afterWrite: (() => void)[] } {
    let out = obj;
    const afterWrite: (() => void)[] = [];
    const now = this.clock.now();
    const common = { operation, def, ...(stored ? { stored } : {}), store: this.store, now, requestName: requestName || obj.metadata?.name || '', afterWrite: (fn: () => void) => afterWrite.push(fn) };
    for (const plugin of this.admission) out = plugin({ ...common, obj: out });
    return { obj: out, afterWrite };
  }

  /** Throws NotFoundError named as the API server names it (`deployments.apps "web" not found`). */
  get<T extends KubeObject = KubeObject>(def: KindDefinition, namespace: string | undefined, name: string): T {
    const found = this.tryGet<T>(def, namespace, name);
    if (!found) throw notFound(def, name);
    return found;
  }

  tryGet<T extends KubeObject = KubeObject>(def: KindDefinition, namespace: string | undefined, name: string): T | undefined {
    return this.store.tryGet<T>(qualifiedResource(def), def.namespaced ? (namespace ?? '') : '', name);
  }

  /** `namespace` undefined lists across namespaces. Selectors are checked against the kind's fields (400). */
  list<T extends KubeObject = KubeObject>(def: KindDefinition, namespace: string | undefined, opts: ListOptions = {}): KubeList<T> {
    parseSelectors(opts, allowedFields(def));
    const l = this.store.list<T>(qualifiedResource(def), def.namespaced ? namespace : undefined, opts);
    return { kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata: l.metadata, items: l.items };
  }

  watch(def: KindDefinition, namespace: string | undefined, resourceVersion: string | undefined, onEvent: (e: WatchEvent) => void, opts: ListOptions = {}): () => void {
    parseSelectors(opts, allowedFields(def));
    return this.store.watch(qualifiedResource(def), def.namespaced ? namespace : undefined, resourceVersion, onEvent, opts);
  }

  create<T extends KubeObject = KubeObject>(def: KindDefinition, namespace: string | undefined, raw: KubeObject, opts: WriteOptions = {}): T {
    const prepared = this.prepareCreate(def, namespace, raw);
    const name = prepared.metadata!.name!;
    if (def.namespaced) requireActiveNamespace(this.store, prepared.metadata!.namespace!, qualifiedResource(def), name);
    const { obj, afterWrite } = this.admit('create', def, prepared, undefined, raw.metadata?.name || raw.metadata?.generateName);
    if (opts.dryRun) return obj as T;
    const created = this.store.create(qualifiedResource(def), obj) as T;
    for (const fn of afterWrite) fn();
    return created;
  }

  /** Replaces the object (or its status); `raw.metadata.resourceVersion`, when set, must be current. */
  update<T extends KubeObject = KubeObject>(def: KindDefinition, namespace: string | undefined, name: string, raw: KubeObject, opts: WriteOptions = {}): T {
    const body = this.decodeForUpdate(def, namespace, name, raw);
    const stored = this.get(def, namespace, name);
    return this.replace(def, stored, body, opts) as T;
  }

  /** A patch of any type; an apply patch of a missing object creates it (code 201). */
  patch<T extends KubeObject = KubeObject>(
    def: KindDefinition,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patchBody: unknown,
    opts: WriteOptions = {},
  ): { code: 200 | 201; object: T } {
    const stored = this.tryGet(def, namespace, name);
    if (!stored && type === 'apply' && !opts.subresource) {
      const raw = patchBody as KubeObject;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('the apply patch must be an object');
      checkName(raw, name);
      const withName = { ...raw, metadata: { ...raw.metadata, name } };
      return { code: 201, object: this.create<T>(def, namespace, withName, opts) };
    }
    if (!stored) throw notFound(def, name);
    const patched = applyPatch(type, stored, patchBody) as KubeObject;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw new BadRequestError('the patch did not produce an object');
    // A patch is not conditional unless it sets a resourceVersion itself.
    const rv = patched.metadata?.resourceVersion;
    const next = { ...patched, metadata: { ...patched.metadata, resourceVersion: rv === stored.metadata?.resourceVersion ? undefined : rv } };
    const body = this.decodeForUpdate(def, namespace, name, next);
    return { code: 200, object: this.replace(def, stored, body, opts) as T };
  }

  /**
   * Deletes as the API server does: graceful kinds keep the object with a deletionTimestamp,
   * finalizers (including the orphan / foregroundDeletion ones the propagation policy adds)
   * keep it until they are removed; otherwise it goes now.
   */
  delete(def: KindDefinition, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const stored = this.get(def, namespace, name);
    checkPreconditions(def, stored, opts.preconditions);
    const meta = { ...stored.metadata } as Mutable<ObjectMeta>;
    const finalizers = finalizersFor(meta.finalizers ?? [], opts.propagationPolicy);
    if (finalizers.length > 0 || meta.finalizers !== undefined) meta.finalizers = finalizers;
    let next: KubeObject = { ...stored, metadata: meta };
    const graceful = def.beforeDelete?.(next, { now: this.clock.now(), gracePeriodSeconds: opts.gracePeriodSeconds });
    if (graceful) next = graceful;
    else if (finalizers.length > 0) {
      // Nothing left to wait for but the finalizers: the last one removed deletes the object.
      meta.deletionTimestamp ??= rfc3339Seconds(this.clock.now());
      meta.deletionGracePeriodSeconds = 0;
    } else {
      if (opts.dryRun) return { object: stored, deleted: true };
      return { object: this.store.delete(qualifiedResource(def), stored.metadata?.namespace ?? '', name), deleted: true };
    }
    if (opts.dryRun) return { object: next, deleted: false };
    const written = this.store.update(qualifiedResource(def), { ...next, metadata: { ...next.metadata, resourceVersion: stored.metadata?.resourceVersion } });
    return { object: written, deleted: false };
  }

  /** Deletes every object the selectors match; returns them as last seen. */
  deleteCollection(def: KindDefinition, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions = {}): KubeList {
    const l = this.list(def, namespace, listOpts);
    const items: KubeObject[] = [];
    for (const o of l.items) {
      try {
        items.push(this.delete(def, o.metadata?.namespace, o.metadata!.name!, opts).object);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return { ...l, metadata: { resourceVersion: this.store.currentResourceVersion() }, items };
  }

  getScale(def: KindDefinition, namespace: string | undefined, name: string): Scale {
    return toScale(def, this.get(def, namespace, name));
  }

  /** Writes Scale.spec.replicas into the object (its resourceVersion, when set, is a precondition). */
  updateScale(def: KindDefinition, namespace: string | undefined, name: string, raw: KubeObject, opts: WriteOptions = {}): Scale {
    checkTypeMeta(raw, 'autoscaling/v1', 'Scale');
    checkName(raw, name);
    const stored = this.get(def, namespace, name);
    const scale = raw as Partial<Scale>;
    const replicas = scale.spec?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 2 ** 31 - 1) {
      const detail = typeof replicas === 'number' && replicas < 0 ? 'must be greater than or equal to 0' : 'must be an integer';
      throw new InvalidError('Scale.autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: ${detail}` }]);
    }
    const rv = raw.metadata?.resourceVersion;
    if (rv && rv !== stored.metadata?.resourceVersion) throw conflictError(def, name);
    const next = { ...stored, metadata: { ...stored.metadata, resourceVersion: undefined }, spec: { ...(stored.spec as object), replicas } };
    return toScale(def, this.replace(def, stored, next, { dryRun: opts.dryRun }));
  }

  patchScale(def: KindDefinition, namespace: string | undefined, name: string, type: PatchType, patchBody: unknown, opts: WriteOptions = {}): Scale {
    const current = this.getScale(def, namespace, name);
    const patched = applyPatch(type, current, patchBody) as KubeObject;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw new BadRequestError('the patch did not produce an object');
    const rv = patched.metadata?.resourceVersion;
    return this.updateScale(def, namespace, name, { ...patched, metadata: { ...patched.metadata, resourceVersion: rv === current.metadata?.resourceVersion ? undefined : rv } }, opts);
  }

  // ------------------------------------------------------------------------------------------

  private prepareCreate(def: KindDefinition, namespace: string | undefined, raw: KubeObject): KubeObject {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('the request body must be an object');
    checkTypeMeta(raw, groupVersion(def), def.kind);
    const body = def.decode ? def.decode(raw) : raw;
    if (def.namespaced) checkNamespace(body, namespace ?? '');
    const meta = stripServerFields(body.metadata) as Mutable<ObjectMeta>;
    if (def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
    if (!meta.name) {
      throw new InvalidError(def.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    // The uid exists before prepare, as upstream's BeforeCreate fills it before validating (a Job's selector names it).
    meta.uid = randomUUID();
    if (def.generation) meta.generation = 1;
    const obj: Obj = { ...(body as Obj), apiVersion: groupVersion(def), kind: def.kind, metadata: meta };
    if (hasStatus(def)) delete obj.status;
    return def.prepare ? def.prepare(obj, undefined, this.lookup) : obj;
  }

  private decodeForUpdate(def: KindDefinition, namespace: string | undefined, name: string, raw: KubeObject): KubeObject {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('the request body must be an object');
    checkTypeMeta(raw, groupVersion(def), def.kind);
    const body = def.decode ? def.decode(raw) : raw;
    if (def.namespaced) checkNamespace(body, namespace ?? '');
    checkName(body, name);
    return body;
  }

  /** The update path shared by PUT, PATCH and scale: `body` is decoded and names the stored object. */
  private replace(def: KindDefinition, stored: KubeObject, body: KubeObject, opts: WriteOptions): KubeObject {
    const m = body.metadata ?? {};
    const at = { namespace: stored.metadata?.namespace ?? '', name: stored.metadata?.name ?? '' };
    if (m.uid !== undefined && m.uid !== stored.metadata?.uid) {
      throw new ConflictError(`Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${stored.metadata?.uid}`, { name: at.name, kind: qualifiedResource(def) });
    }
    let obj: Obj;
    let afterWrite: (() => void)[] = [];
    if (opts.subresource === 'status') {
      const meta = { ...stored.metadata } as Mutable<ObjectMeta>;
      if (m.resourceVersion) meta.resourceVersion = m.resourceVersion;
      else delete meta.resourceVersion;
      obj = { ...(stored as Obj), metadata: meta, status: body.status ?? {} };
      const status = def.status;
      if (typeof status === 'object' && status.prepareStatus) obj = status.prepareStatus(obj, stored) as Obj;
    } else {
      const meta = updateMeta(m, stored.metadata, at, ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']);
      if (!def.namespaced) delete meta.namespace;
      obj = { ...(body as Obj), apiVersion: groupVersion(def), kind: def.kind, metadata: meta };
      if (hasStatus(def)) {
        if (stored.status === undefined) delete obj.status;
        else obj.status = stored.status;
      }
      if (def.prepare) obj = def.prepare(obj, stored, this.lookup) as Obj;
      const admitted = this.admit('update', def, obj, stored);
      obj = admitted.obj as Obj;
      afterWrite = admitted.afterWrite;
      if (def.generation && !deepEqual(specOf(obj), specOf(stored))) {
        (obj.metadata as Mutable<ObjectMeta>).generation = (stored.metadata?.generation ?? 1) + 1;
      }
    }
    checkFinalizerUpdate(def, obj, stored);
    if (opts.dryRun) return obj;
    if (shouldDeleteDuringUpdate(obj, stored)) {
      const rv = obj.metadata?.resourceVersion;
      if (rv && rv !== stored.metadata?.resourceVersion) throw conflictError(def, at.name);
      return this.store.delete(qualifiedResource(def), at.namespace, at.name);
    }
    const written = this.store.update(qualifiedResource(def), obj);
    for (const fn of afterWrite) fn();
    return written;
  }
}

/** Everything a generation counts: the object without metadata, status and type meta. */
function specOf(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj as Obj;
  return rest;
}

/** Upstream's ValidateObjectMetaUpdate rule for objects being deleted. */
function checkFinalizerUpdate(def: KindDefinition, next: KubeObject, stored: KubeObject): void {
  if (!stored.metadata?.deletionTimestamp) return;
  const before = new Set(stored.metadata.finalizers ?? []);
  const added = (next.metadata?.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length > 0) {
    const err = fe.forbidden('metadata.finalizers', 'no new finalizers can be added if the object is being deleted');
    throw new InvalidError(def.kind, stored.metadata.name ?? '', [{ reason: err.type, field: err.field, message: `${err.message}, found new finalizers ${JSON.stringify(added)}` }]);
  }
}

/** The last finalizer of an object being deleted (grace 0) is gone: the update removes it. */
function shouldDeleteDuringUpdate(next: KubeObject, stored: KubeObject): boolean {
  if ((next.metadata?.finalizers ?? []).length > 0) return false;
  if ((stored.metadata?.finalizers ?? []).length === 0) return false;
  return next.metadata?.deletionTimestamp !== undefined && next.metadata.deletionGracePeriodSeconds === 0;
}

/** The garbage collector's finalizers for a delete with this policy (none given: unchanged). */
export function finalizersFor(current: readonly string[], policy: PropagationPolicy | undefined): string[] {
  if (policy === undefined) return [...current];
  const others = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...others, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...others, FOREGROUND_FINALIZER];
  return others;
}

function checkPreconditions(def: KindDefinition, obj: KubeObject, pre: DeleteOptions['preconditions']): void {
  if (!pre) return;
  const details = { name: obj.metadata?.name, kind: qualifiedResource(def) };
  if (pre.uid && pre.uid !== obj.metadata?.uid) {
    throw new ConflictError(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata?.uid ?? ''}`, details);
  }
  if (pre.resourceVersion && pre.resourceVersion !== obj.metadata?.resourceVersion) {
    throw new ConflictError(
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata?.resourceVersion ?? ''}`,
      details,
    );
  }
}

function toScale(def: KindDefinition, obj: KubeObject): Scale {
  const m = obj.metadata ?? {};
  const spec = (obj.spec ?? {}) as { replicas?: number };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: def.scale?.selector(obj) ?? '' },
  };
}

function notFound(def: KindDefinition, name: string): NotFoundError {
  const resource = qualifiedResource(def);
  return new NotFoundError(`${resource} "${name}" not found`, { name, group: def.group || undefined, kind: def.resource });
}

function conflictError(def: KindDefinition, name: string): ConflictError {
  const resource = qualifiedResource(def);
  return new ConflictError(
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: def.resource, group: def.group || undefined },
  );
}
