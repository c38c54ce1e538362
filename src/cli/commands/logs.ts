/** @module `peapod logs POD`: the container's log bytes, streamed to stdout. */
import { pipeline } from 'node:stream/promises';
import type { CliContext, Command } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';

/** "web" or "pod/web" / "pods/web". */
export function podNameArg(arg: string | undefined, verb: string): string {
  if (!arg) throw new UsageError(`${verb} requires a pod name`);
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const type = arg.slice(0, slash);
  if (!['pod', 'pods', 'po'].includes(type)) throw new UsageError(`cannot ${verb} a "${type}"; only pods`);
  return arg.slice(slash + 1);
}

export const logsCommand: Command = {
  usage: 'logs POD [-c CONTAINER] [-f] [--tail N] [--timestamps] [--previous]',
  summary: "Print a container's logs",
  flags: [
    { name: 'container', short: 'c', type: 'string', value: 'NAME', help: 'container name (default: the only or first container)' },
    { name: 'follow', short: 'f', type: 'boolean', help: 'stream new lines as they are written' },
    { name: 'tail', type: 'number', value: 'N', help: 'lines from the end to show (-1: all)' },
    { name: 'timestamps', type: 'boolean', help: 'prefix each line with its RFC3339 timestamp' },
    { name: 'previous', short: 'p', type: 'boolean', help: "the previous instance's logs" },
  ],
  async run(ctx: CliContext): Promise<number> {
    const [podArg, containerArg, ...extra] = ctx.args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const name = podNameArg(podArg, 'logs');
    const tail = ctx.args.flags.tail as number | undefined;
    const stream = await ctx.client().podLogs(ctx.namespace, name, {
      container: (ctx.args.flags.container as string | undefined) ?? containerArg,
      follow: Boolean(ctx.args.flags.follow),
      previous: Boolean(ctx.args.flags.previous),
      tailLines: tail !== undefined && tail >= 0 ? tail : undefined,
      timestamps: Boolean(ctx.args.flags.timestamps),
    });
    await pipeline(stream, ctx.io.stdout, { end: false });
    return 0;
  },
};
