/** @module `peapod exec POD -- CMD...`: runs a command in a container and exits with its code. */
import type { Pod } from '../../core/types.js';
import type { CliContext, Command } from '../cli-context.js';
import { ExitError, UsageError } from '../cli-errors.js';
import { podNameArg } from './logs.js';

const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

/** kubectl's choice: -c, else the default-container annotation, else the first container. */
export function chooseContainer(pod: Pod, flag: string | undefined): { name: string; note?: string } {
  if (flag) return { name: flag };
  const containers = pod.spec?.containers ?? [];
  const annotated = pod.metadata?.annotations?.[defaultContainerAnnotation];
  if (annotated && containers.some((c) => c.name === annotated)) return { name: annotated };
  const first = containers[0]?.name ?? '';
  if (containers.length > 1) {
    return { name: first, note: `Defaulted container "${first}" out of: ${containers.map((c) => c.name).join(', ')}` };
  }
  return { name: first };
}

export const execCommand: Command = {
  usage: 'exec POD [-c CONTAINER] [-i] -- COMMAND [ARG...]',
  summary: 'Run a command in a container',
  details: 'Examples:\n  peapod exec web -- ls /\n  echo hi | peapod exec -i web -c app -- cat',
  flags: [
    { name: 'container', short: 'c', type: 'string', value: 'NAME', help: 'container name (default: annotation or first container)' },
    { name: 'stdin', short: 'i', type: 'boolean', help: 'pass stdin to the command' },
    { name: 'tty', short: 't', type: 'boolean', help: 'allocate a terminal (not supported yet)' },
  ],
  async run(ctx: CliContext): Promise<number> {
    if (ctx.args.flags.tty) throw new UsageError('-t/--tty is not supported yet');
    const [podArg, ...inline] = ctx.args.positionals;
    const name = podNameArg(podArg, 'exec');
    const command = ctx.args.rest ?? inline;
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container');
    const client = ctx.client();
    const pod = await client.getPod(ctx.namespace, name);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw new ExitError(1, `error: cannot exec into a container in a completed pod; current phase is ${phase}`);
    }
    const container = chooseContainer(pod, ctx.args.flags.container as string | undefined);
    if (container.note) ctx.err(`${container.note}\n`);
    const { exitCode } = await client.exec(ctx.namespace, name, {
      container: container.name,
      command,
      stdin: ctx.args.flags.stdin ? ctx.io.stdin : undefined,
      stdout: ctx.io.stdout,
      stderr: ctx.io.stderr,
    });
    if (exitCode !== 0) ctx.err(`command terminated with exit code ${exitCode}\n`);
    return exitCode;
  },
};
