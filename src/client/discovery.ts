/**
 * @module The served kinds as kubectl learns them: aggregated discovery (`GET /api` and
 * `GET /apis`, apidiscovery.k8s.io/v2), read once per client. Resolves what users type (`pods`,
 * `po`, `pod`, `deploy`, `deployments.apps`, `deployment.v1.apps`, a category such as `all`) and
 * what manifests carry (apiVersion + kind) to REST resources, with kubectl's error messages.
 */
import { BadRequestError } from '../core/errors.js';
import type { ResourceInfo } from './resource-paths.js';

/** A served resource, as discovery describes it. */
export interface DiscoveredResource extends ResourceInfo {
  group: string;
  version: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: string[];
}

/** Thrown for a kind the daemon does not serve; message as kubectl words it. */
export class NoKindMatchError extends BadRequestError {
  constructor(kind: string, apiVersion: string) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
    this.name = 'NoKindMatchError';
  }
}

/** Thrown for a resource type name nothing matches (`peapod get frobs`). */
export class UnknownResourceTypeError extends BadRequestError {
  constructor(type: string) {
    super(`the server doesn't have a resource type "${type}"`);
    this.name = 'UnknownResourceTypeError';
  }
}

export const AGGREGATED_DISCOVERY_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

interface AggregatedList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        singularResource?: string;
        verbs?: string[];
        shortNames?: string[];
        categories?: string[];
        subresources?: { subresource: string }[];
      }[];
    }[];
  }[];
}

/** The resources of aggregated discovery documents, core first, each group's preferred (first) version first. */
export function parseAggregatedDiscovery(...docs: AggregatedList[]): DiscoveredResource[] {
  const out: DiscoveredResource[] = [];
  for (const doc of docs) {
    for (const group of doc.items ?? []) {
      const g = group.metadata?.name ?? '';
      for (const v of group.versions ?? []) {
        for (const r of v.resources ?? []) {
          out.push({
            group: g,
            version: v.version,
            apiVersion: g ? `${g}/${v.version}` : v.version,
            resource: r.resource,
            kind: r.responseKind?.kind ?? '',
            namespaced: r.scope === 'Namespaced',
            singular: r.singularResource || (r.responseKind?.kind ?? '').toLowerCase(),
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
            verbs: r.verbs ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
          });
        }
      }
    }
  }
  return out;
}

/**
 * The resources one type argument names, as kubectl's RESTMapper and category expansion do:
 * `name`, `name.group` or `name.version.group`, where name is the plural, the singular, a short
 * name or the kind; otherwise a category. The first match in discovery order wins (core first).
 */
export function resolveResourceType(resources: readonly DiscoveredResource[], arg: string): DiscoveredResource[] {
  return resolveTypeArg(resources, arg).resources;
}

/** As resolveResourceType, telling whether the argument was a category. */
export function resolveTypeArg(resources: readonly DiscoveredResource[], arg: string): { resources: DiscoveredResource[]; category: boolean } {
  const type = arg.toLowerCase();
  const listable = resources.filter((r) => r.verbs.includes('list') || r.verbs.includes('get'));
  const names = (r: DiscoveredResource): string[] => [r.resource, r.singular, r.kind.toLowerCase(), ...r.shortNames];
  const matches = (r: DiscoveredResource, name: string, group?: string, version?: string): boolean =>
    names(r).includes(name) && (group === undefined || r.group === group) && (version === undefined || r.version === version);
  const exact = listable.find((r) => matches(r, type));
  if (exact) return { resources: [exact], category: false };
  const parts = type.split('.');
  for (let i = 1; i < parts.length; i++) {
    const name = parts.slice(0, i).join('.');
    const rest = parts.slice(i);
    const grouped = listable.find((r) => matches(r, name, rest.join('.')));
    if (grouped) return { resources: [grouped], category: false };
    if (rest.length > 1) {
      const versioned = listable.find((r) => matches(r, name, rest.slice(1).join('.'), rest[0]));
      if (versioned) return { resources: [versioned], category: false };
    }
  }
  const byCategory = listable.filter((r) => r.categories.includes(type) && r.verbs.includes('list'));
  if (byCategory.length > 0) {
    // One version per group and resource: the preferred one (listed first).
    const seen = new Set<string>();
    const unique = byCategory.filter((r) => {
      const key = `${r.group}/${r.resource}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { resources: unique, category: true };
  }
  throw new UnknownResourceTypeError(arg);
}

/** The resource of a manifest's apiVersion and kind (NoKindMatchError if none). */
export function resourceForKind(resources: readonly DiscoveredResource[], apiVersion: string | undefined, kind: string | undefined): DiscoveredResource {
  const found = resources.find((r) => r.kind === kind && r.apiVersion === apiVersion && r.verbs.includes('get'));
  if (!found) throw new NoKindMatchError(kind ?? '', apiVersion ?? '');
  return found;
}

/** How kubectl names an object in its output: `pod/web`, `deployment.apps/web`. */
export function qualifiedName(r: Pick<DiscoveredResource, 'kind' | 'group'>, name: string): string {
  return `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${name}`;
}
