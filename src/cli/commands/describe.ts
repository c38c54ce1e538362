/**
 * @module `peapod describe TYPE [NAME...]` for any served kind: pods in kubectl's pod layout,
 * other kinds as kubectl's generic describer prints them; each with its Events.
 */
import { isNotFound } from '../../core/errors.js';
import type { Event, KubeObject, Pod } from '../../core/types.js';
import type { PeapodClient } from '../../client/peapod-client.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError } from '../cli-errors.js';
import { describeObject } from '../printers/describe-object.js';
import { describePod } from '../printers/describe-pod.js';
import { resolveResourceArgs } from '../resource-args.js';

/** The object's events, or undefined when the server has no events endpoint. */
async function objectEvents(client: PeapodClient, obj: KubeObject): Promise<Event[] | undefined> {
  const uid = obj.metadata?.uid;
  if (!uid) return undefined;
  try {
    const list = await client.listEvents(obj.metadata?.namespace, { fieldSelector: `involvedObject.uid=${uid}` });
    return list.items;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const describeCommand: Command = {
  usage: 'describe TYPE [NAME...] | TYPE/NAME... [-n NS] [-l SELECTOR]',
  summary: 'Show details of objects of any served kind, with their events',
  flags: [{ name: 'selector', short: 'l', type: 'string', value: 'SELECTOR', help: 'label selector' }],
  async run(ctx: CliContext): Promise<number> {
    const client = ctx.client();
    const { targets } = resolveResourceArgs(await client.discover(), ctx.args.positionals, 'describe');
    const objects: KubeObject[] = [];
    let failed = false;
    for (const t of targets) {
      const namespace = t.resource.namespaced ? ctx.namespace : undefined;
      if (t.names.length === 0) {
        const list = await client.listObjects(t.resource, namespace, { labelSelector: ctx.args.flags.selector as string | undefined });
        objects.push(...list.items.map((o) => ({ apiVersion: t.resource.apiVersion, kind: t.resource.kind, ...o })));
        continue;
      }
      for (const n of t.names) {
        try {
          objects.push(await client.getObject(t.resource.apiVersion, t.resource.kind, namespace, n));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          ctx.err(`${formatError(err)}\n`);
          failed = true;
        }
      }
    }
    if (objects.length === 0 && !failed) ctx.err(`No resources found in ${ctx.namespace} namespace.\n`);
    const texts: string[] = [];
    const now = ctx.io.now();
    for (const obj of objects) {
      const events = await objectEvents(client, obj);
      texts.push(obj.kind === 'Pod' && obj.apiVersion === 'v1' ? describePod(obj as Pod, events, now) : describeObject(obj, events, now));
    }
    ctx.out(texts.join('\n\n'));
    return failed ? 1 : 0;
  },
};
