/**
 * @module Server-side printing: lists, single objects and watch events become meta.k8s.io/v1
 * Tables when the Accept header asks for `as=Table`, with the columns kubectl prints (upstream
 * pkg/printers/internalversion). Rows carry PartialObjectMetadata (for -A, --show-labels, -L)
 * or the whole object with includeObject=Object; ages are HumanDuration strings.
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '../core/errors.js';
import { ageSince, podCells, podColumnDefinitions, type ColumnDefinition } from '../core/pod-printer.js';
import type { KubeObject, Pod } from '../core/types.js';

type Obj = KubeObject & Record<string, unknown>;

const col = (name: string, description: string, priority = 0, format = ''): ColumnDefinition => ({ name, type: 'string', format, description, priority });
const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

interface Printer {
  columns: readonly ColumnDefinition[];
  cells(obj: Obj, now: number): unknown[];
}

const age = (o: Obj, now: number): string => ageSince(o.metadata?.creationTimestamp, now);
const count = (...maps: unknown[]): number => maps.reduce<number>((n, m) => n + (m && typeof m === 'object' ? Object.keys(m).length : 0), 0);

function eventObject(o: Obj): string {
  const io = (o.involvedObject ?? {}) as { kind?: string; name?: string };
  return `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`;
}

function eventLastSeen(o: Obj, now: number): string {
  const ts = (o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata?.creationTimestamp) as string | undefined;
  return ageSince(ts, now);
}

const PRINTERS: Record<string, Printer> = {
  Pod: { columns: podColumnDefinitions, cells: (o, now) => podCells(o as Pod, now, true) },
  ConfigMap: {
    columns: [NAME, col('Data', 'Data contains the configuration data.'), AGE],
    cells: (o, now) => [o.metadata?.name, count(o.data, o.binaryData), age(o, now)],
  },
  Secret: {
    columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'Data contains the secret data.'), AGE],
    cells: (o, now) => [o.metadata?.name, o.type ?? 'Opaque', count(o.data), age(o, now)],
  },
  Namespace: {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    cells: (o, now) => [o.metadata?.name, (o.status as { phase?: string } | undefined)?.phase ?? 'Active', age(o, now)],
  },
  Node: {
    columns: [NAME, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), AGE, col('Version', 'Kubelet Version reported by the node.')],
    cells: (o, now) => {
      const conds = ((o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      const ready = conds.find((c) => c.type === 'Ready');
      const info = (o.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo;
      return [o.metadata?.name, ready?.status === 'True' ? 'Ready' : 'NotReady', '<none>', age(o, now), info?.kubeletVersion ?? ''];
    },
  },
  Event: {
    columns: [
      col('Last Seen', 'Time when this Event was last seen'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
      col('Object', 'The object this Event is about.'),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('Source', 'The component reporting this event.', 1),
      col('Count', 'The number of times this event has occurred.', 1),
      { ...NAME, priority: 1 },
    ],
    cells: (o, now) => [
      eventLastSeen(o, now),
      o.type ?? '',
      o.reason ?? '',
      eventObject(o),
      o.message ?? '',
      (o.source as { component?: string } | undefined)?.component ?? (o.reportingComponent as string | undefined) ?? '',
      o.count ?? 1,
      o.metadata?.name,
    ],
  },
};

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata?.name, age(o, now)] };

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
function itemKind(body: Obj): string | undefined {
  const kind = typeof body.kind === 'string' ? body.kind : '';
  if (kind === 'Status' || kind === 'Table' || kind === '') return undefined;
  if (Array.isArray(body.items) && kind.endsWith('List')) return kind.slice(0, -'List'.length);
  return kind;
}

export function isTableConvertible(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && itemKind(body as Obj) !== undefined;
}

/** A list or one object as a Table; `withColumns` false leaves out columnDefinitions (watch events). */
export function toTable(body: Obj, now: number, include: IncludeObject, version: 'v1' | 'v1beta1' = 'v1', withColumns = true): Record<string, unknown> {
  const kind = itemKind(body) ?? '';
  const printer = PRINTERS[kind] ?? DEFAULT_PRINTER;
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
export function negotiateBody(req: IncomingMessage, query: URLSearchParams, code: number, body: unknown, now: number): unknown {
  if (code < 200 || code >= 300) return body;
  const version = wantsTable(req);
  if (!version || !isTableConvertible(body)) return body;
  return toTable(body as Obj, now, includeObjectOf(query), version);
}
