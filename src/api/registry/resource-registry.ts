/**
 * @module The one registry of served kinds. Discovery (legacy and aggregated), OpenAPI v2/v3,
 * server-side tables, field selectors, the generic REST routes and the in-process client of the
 * controllers are all generated from it: adding a kind is declaring it.
 *
 * How to add a kind:
 *  1. Write its pure hooks in core/ when it has rules: a decoder (400 on wrong JSON types, e.g.
 *     `decodeAs('Deployment', ...)` over a struct table), and a `prepare(obj, stored)` that defaults and
 *     validates, throwing InvalidError with field causes (stored is set on updates).
 *  2. Declare it as a `KindDefinition` (kind-definition.ts) in the kinds file of its group
 *     (kinds/core-kinds.ts, kinds/apps-kinds.ts...): group, version, kind, resource, singular,
 *     namespaced, shortNames, categories (`all` for `kubectl get all`), fieldSelectors, table
 *     columns, `status: true` for a /status subresource, `generation: true` so spec changes bump
 *     metadata.generation, `scale` for /scale, `beforeDelete` for graceful deletion.
 *  3. Add it to the list in kinds/index.ts. Its routes (create, get, list, watch, update, patch,
 *     delete, deletecollection, status, scale) exist at once under /api/v1 or /apis/<g>/<v>;
 *     finalizers, deletionTimestamp and the garbage collector's propagation policies come with
 *     them. For `fieldValidation=Strict` and the OpenAPI schemas, describe its Go structs in the
 *     struct tables (core/*-structs.ts) and name it in api/openapi-structs.ts' KINDS.
 * A kind whose routes are hand-written (images, access reviews) declares `routes: 'custom'` and
 * still gets discovery, OpenAPI and tables from here.
 */
import { groupVersion, qualifiedResource, type KindDefinition } from './kind-definition.js';

export class ResourceRegistry {
  private readonly kinds: readonly KindDefinition[];

  constructor(kinds: readonly KindDefinition[]) {
    const seen = new Set<string>();
    for (const def of kinds) {
      const key = `${groupVersion(def)}/${def.resource}`;
      if (seen.has(key)) throw new Error(`resource ${key} is declared twice`);
      seen.add(key);
    }
    this.kinds = kinds;
  }

  all(): readonly KindDefinition[] {
    return this.kinds;
  }

  /** The kind served at /api/<version>/<resource> or /apis/<group>/<version>/<resource>. */
  byResource(group: string, version: string, resource: string): KindDefinition | undefined {
    return this.kinds.find((d) => d.group === group && d.version === version && d.resource === resource);
  }

  /** The kind an object's apiVersion and kind name (stored kinds only, not reviews). */
  byKind(apiVersion: string | undefined, kind: string | undefined): KindDefinition | undefined {
    return this.kinds.find((d) => d.kind === kind && groupVersion(d) === apiVersion && d.routes !== 'custom');
  }

  /** The kind stored under a store resource name (`pods`, `deployments.apps`). */
  byStoreResource(resource: string): KindDefinition | undefined {
    return this.kinds.find((d) => qualifiedResource(d) === resource && d.routes !== 'custom');
  }

  /** Group versions in the order discovery lists them: core first, then groups by first appearance. */
  groupVersions(): string[] {
    return [...new Set(this.kinds.map(groupVersion))];
  }
}
