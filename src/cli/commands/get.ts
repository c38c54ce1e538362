/**
 * @module `peapod get TYPE[,TYPE...] [NAME...]` for every served kind, found through discovery as
 * kubectl finds them (names, short names, `kind.group`, categories such as `all`): the server's
 * tables (-o wide for the wide columns), or the objects with -o yaml|json|name; -l, -A, -w.
 */
import { isNotFound } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { qualifiedName, type DiscoveredResource } from '../../client/discovery.js';
import type { Table } from '../../client/peapod-client.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { printObjects, type OutputFormat } from '../printers/object-output.js';
import { printTable } from '../printers/server-table.js';
import { resolveResourceArgs, type ResourceTarget } from '../resource-args.js';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'];

function withKind(obj: KubeObject, r: DiscoveredResource): KubeObject {
  return { apiVersion: r.apiVersion, kind: r.kind, ...obj };
}

/** The objects (JSON) of one target: by name, or the list. Missing names are reported and counted. */
async function fetchObjects(ctx: CliContext, t: ResourceTarget, namespace: string | undefined, selectors: object, failures: string[]): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
  const client = ctx.client();
  if (t.names.length === 0) {
    const list = await client.listObjects(t.resource, namespace, selectors);
    return { items: list.items.map((o) => withKind(o, t.resource)), resourceVersion: list.metadata?.resourceVersion };
  }
  const items: KubeObject[] = [];
  for (const name of t.names) {
    try {
      items.push(withKind(await client.getObject(t.resource.apiVersion, t.resource.kind, ctx.namespace, name), t.resource));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      failures.push(formatError(err));
    }
  }
  return { items };
}

/** The server's Table of one target (rows of every named object in one table). */
async function fetchTable(ctx: CliContext, t: ResourceTarget, namespace: string | undefined, selectors: object, failures: string[]): Promise<Table | undefined> {
  const client = ctx.client();
  if (t.names.length === 0) return client.getTable(t.resource, namespace, undefined, selectors);
  let merged: Table | undefined;
  for (const name of t.names) {
    try {
      const one = await client.getTable(t.resource, ctx.namespace, name);
      if (!merged) merged = one;
      else merged.rows.push(...one.rows);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      failures.push(formatError(err));
    }
  }
  return merged;
}

export const getCommand: Command = {
  usage: 'get TYPE[,TYPE...] [NAME...] | TYPE/NAME... [-n NS | -A] [-o wide|yaml|json|name] [-l SELECTOR] [--field-selector SELECTOR] [-w]',
  summary: 'List objects of any served kind (pods, deploy, rs, all, ...)',
  details: 'Examples:\n  peapod get pods\n  peapod get deploy,rs,pods -l app=web\n  peapod get all -A\n  peapod get deployment.apps/web -o yaml',
  flags: [
    { name: 'output', short: 'o', type: 'string', value: 'FORMAT', help: 'wide, yaml, json or name' },
    { name: 'selector', short: 'l', type: 'string', value: 'SELECTOR', help: 'label selector, e.g. app=web,tier!=db' },
    { name: 'field-selector', type: 'string', value: 'SELECTOR', help: 'field selector, e.g. status.phase=Running' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', help: 'list across all namespaces' },
    { name: 'watch', short: 'w', type: 'boolean', help: 'after listing, watch for changes' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const output = ctx.args.flags.output as string | undefined;
    if (output !== undefined && !OUTPUTS.includes(output)) {
      throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
    }
    const client = ctx.client();
    const { targets, multipleTypes } = resolveResourceArgs(await client.discover(), ctx.args.positionals, 'get');
    const hasNames = targets.some((t) => t.names.length > 0);
    const allNamespaces = Boolean(ctx.args.flags['all-namespaces']) && !hasNames;
    const namespace = allNamespaces ? undefined : ctx.namespace;
    const selectors = {
      labelSelector: ctx.args.flags.selector as string | undefined,
      fieldSelector: ctx.args.flags['field-selector'] as string | undefined,
    };
    const watch = Boolean(ctx.args.flags.watch);
    if (watch && targets.length > 1) throw new UsageError('you may only specify a single resource type');
    const failures: string[] = [];
    let printed = 0;
    let resourceVersion: string | undefined;
    let columns: Table['columnDefinitions'] | undefined;

    if (output === 'yaml' || output === 'json' || output === 'name') {
      const all: KubeObject[] = [];
      for (const t of targets) {
        const got = await fetchObjects(ctx, t, namespace, selectors, failures);
        all.push(...got.items);
        resourceVersion = got.resourceVersion;
      }
      printed = all.length;
      const single = targets.length === 1 && targets[0].names.length === 1;
      if (output === 'name') ctx.out(all.map((o) => `${qualifiedName(targets.find((t) => t.resource.kind === o.kind && t.resource.apiVersion === o.apiVersion)?.resource ?? { kind: o.kind ?? '', group: '' }, o.metadata?.name ?? '')}\n`).join(''));
      else if (all.length > 0 || !hasNames) ctx.out(printObjects(all, output as OutputFormat, !single));
    } else {
      const sections: string[] = [];
      for (const t of targets) {
        const table = await fetchTable(ctx, t, namespace, selectors, failures);
        if (t === targets[0]) columns = table?.columnDefinitions;
        resourceVersion = table?.metadata?.resourceVersion ?? resourceVersion;
        if (!table || table.rows.length === 0) continue;
        printed += table.rows.length;
        const namePrefix = multipleTypes ? qualifiedName(t.resource, '') : undefined;
        sections.push(printTable(table, { wide: output === 'wide', withNamespace: allNamespaces && t.resource.namespaced, namePrefix }));
      }
      if (sections.length > 0) ctx.out(sections.join('\n'));
    }
    for (const f of failures) ctx.err(`${f}\n`);
    if (printed === 0 && !hasNames && !watch && output !== 'yaml' && output !== 'json') {
      const clusterScoped = targets.every((t) => !t.resource.namespaced);
      ctx.err(clusterScoped || allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
    }
    if (!watch || failures.length > 0) return failures.length > 0 ? 1 : 0;

    const t = targets[0];
    const fieldSelector = t.names.length === 1 ? `metadata.name=${t.names[0]}` : selectors.fieldSelector;
    let header = printed === 0;
    const asTable = output !== 'yaml' && output !== 'json' && output !== 'name';
    const stop = client.watchObjects(t.resource, namespace, { resourceVersion, labelSelector: selectors.labelSelector, fieldSelector, asTable }, (event) => {
      if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
      if (!asTable) {
        const obj = withKind(event.object, t.resource);
        ctx.out(output === 'name' ? `${qualifiedName(t.resource, obj.metadata?.name ?? '')}\n` : printObjects([obj], output as OutputFormat, false));
        return;
      }
      const table = event.object as unknown as Table;
      if (table.columnDefinitions?.length) columns = table.columnDefinitions;
      if (!columns) return;
      ctx.out(printTable(table, { wide: output === 'wide', withNamespace: allNamespaces && t.resource.namespaced, noHeaders: !header }, columns));
      header = false;
    });
    await stop.done;
    return 0;
  },
};
