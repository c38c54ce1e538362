/** @module `peapod get pods|namespaces|configmaps|secrets`: kubectl's tables, -o yaml|json|name|wide, -l, -A, -w. */
import type { KubeObject, Namespace, Pod } from '../../core/types.js';
import { isNotFound } from '../../core/errors.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { printObjects, type OutputFormat } from '../printers/object-output.js';
import { podTable } from '../printers/pod-table.js';
import { configMapTable, eventTable, namespaceTable, secretTable } from '../printers/simple-tables.js';
import { resourceFor } from '../../client/resource-paths.js';
import { nodeTable } from '../printers/node-table.js';
import type { ConfigMap, Event, Secret } from 'kubernetes-types/core/v1.js';

type Kind = 'Pod' | 'Namespace' | 'ConfigMap' | 'Secret' | 'Event' | 'Node';

const resourceNames: Record<string, Kind> = {
  pods: 'Pod',
  pod: 'Pod',
  po: 'Pod',
  namespaces: 'Namespace',
  namespace: 'Namespace',
  ns: 'Namespace',
  configmaps: 'ConfigMap',
  configmap: 'ConfigMap',
  cm: 'ConfigMap',
  secrets: 'Secret',
  secret: 'Secret',
  events: 'Event',
  event: 'Event',
  ev: 'Event',
  nodes: 'Node',
  node: 'Node',
  no: 'Node',
};

export function parseResourceArg(arg: string | undefined, verb: string): { kind: Kind; name?: string } {
  if (!arg) throw new UsageError(`you must specify the type of resource to ${verb}: pods, namespaces, configmaps, secrets or events`);
  const [type, name] = arg.split('/', 2);
  const kind = resourceNames[type.toLowerCase()];
  if (!kind) throw new UsageError(`the server doesn't have a resource type "${type}"`);
  return name === undefined ? { kind } : { kind, name };
}

function withKind<T extends KubeObject>(objects: T[], kind: Kind): T[] {
  return objects.map((o) => ({ apiVersion: 'v1', kind, ...o }));
}

interface GetPlan {
  kind: Kind;
  names: string[];
  output: string | undefined;
  allNamespaces: boolean;
}

function render(ctx: CliContext, plan: GetPlan, objects: KubeObject[], header: boolean): string {
  const now = ctx.io.now();
  const output = plan.output;
  if (output === 'yaml' || output === 'json' || output === 'name') {
    return printObjects(withKind(objects, plan.kind), output as OutputFormat, plan.names.length !== 1);
  }
  if (plan.kind === 'Namespace') return namespaceTable(objects as Namespace[], now, header);
  if (plan.kind === 'ConfigMap') return configMapTable(objects as ConfigMap[], now, header, plan.allNamespaces);
  if (plan.kind === 'Secret') return secretTable(objects as Secret[], now, header, plan.allNamespaces);
  if (plan.kind === 'Node') return nodeTable(objects, now, header, output === 'wide');
  if (plan.kind === 'Event') return eventTable(objects as Event[], now, header, plan.allNamespaces);
  return podTable(objects as Pod[], { now, wide: output === 'wide', withNamespace: plan.allNamespaces, noHeaders: !header });
}

export const getCommand: Command = {
  usage: 'get (pods|po|namespaces|ns|configmaps|cm|secrets|events|ev|nodes|no) [NAME...] [-n NS | -A] [-o wide|yaml|json|name] [-l SELECTOR] [-w]',
  summary: 'List pods, namespaces, configmaps, secrets, events or nodes',
  flags: [
    { name: 'output', short: 'o', type: 'string', value: 'FORMAT', help: 'wide, yaml, json or name' },
    { name: 'selector', short: 'l', type: 'string', value: 'SELECTOR', help: 'label selector, e.g. app=web,tier!=db' },
    { name: 'field-selector', type: 'string', value: 'SELECTOR', help: 'field selector, e.g. status.phase=Running' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', help: 'list across all namespaces' },
    { name: 'watch', short: 'w', type: 'boolean', help: 'after listing, watch for changes' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const [first, ...more] = ctx.args.positionals;
    const { kind, name } = parseResourceArg(first, 'get');
    const names = name !== undefined ? [name, ...more] : more;
    const output = ctx.args.flags.output as string | undefined;
    if (output !== undefined && !['wide', 'yaml', 'json', 'name'].includes(output)) {
      throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
    }
    const allNamespaces = Boolean(ctx.args.flags['all-namespaces']) && names.length === 0;
    const plan: GetPlan = { kind, names, output, allNamespaces };
    const client = ctx.client();
    const namespace = allNamespaces ? undefined : ctx.namespace;
    const selectors = {
      labelSelector: ctx.args.flags.selector as string | undefined,
      fieldSelector: ctx.args.flags['field-selector'] as string | undefined,
    };

    let objects: KubeObject[] = [];
    let resourceVersion: string | undefined;
    let failed = false;
    if (names.length > 0) {
      for (const n of names) {
        try {
          objects.push(kind === 'Pod' ? await client.getPod(ctx.namespace, n) : await client.getObject('v1', kind, ctx.namespace, n));
        } catch (err) {
          if (!isNotFound(err) && (err as Error).name === 'DaemonUnreachableError') throw err;
          ctx.err(`${formatError(err)}\n`);
          failed = true;
        }
      }
    } else {
      const list =
        kind === 'Pod'
          ? await client.listPods(namespace, selectors)
          : kind === 'Namespace'
            ? await client.listNamespaces(selectors)
            : await client.listObjects(resourceFor('v1', kind), namespace, selectors);
      objects = list.items;
      resourceVersion = list.metadata?.resourceVersion;
    }

    if (objects.length > 0) ctx.out(render(ctx, plan, objects, true));
    else if (names.length === 0 && !ctx.args.flags.watch) {
      if (output === 'yaml' || output === 'json') ctx.out(render(ctx, plan, [], true));
      else ctx.err(kind !== 'Namespace' && kind !== 'Node' && !allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n');
    }
    if (!ctx.args.flags.watch || failed) return failed ? 1 : 0;

    const fieldSelector = names.length === 1 ? `metadata.name=${names[0]}` : selectors.fieldSelector;
    const watchOpts = { resourceVersion: resourceVersion ?? objects[0]?.metadata?.resourceVersion, labelSelector: selectors.labelSelector, fieldSelector };
    let printedHeader = objects.length > 0;
    const onEvent = (event: { type: string; object: KubeObject }) => {
      if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
      ctx.out(render(ctx, plan, [event.object], !printedHeader));
      printedHeader = true;
    };
    const stop =
      kind === 'Pod'
        ? client.watchPods(namespace, watchOpts, onEvent)
        : client.watchObjects(resourceFor('v1', kind), namespace, watchOpts, onEvent);
    await stop.done;
    return 0;
  },
};
