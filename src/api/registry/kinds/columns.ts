/** @module Helpers for declaring table columns as upstream's printers name and describe them. */
import { ageSince, type ColumnDefinition } from '../../../core/pod-printer.js';
import type { KubeObject } from '../../../core/types.js';

export function column(name: string, description: string, opts: { priority?: number; format?: string; type?: string } = {}): ColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const NAME_COLUMN = column('Name', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', { format: 'name' });
export const AGE_COLUMN = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata');

export const age = (o: KubeObject, now: number): string => ageSince(o.metadata?.creationTimestamp, now);

/** Name and Age: what kubectl prints for a kind without its own columns. */
export const DEFAULT_TABLE = { columns: [NAME_COLUMN, AGE_COLUMN], cells: (o: KubeObject, now: number): unknown[] => [o.metadata?.name, age(o, now)] };

/** Number of keys over several maps (ConfigMap DATA). */
export const countKeys = (...maps: unknown[]): number => maps.reduce<number>((n, m) => n + (m && typeof m === 'object' ? Object.keys(m).length : 0), 0);
