/**
 * @module core/v1 Namespace: a DNS label name, the `kubernetes.io/metadata.name` label, spec and
 * status owned by the server, and deletion that marks it Terminating (the namespace lifecycle
 * loop then empties and removes it). default, kube-system and kube-public cannot be deleted.
 */
import { ForbiddenError, InvalidError } from '../../../core/errors.js';
import type { Mutable } from '../../../core/mutable.js';
import type { ObjectStore } from '../../../core/ports.js';
import { rfc3339Seconds } from '../../../core/rfc3339.js';
import type { Namespace, ObjectMeta } from '../../../core/types.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** Kubernetes refuses to delete these. */
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_LABEL = 'kubernetes.io/metadata.name';

export function namespaceObject(name: string, from: Namespace = {}): Namespace {
  // Cluster-scoped: a metadata.namespace in the body is dropped, as Kubernetes does (the store keys on it).
  const { namespace: _ignored, ...meta } = from.metadata ?? {};
  return {
    ...from,
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { ...meta, name, labels: { ...from.metadata?.labels, [NAME_LABEL]: name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** Creates the namespaces Kubernetes always has, when missing. */
export function ensureSystemNamespaces(store: ObjectStore): void {
  for (const name of SYSTEM_NAMESPACES) {
    if (!store.tryGet('namespaces', '', name)) store.create('namespaces', namespaceObject(name));
  }
}

function checkName(ns: Namespace): string {
  const raw: unknown = ns.metadata?.name;
  // A non-string (e.g. ["x"]) would pass the regex test by coercion.
  const name = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  if (!name || name.length > 63 || !DNS_LABEL.test(name)) {
    const message = name
      ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`
      : 'Required value: name or generateName is required';
    throw new InvalidError('Namespace', name, [{ reason: name ? 'FieldValueInvalid' : 'FieldValueRequired', field: 'metadata.name', message }]);
  }
  return name;
}

export const namespaceKind: KindDefinition<Namespace> = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  fieldSelectors: ['status.phase'],
  status: true,
  prepare(ns, stored) {
    const name = checkName(ns);
    if (!stored) return namespaceObject(name, ns);
    const meta = { ...ns.metadata, labels: { ...ns.metadata?.labels, [NAME_LABEL]: name } };
    return { ...ns, metadata: meta, spec: stored.spec };
  },
  beforeDelete(ns, { now }) {
    const name = ns.metadata?.name ?? '';
    if (UNDELETABLE.has(name)) {
      throw new ForbiddenError(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    }
    if (ns.status?.phase === 'Terminating') return ns;
    const meta = { ...ns.metadata } as Mutable<ObjectMeta>;
    meta.deletionTimestamp ??= rfc3339Seconds(now);
    // The namespace lifecycle loop sees this change, deletes the content, then the namespace.
    return { ...ns, metadata: meta, status: { ...ns.status, phase: 'Terminating' } };
  },
  returnDeletedObject: true,
  table: {
    columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
    cells: (o, now) => [o.metadata?.name, o.status?.phase ?? 'Active', age(o, now)],
  },
};
