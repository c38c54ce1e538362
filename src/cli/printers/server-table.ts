/**
 * @module Prints the server's Tables as kubectl does: column names upper-cased, priority-1
 * columns only with `-o wide`, NAMESPACE first with -A, `kind/name` when several types are
 * shown, `<none>` for empty cells, tab-aligned with three spaces.
 */
import type { Table } from '../../client/peapod-client.js';
import { table as tabTable } from './tab-writer.js';

export interface TablePrintOptions {
  wide?: boolean;
  withNamespace?: boolean;
  /** Prefix for the name column, e.g. `deployment.apps/`. */
  namePrefix?: string;
  noHeaders?: boolean;
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '<none>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The header and rows of a Table (or of its rows only, for watch updates that carry no columns). */
export function tableLines(t: Table, columns: Table['columnDefinitions'], opts: TablePrintOptions): { header: string[]; rows: string[][] } {
  const shown = columns.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const header = shown.map(({ c }) => c.name.toUpperCase());
  if (opts.withNamespace) header.unshift('NAMESPACE');
  const rows = t.rows.map((row) => {
    const cells = shown.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.format === 'name' && opts.namePrefix ? `${opts.namePrefix}${text}` : text;
    });
    if (opts.withNamespace) cells.unshift(row.object?.metadata?.namespace ?? '');
    return cells;
  });
  return { header, rows };
}

export function printTable(t: Table, opts: TablePrintOptions, columns = t.columnDefinitions): string {
  const { header, rows } = tableLines(t, columns, opts);
  if (opts.noHeaders) return rows.length === 0 ? '' : tabTable(rows[0], rows.slice(1));
  return tabTable(header, rows);
}
