/**
 * @module Hand-rolled flag parsing, kubectl-style: flags anywhere among positionals, `--x=v`,
 * `--x v`, `-x v`, `-xv`, grouped booleans (`-it`), `--bool=false`, and everything after `--`
 * kept verbatim for exec.
 */
import { UsageError } from './cli-errors.js';

export interface FlagSpec {
  name: string;
  short?: string;
  type: 'boolean' | 'string' | 'number';
  multiple?: boolean;
  /** Shown in help. */
  help?: string;
  /** Shown in help after the flag name, e.g. "N". */
  value?: string;
}

export type FlagValue = boolean | string | number | string[];

export interface ParsedArgs {
  flags: Record<string, FlagValue | undefined>;
  positionals: string[];
  /** Everything after a bare `--`, or undefined when there was none. */
  rest: string[] | undefined;
}

/** Flags every command accepts. */
export const globalFlags: FlagSpec[] = [
  { name: 'socket', type: 'string', value: 'PATH', help: 'unix socket of the daemon (default $PEAPOD_SOCKET or /run/peapod/peapod.sock)' },
  { name: 'namespace', short: 'n', type: 'string', value: 'NS', help: 'namespace (default "default")' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show help for this command' },
];

function convert(spec: FlagSpec, raw: string, shown: string): FlagValue {
  if (spec.type === 'number') {
    if (!/^-?\d+$/.test(raw)) throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: not an integer`);
    return Number(raw);
  }
  if (spec.type === 'boolean') {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: must be true or false`);
  }
  return raw;
}

export function parseFlags(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const all = [...specs, ...globalFlags];
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const set = (spec: FlagSpec, value: FlagValue) => {
    if (spec.multiple) flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), String(value)];
    else flags[spec.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { flags, positionals, rest: argv.slice(i + 1) };
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = all.find((s) => s.name === name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, convert(spec, arg.slice(eq + 1), `--${name}`));
      else if (spec.type === 'boolean') set(spec, true);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
        set(spec, convert(spec, argv[++i], `--${name}`));
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j];
        const spec = all.find((s) => s.short === letter);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
        if (spec.type === 'boolean') {
          set(spec, true);
          continue;
        }
        let value = arg.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (value === '') {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
          value = argv[++i];
        }
        set(spec, convert(spec, value, `-${letter}`));
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { flags, positionals, rest: undefined };
}
