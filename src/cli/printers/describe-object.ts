/**
 * @module `peapod describe` for kinds without their own describer, as kubectl's generic
 * describer prints custom resources: identity and metadata, then the rest of the object as an
 * indented tree whose keys are spelled as words ("Observed Generation"), then the Events.
 */
import type { Event, KubeObject } from '../../core/types.js';
import { describeEvents, multiline, PrefixWriter, rfc1123z } from './describe-pod.js';
import { tabwrite } from './tab-writer.js';

/** `observedGeneration` → `Observed Generation`, as kubectl's CamelCase splitting does. */
export function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Objects print their fields one level in; list items (objects or values) one after another, as kubectl's printUnstructuredContent. */
function field(w: PrefixWriter, level: number, name: string, v: unknown): void {
  if (v === null || v === undefined) return;
  if (typeof v !== 'object') {
    w.write(level, `${name}:\t${String(v)}\n`);
    return;
  }
  if (Array.isArray(v) && v.length === 0) return;
  w.write(level, `${name}:\n`);
  const items = Array.isArray(v) ? v : [v];
  for (const item of items) {
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      for (const [k, x] of Object.entries(item as Record<string, unknown>)) field(w, level + 1, words(k), x);
    } else {
      w.write(level + 1, `${String(item)}\n`);
    }
  }
}

export function describeObject(obj: KubeObject, events: Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  const meta = obj.metadata ?? {};
  w.write(0, `Name:\t${meta.name ?? ''}\n`);
  if (meta.namespace) w.write(0, `Namespace:\t${meta.namespace}\n`);
  multiline(w, 0, 'Labels', meta.labels);
  multiline(w, 0, 'Annotations', meta.annotations, ['kubectl.kubernetes.io/last-applied-configuration']);
  w.write(0, `API Version:\t${obj.apiVersion ?? ''}\n`);
  w.write(0, `Kind:\t${obj.kind ?? ''}\n`);
  if (meta.creationTimestamp) w.write(0, `Creation Timestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
  if (meta.deletionTimestamp) w.write(0, `Deletion Timestamp:\t${rfc1123z(meta.deletionTimestamp)}\n`);
  if (meta.finalizers?.length) w.write(0, `Finalizers:\t${meta.finalizers.join(', ')}\n`);
  if (meta.ownerReferences?.length) {
    w.write(0, 'Owner References:\n');
    for (const o of meta.ownerReferences) w.write(1, `${o.kind}/${o.name}\t(controller: ${o.controller === true})\n`);
  }
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(rest)) field(w, 0, words(k), v);
  describeEvents(w, events, now);
  return tabwrite(w.toString(), 2);
}
