/**
 * @module Strategic merge patch (what `kubectl apply` and `kubectl patch` send by default) for the
 * core kinds served here. Lists with a Kubernetes merge key (containers and volumes by name,
 * ports by containerPort, volumeMounts by mountPath, ...) merge item by item; other lists are
 * replaced. Directives: `$patch: replace|delete` (maps and list items), `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`. Merge keys are looked up by
 * field name, which is unambiguous for Pod, ConfigMap, Secret, Namespace, Event and Node; where a
 * name means another list in another kind (a Service's `ports` merge by `port`), the items say
 * which key applies, and a list whose items carry neither (Endpoints addresses) is replaced.
 */
import { BadRequestError } from '../core/errors.js';

/** Field name → the merge key of its items (patchStrategy "merge" in k8s.io/api). */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  schedulingGates: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  addresses: 'type',
  taints: 'key',
};

/** The merge key of a same-named list in another kind, used when the items lack the first one. */
export const ALTERNATE_MERGE_KEYS: Readonly<Record<string, string>> = {
  ports: 'port',
};

/** The merge key that applies to these items of `field` (see the module comment), or undefined: replace. */
export function mergeKeyFor(field: string, ...lists: Json[][]): string | undefined {
  const primary = MERGE_KEYS[field];
  if (!primary) return undefined;
  const items = lists.flat().filter(isObject);
  if (items.length === 0 || items.some((i) => i[primary] !== undefined)) return primary;
  const alternate = ALTERNATE_MERGE_KEYS[field];
  if (alternate && items.some((i) => i[alternate] !== undefined)) return alternate;
  return undefined;
}

/** Lists of primitives merged as sets (patchStrategy "merge" on a []string). */
export const PRIMITIVE_MERGE: ReadonlySet<string> = new Set(['finalizers']);

type Json = unknown;
type Obj = Record<string, Json>;

const isObject = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function applyStrategicMergePatch(original: Json, patch: Json): Json {
  if (!isObject(patch)) throw new BadRequestError('strategic merge patch: the patch must be a JSON object');
  const out = mergeMap(isObject(original) ? original : {}, patch);
  return out === undefined ? {} : out;
}

function mergeMap(original: Obj, patch: Obj): Obj | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (directive !== undefined) throw new BadRequestError(`strategic merge patch: unknown $patch directive ${JSON.stringify(directive)}`);
  const out: Obj = { ...original };
  const orders = new Map<string, Json[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (!Array.isArray(value)) throw new BadRequestError(`strategic merge patch: ${key} must be a list`);
      orders.set(key.slice('$setElementOrder/'.length), value);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(value)) throw new BadRequestError(`strategic merge patch: ${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !value.some((v) => v === x));
      continue;
    }
    if (key.startsWith('$')) throw new BadRequestError(`strategic merge patch: unknown directive ${JSON.stringify(key)}`);
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      const current = Array.isArray(out[key]) ? (out[key] as Json[]) : [];
      const mergeKey = mergeKeyFor(key, value, current);
      if (mergeKey) out[key] = mergeList(current, value, mergeKey, key);
      else if (PRIMITIVE_MERGE.has(key)) out[key] = [...new Set([...(Array.isArray(out[key]) ? (out[key] as Json[]) : []), ...value])];
      else out[key] = structuredClone(value);
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(out[key]) ? (out[key] as Obj) : {}, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as Json[], order, mergeKeyFor(field, out[field] as Json[], order));
  }
  if (patch.$retainKeys !== undefined) {
    if (!Array.isArray(patch.$retainKeys)) throw new BadRequestError('strategic merge patch: $retainKeys must be a list');
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

const keyOf = (item: Json, mergeKey: string): Json => (isObject(item) ? item[mergeKey] : undefined);

function mergeList(original: Json[], patch: Json[], mergeKey: string, field: string): Json[] {
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return structuredClone(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
  }
  const out = [...original];
  for (const item of patch) {
    if (!isObject(item)) throw new BadRequestError(`strategic merge patch: ${field} items must be objects`);
    const key = item[mergeKey];
    if (key === undefined) throw new BadRequestError(`strategic merge patch: an item of ${field} has no merge key ${mergeKey}`);
    const i = out.findIndex((o) => keyOf(o, mergeKey) === key);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) {
      const merged = mergeMap(out[i] as Obj, item);
      if (merged === undefined) out.splice(i, 1);
      else out[i] = merged;
    } else {
      out.push(mergeMap({}, item) ?? {});
    }
  }
  return out;
}

/** Orders items as `$setElementOrder` lists them; items it does not name keep their place after. */
function reorder(items: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const keys = order.map((o) => (mergeKey ? keyOf(o, mergeKey) : o));
  const rank = (item: Json): number => {
    const i = keys.indexOf(mergeKey ? keyOf(item, mergeKey) : item);
    return i < 0 ? keys.length : i;
  };
  return items.map((item, i) => ({ item, i })).sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i).map((x) => x.item);
}
