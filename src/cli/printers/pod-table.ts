/** @module `peapod get pods` tables, with kubectl's columns; the cell values come from core's pod printer. */
import { podCells as corePodCells } from '../../core/pod-printer.js';
import type { Pod } from '../../core/types.js';
import { table } from './tab-writer.js';

export interface PodTableOptions {
  now: number;
  wide?: boolean;
  /** Adds the NAMESPACE column first (-A). */
  withNamespace?: boolean;
  /** Rows only, for the updates `get -w` prints after the first table. */
  noHeaders?: boolean;
}

export function podHeader(opts: PodTableOptions): string[] {
  const header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (opts.wide) header.push('IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES');
  if (opts.withNamespace) header.unshift('NAMESPACE');
  return header;
}

export function podCells(pod: Pod, opts: PodTableOptions): string[] {
  const cells = corePodCells(pod, opts.now, Boolean(opts.wide));
  if (opts.withNamespace) cells.unshift(pod.metadata?.namespace ?? '');
  return cells;
}

export function podTable(pods: Pod[], opts: PodTableOptions): string {
  const rows = pods.map((p) => podCells(p, opts));
  if (opts.noHeaders) return rows.length === 0 ? '' : table(rows[0], rows.slice(1));
  return table(podHeader(opts), rows);
}
