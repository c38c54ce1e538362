/**
 * @module What a served kind declares (see resource-registry.ts for how to add one): its names
 * and scope for discovery, its hooks (decode, default + validate, graceful deletion), its
 * subresources, field selectors and server-side table columns. Pure data and pure functions:
 * the generic store and routes do the rest.
 */
import type { ColumnDefinition } from '../../core/pod-printer.js';
import type { KubeObject } from '../../core/types.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** Every verb of a stored kind, as discovery lists them (sorted, as upstream). */
export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A subresource for discovery only, served by hand-written routes (pods/log, pods/exec...). */
export interface CustomSubresource {
  name: string;
  kind: string;
  /** responseKind's group/version when not the parent's. */
  group?: string;
  version?: string;
  verbs: readonly string[];
}

/** Server-side printing: the columns of `kubectl get` (upstream pkg/printers/internalversion). */
export interface TableDefinition<T extends KubeObject = KubeObject> {
  columns: readonly ColumnDefinition[];
  /** One row's cells, in column order (priority-1 columns included). */
  cells(obj: T, now: number): unknown[];
}

/** The `/scale` subresource (autoscaling/v1 Scale) of a kind with `spec.replicas`. */
export interface ScaleDefinition<T extends KubeObject = KubeObject> {
  /** Scale.status.selector: the label selector of the pods counted, as a string. */
  selector(obj: T): string;
}

/** Read access to other stored objects, for admission-like rules (a pod's PriorityClass). */
export interface ObjectLookup {
  get(group: string, resource: string, namespace: string, name: string): KubeObject | undefined;
  list(group: string, resource: string): KubeObject[];
}

/** What a deletion hook learns about the request. */
export interface DeleteContext {
  now: number;
  /** DeleteOptions.gracePeriodSeconds (query or body), when given. */
  gracePeriodSeconds?: number;
}

export interface KindDefinition<T extends KubeObject = KubeObject> {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case, as in the URL path. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: readonly string[];
  /** `all` puts the kind in `kubectl get all`. */
  categories?: readonly string[];
  /** Verbs discovery lists (and the generic routes serve); default ALL_VERBS. */
  verbs?: readonly Verb[];
  /**
   * 'generic' (default): the generic routes serve it from this declaration. 'custom': hand-written
   * routes serve it (images, reviews); the declaration feeds discovery, OpenAPI and tables only.
   */
  routes?: 'generic' | 'custom';
  /** Field selectors beyond metadata.name and metadata.namespace (dotted paths into the object). */
  fieldSelectors?: readonly string[];
  /** The JSON type check of a body (400 naming the field); default: any object passes. */
  decode?(body: KubeObject): T;
  /**
   * Defaults and validates (422 with field causes), pure. `stored` is undefined on create and the
   * stored object on update (status already carried over when the kind has a status subresource).
   * Returns the object to store. `lookup` reads other objects (admission: a pod's PriorityClass).
   */
  prepare?(obj: T, stored: T | undefined, lookup: ObjectLookup): T;
  /**
   * A `/status` subresource: main-resource writes keep the stored status, status writes change
   * only status. `prepareStatus` validates a status write (422).
   */
  status?: boolean | { prepareStatus?(obj: T, stored: T): T };
  /** metadata.generation starts at 1 and grows on every change outside metadata and status. */
  generation?: boolean;
  /** A `/scale` subresource over `spec.replicas`. */
  scale?: ScaleDefinition<T>;
  table?: TableDefinition<T>;
  /**
   * Graceful deletion (pods, namespaces): the object as it stays while its deletion is pending,
   * or undefined to remove it now (unless finalizers hold it). May throw (403 Forbidden...).
   */
  beforeDelete?(obj: T, ctx: DeleteContext): T | undefined;
  /** DELETE answers with the object instead of a Status (pods, as upstream). */
  returnDeletedObject?: boolean;
  /** Subresources served by hand-written routes, listed by discovery. */
  customSubresources?: readonly CustomSubresource[];
}

export function groupVersion(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** The URL prefix of a group version: /api/v1 or /apis/<group>/<version>. */
export function groupVersionPath(def: { group: string; version: string }): string {
  return def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
}

/** The resource as error messages and the store name it: `pods`, `deployments.apps`. */
export function qualifiedResource(def: { group: string; resource: string }): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

export function verbsOf(def: KindDefinition): readonly Verb[] {
  return def.verbs ?? ALL_VERBS;
}

export function hasStatus(def: KindDefinition): boolean {
  return def.status !== undefined && def.status !== false;
}
