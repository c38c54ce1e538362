/**
 * @module The whole CLI as a function of argv and streams → exit code, so tests drive it without
 * a process. main.ts is the only place that touches `process.exit`.
 */
import { CliContext, type CliIo, type Command } from './cli-context.js';
import { ExitError, formatError, UsageError } from './cli-errors.js';
import { commandTable, daemonCommands, findCommand } from './command-table.js';
import { globalFlags, parseFlags, type FlagSpec } from './flags.js';
import type { PeapodClient } from '../client/peapod-client.js';

export function generalUsage(): string {
  const width = Math.max(...[...commandTable, ...daemonCommands].map((c) => c.name.length)) + 3;
  const lines = [
    'peapod runs Kubernetes Pods on this machine.',
    '',
    'Usage:',
    '  peapod <command> [flags]',
    '',
    'Commands:',
    ...[...commandTable, ...daemonCommands].map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}Help about any command`,
    '',
    'Global flags:',
    ...formatFlags(globalFlags),
    '',
    "Use 'peapod <command> --help' for more information about a command.",
  ];
  return `${lines.join('\n')}\n`;
}

function formatFlags(flags: FlagSpec[]): string[] {
  const shown = flags.map((f) => {
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'boolean' ? '' : ` ${f.value ?? (f.type === 'number' ? 'N' : 'VALUE')}`}`;
    return [name, f.help ?? ''] as const;
  });
  const width = Math.max(...shown.map(([n]) => n.length)) + 3;
  return shown.map(([n, h]) => `  ${n.padEnd(width)}${h}`.trimEnd());
}

export function commandUsage(cmd: Command): string {
  const lines = [cmd.summary, '', 'Usage:', `  peapod ${cmd.usage}`];
  if (cmd.details) lines.push('', cmd.details.trimEnd());
  if (cmd.flags.length > 0) lines.push('', 'Flags:', ...formatFlags(cmd.flags));
  lines.push('', 'Global flags:', ...formatFlags(globalFlags));
  return `${lines.join('\n')}\n`;
}

export interface RunOptions {
  makeClient?: (socketPath: string) => PeapodClient;
  /** Runs `serve`/`reset`; main.ts wires the daemon module in so the rest of the CLI never loads it. */
  runDaemonCommand?: (name: 'serve' | 'reset', argv: string[]) => Promise<number>;
}

export async function runCli(argv: string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  // Global flags may precede the command: `peapod --socket S get pods`.
  let i = 0;
  const leading: string[] = [];
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    const arg = argv[i];
    leading.push(arg);
    const takesValue = ['--socket', '-n', '--namespace'].includes(arg);
    if (takesValue && i + 1 < argv.length) leading.push(argv[++i]);
    i++;
  }
  const name = argv[i];
  const rest = [...leading, ...argv.slice(i + 1)];

  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
    if (topic && findCommand(topic)) {
      io.stdout.write(commandUsage(await findCommand(topic)!.load()));
      return 0;
    }
    if (topic) {
      io.stderr.write(`error: unknown command "${topic}" for "peapod"\n\n${generalUsage()}`);
      return 2;
    }
    if (name === undefined && leading.some((a) => a !== '-h' && a !== '--help')) {
      io.stderr.write(`error: no command given\n\n${generalUsage()}`);
      return 2;
    }
    io.stdout.write(generalUsage());
    return 0;
  }

  if (name === 'serve' || name === 'reset') {
    if (!options.runDaemonCommand) {
      io.stderr.write(`error: "${name}" runs through bin/peapod (or node dist/daemon/entry.js ${name})\n`);
      return 2;
    }
    // Global flags before the command (`--socket`) belong to the daemon's own flags too.
    return options.runDaemonCommand(name, [...leading, ...argv.slice(i + 1)]);
  }

  const entry = findCommand(name);
  if (!entry) {
    io.stderr.write(`error: unknown command "${name}" for "peapod"\n\n${generalUsage()}`);
    return 2;
  }
  const cmd = await entry.load();
  let ctx: CliContext | undefined;
  try {
    const args = parseFlags(rest, cmd.flags);
    if (args.flags.help) {
      io.stdout.write(commandUsage(cmd));
      return 0;
    }
    ctx = new CliContext(io, args, options.makeClient);
    return await cmd.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n\n${commandUsage(cmd)}`);
      return 2;
    }
    if (err instanceof ExitError) {
      if (err.message) io.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`${formatError(err)}\n`);
    return 1;
  } finally {
    ctx?.close();
  }
}
