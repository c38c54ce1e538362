/**
 * @module Server-side printing: lists, single objects and watch events become meta.k8s.io/v1
 * Tables when the Accept header asks for `as=Table`, with the columns kubectl prints (upstream
 * pkg/printers/internalversion). Rows carry PartialObjectMetadata (for -A, --show-labels, -L)
 * or the whole object with includeObject=Object; ages are HumanDuration strings.
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import type { TableDefinition } from './registry/kind-definition.js';
import { DEFAULT_TABLE } from './registry/kinds/columns.js';
import type { ResourceRegistry } from './registry/resource-registry.js';

type Obj = KubeObject & Record<string, unknown>;

/** True when the Accept header asks for a meta.k8s.io Table (v1 or v1beta1). */
export function wantsTable(req: IncomingMessage): 'v1' | 'v1beta1' | undefined {
  for (const part of String(req.headers.accept ?? '').split(',')) {
    const params = new Map(part.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    if (params.get('as') !== 'Table' || params.get('g') !== 'meta.k8s.io') continue;
    const v = params.get('v');
    if (v === 'v1' || v === 'v1beta1') return v;
  }
  return undefined;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw new BadRequestError(`invalid includeObject ${JSON.stringify(v)}: want None, Metadata or Object`);
  return v;
}

function rowObject(o: Obj, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} };
}

/** The kind of a reply body Table conversion applies to, or undefined (Status, other shapes). */
export function itemKind(body: Obj): string | undefined {
  const kind = typeof body.kind === 'string' ? body.kind : '';
  if (kind === 'Status' || kind === 'Table' || kind === '') return undefined;
  if (Array.isArray(body.items) && kind.endsWith('List')) return kind.slice(0, -'List'.length);
  return kind;
}

export function isTableConvertible(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && itemKind(body as Obj) !== undefined;
}

/** The declared columns of a reply body's kind (by its apiVersion and kind), else Name and Age. */
export function tableFor(registry: ResourceRegistry, body: Obj): TableDefinition {
  const def = registry.byKind(String(body.apiVersion ?? ''), itemKind(body));
  return (def?.table ?? DEFAULT_TABLE) as TableDefinition;
}

/** A list or one object as a Table; `withColumns` false leaves out columnDefinitions (watch events). */
export function toTable(
  body: Obj,
  printer: TableDefinition,
  now: number,
  include: IncludeObject,
  version: 'v1' | 'v1beta1' = 'v1',
  withColumns = true,
): Record<string, unknown> {
  const items = (Array.isArray(body.items) ? body.items : [body]) as Obj[];
  const meta = (body.metadata ?? {}) as { resourceVersion?: string; continue?: string };
  const tableMeta: Record<string, unknown> = {};
  if (meta.resourceVersion) tableMeta.resourceVersion = meta.resourceVersion;
  if (Array.isArray(body.items) && meta.continue) tableMeta.continue = meta.continue;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: tableMeta,
    columnDefinitions: withColumns ? printer.columns : [],
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      const obj = rowObject(o, include);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}

/** The reply body as the client asked for it: a Table for the Table Accept, else unchanged. */
export function negotiateBody(req: IncomingMessage, query: URLSearchParams, code: number, body: unknown, now: number, registry: ResourceRegistry): unknown {
  if (code < 200 || code >= 300) return body;
  const version = wantsTable(req);
  if (!version || !isTableConvertible(body)) return body;
  return toTable(body as Obj, tableFor(registry, body as Obj), now, includeObjectOf(query), version);
}
