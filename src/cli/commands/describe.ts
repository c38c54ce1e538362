/** @module `peapod describe pod NAME...`: kubectl's layout, with the pod's Events when the server has them. */
import { isNotFound } from '../../core/errors.js';
import type { Event, Pod } from '../../core/types.js';
import type { PeapodClient } from '../../client/peapod-client.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { describePod } from '../printers/describe-pod.js';
import { parseResourceArg } from './get.js';

/** The pod's events, or undefined when the server has no events endpoint (yet). */
async function podEvents(client: PeapodClient, pod: Pod): Promise<Event[] | undefined> {
  const uid = pod.metadata?.uid;
  if (!uid) return undefined;
  try {
    const list = await client.listEvents(pod.metadata?.namespace, { fieldSelector: `involvedObject.uid=${uid}` });
    return list.items;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const describeCommand: Command = {
  usage: 'describe (pod|pods|po) [NAME...] [-n NS] [-l SELECTOR]',
  summary: 'Show details of pods',
  flags: [{ name: 'selector', short: 'l', type: 'string', value: 'SELECTOR', help: 'label selector' }],
  async run(ctx: CliContext): Promise<number> {
    const [first, ...more] = ctx.args.positionals;
    const { kind, name } = parseResourceArg(first, 'describe');
    if (kind !== 'Pod') throw new UsageError('describe supports pods only');
    const names = name !== undefined ? [name, ...more] : more;
    const client = ctx.client();
    let pods: Pod[] = [];
    let failed = false;
    if (names.length === 0) {
      pods = (await client.listPods(ctx.namespace, { labelSelector: ctx.args.flags.selector as string | undefined })).items;
      if (pods.length === 0) ctx.err(`No resources found in ${ctx.namespace} namespace.\n`);
    } else {
      for (const n of names) {
        try {
          pods.push(await client.getPod(ctx.namespace, n));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          ctx.err(`${formatError(err)}\n`);
          failed = true;
        }
      }
    }
    const texts: string[] = [];
    for (const pod of pods) texts.push(describePod(pod, await podEvents(client, pod), ctx.io.now()));
    ctx.out(texts.join('\n\n'));
    return failed ? 1 : 0;
  },
};
