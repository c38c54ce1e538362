/** @module `peapod exec POD -- CMD...`: runs a command in a container and exits with its code; -it gives it a terminal. */
import type { Pod } from '../../core/types.js';
import type { CliContext, Command } from '../cli-context.js';
import { ExitError, UsageError } from '../cli-errors.js';
import { withTerminal } from '../local-terminal.js';
import { chooseStreams } from '../stream-choice.js';
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
  usage: 'exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARG...]',
  summary: 'Run a command in a container',
  details: [
    'With -i the command reads this stdin; with -it it gets a terminal: this one goes to raw mode',
    '(every key, Ctrl-C included, goes to the command) and the remote one follows its size.',
    'peapod exits with the command\'s exit code.',
    '',
    'Examples:',
    '  peapod exec web -- ls /',
    '  echo hi | peapod exec -i web -c app -- cat',
    '  peapod exec -it web -- sh',
  ].join('\n'),
  flags: [
    { name: 'container', short: 'c', type: 'string', value: 'NAME', help: 'container name (default: annotation or first container)' },
    { name: 'stdin', short: 'i', type: 'boolean', help: 'pass stdin to the command' },
    { name: 'tty', short: 't', type: 'boolean', help: 'stdin is a TTY: give the command a terminal (with -i)' },
    { name: 'quiet', short: 'q', type: 'boolean', help: 'only print output from the remote session' },
  ],
  async run(ctx: CliContext): Promise<number> {
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
    const quiet = ctx.args.flags.quiet === true;
    if (container.note && !quiet) ctx.err(`${container.note}\n`);
    const terminal = ctx.terminal();
    const streams = chooseStreams({
      stdin: ctx.args.flags.stdin === true,
      tty: ctx.args.flags.tty === true,
      quiet,
      stdinIsTerminal: terminal.isTerminal,
    });
    for (const w of streams.warnings) ctx.err(`${w}\n`);
    const { exitCode } = await withTerminal(terminal, streams.tty, (terminalSize) =>
      client.exec(ctx.namespace, name, {
        container: container.name,
        command,
        stdin: streams.stdin ? ctx.io.stdin : undefined,
        stdout: ctx.io.stdout,
        stderr: ctx.io.stderr,
        tty: streams.tty,
        terminalSize,
      }),
    );
    if (exitCode !== 0) ctx.err(`command terminated with exit code ${exitCode}\n`);
    return exitCode;
  },
};
