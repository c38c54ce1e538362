/**
 * @module `peapod attach POD`: the container's own stdio (or its terminal) rather than a new
 * process, as `kubectl attach` does; the session ends when the container exits.
 */
import type { Container, Pod } from '../../core/types.js';
import type { CliContext, Command } from '../cli-context.js';
import { ExitError } from '../cli-errors.js';
import { withTerminal } from '../local-terminal.js';
import { chooseStreams } from '../stream-choice.js';
import { chooseContainer } from './exec.js';
import { podNameArg } from './logs.js';

export const promptHint = "If you don't see a command prompt, try pressing enter.";

/** Why attaching cannot work now, or undefined when the container runs. */
export function attachRefusal(pod: Pod, container: string): string | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return `cannot attach a container in a completed pod; current phase is ${phase}`;
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const state = all.find((s) => s.name === container)?.state;
  if (state?.running) return undefined;
  const why = state?.waiting ? `waiting: ${state.waiting.reason ?? 'Waiting'}` : state?.terminated ? `terminated: ${state.terminated.reason ?? 'Terminated'}` : `pod phase ${phase ?? 'Pending'}`;
  return `cannot attach to container "${container}" in pod "${pod.metadata?.name ?? ''}": it is not running (${why})`;
}

function findContainer(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

export const attachCommand: Command = {
  usage: 'attach POD [-c CONTAINER] [-i] [-t]',
  summary: 'Attach to a running container',
  details: [
    "Connects to the container's main process: its output, and with -i its stdin (the container",
    'needs `stdin: true`); with -it its terminal (`tty: true`), this one going to raw mode. The',
    'session ends when the container exits (peapod exits 0), or with Ctrl-C when there is no -t.',
    '',
    'Examples:',
    '  peapod attach web',
    '  echo input | peapod attach -i reader',
    '  peapod attach -it shell -c main',
  ].join('\n'),
  flags: [
    { name: 'container', short: 'c', type: 'string', value: 'NAME', help: 'container name (default: annotation or first container)' },
    { name: 'stdin', short: 'i', type: 'boolean', help: 'pass stdin to the container' },
    { name: 'tty', short: 't', type: 'boolean', help: "stdin is a TTY: use the container's terminal (with -i)" },
    { name: 'quiet', short: 'q', type: 'boolean', help: 'only print output from the remote session' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const name = podNameArg(ctx.args.positionals[0], 'attach');
    const client = ctx.client();
    const pod = await client.getPod(ctx.namespace, name);
    const quiet = ctx.args.flags.quiet === true;
    const chosen = chooseContainer(pod, ctx.args.flags.container as string | undefined);
    const spec = findContainer(pod, chosen.name);
    if (!spec) throw new ExitError(1, `error: cannot attach to the container: container not found (${chosen.name})`);
    const refusal = attachRefusal(pod, chosen.name);
    if (refusal) throw new ExitError(1, `error: ${refusal}`);
    if (chosen.note && !quiet) ctx.err(`${chosen.note}\n`);
    const terminal = ctx.terminal();
    const wantStdin = ctx.args.flags.stdin === true;
    const wantTty = ctx.args.flags.tty === true;
    const streams = chooseStreams({
      stdin: wantStdin,
      tty: wantTty,
      quiet,
      stdinIsTerminal: terminal.isTerminal,
      container: { name: chosen.name, stdin: spec.stdin, tty: spec.tty },
    });
    for (const w of streams.warnings) ctx.err(`${w}\n`);
    if ((wantStdin || wantTty) && !quiet) ctx.err(`${promptHint}\n`);
    await withTerminal(terminal, streams.tty, (terminalSize) =>
      client.attach(ctx.namespace, name, {
        container: chosen.name,
        stdin: streams.stdin ? ctx.io.stdin : undefined,
        stdout: ctx.io.stdout,
        stderr: ctx.io.stderr,
        tty: streams.tty,
        terminalSize,
      }),
    );
    const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
    if (streams.stdin && streams.tty && restartPolicy === 'Always' && !quiet) {
      ctx.out(`Session ended, resume using 'peapod attach ${name} -c ${chosen.name} -i -t' command when the pod is running\n`);
    }
    return 0;
  },
};
