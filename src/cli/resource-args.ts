/**
 * @module What kubectl accepts as resource arguments, resolved through discovery:
 * `TYPE[,TYPE...] [NAME...]` (a type may be a category such as `all`) or `TYPE/NAME...`.
 */
import { resolveResourceType, resolveTypeArg, type DiscoveredResource } from '../client/discovery.js';
import { UsageError } from './cli-errors.js';

export interface ResourceTarget {
  resource: DiscoveredResource;
  /** Empty: every object (of the namespace, the selector...). */
  names: string[];
}

export interface ResolvedArgs {
  targets: ResourceTarget[];
  /** Several types (or a category) were named: output shows `kind/name`. */
  multipleTypes: boolean;
}

export function resolveResourceArgs(resources: readonly DiscoveredResource[], positionals: readonly string[], verb: string): ResolvedArgs {
  const [first, ...rest] = positionals;
  if (!first) {
    throw new UsageError(`you must specify the type of resource to ${verb}. Use "peapod api-resources" for a complete list of supported resources.`);
  }
  if (first.includes('/')) {
    const targets: ResourceTarget[] = [];
    for (const arg of positionals) {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'peapod ${verb} resource/<resource_name>' instead of 'peapod ${verb} resource resource/<resource_name>'`);
      const [resource] = resolveResourceType(resources, arg.slice(0, slash));
      const name = arg.slice(slash + 1);
      const existing = targets.find((t) => t.resource === resource);
      if (existing) existing.names.push(name);
      else targets.push({ resource, names: [name] });
    }
    return { targets, multipleTypes: targets.length > 1 };
  }
  const types = first.split(',').filter((t) => t !== '');
  const targets: ResourceTarget[] = [];
  let expanded = false;
  for (const type of types) {
    const { resources: found, category } = resolveTypeArg(resources, type);
    if (category) expanded = true;
    for (const r of found) if (!targets.some((t) => t.resource === r)) targets.push({ resource: r, names: [...rest] });
  }
  if (rest.length > 0 && (targets.length > 1 || expanded)) throw new UsageError('a resource cannot be retrieved by name across all resource types (use TYPE/NAME)');
  return { targets, multipleTypes: targets.length > 1 || expanded };
}
