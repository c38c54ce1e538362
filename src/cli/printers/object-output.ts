/** @module `-o yaml|json|name` output, as kubectl prints it. */
import { stringify } from 'yaml';
import type { KubeObject } from '../../core/types.js';

export type OutputFormat = 'yaml' | 'json' | 'name';

/** One object prints as itself; several (or a list query) as a `kind: List`. */
export function printObjects(objects: KubeObject[], format: OutputFormat, asList: boolean): string {
  if (format === 'name') {
    return objects.map((o) => `${(o.kind ?? '').toLowerCase()}/${o.metadata?.name ?? ''}\n`).join('');
  }
  const value = asList ? { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } } : objects[0];
  if (format === 'json') return `${JSON.stringify(value, null, 4)}\n`;
  return stringify(value, { lineWidth: 0 });
}
