/** @module What a command runs with: streams, environment, flags shared by all, a lazy client. */
import type { Readable, Writable } from 'node:stream';
import { PeapodClient } from '../client/peapod-client.js';
import { resolveSocketPath } from '../client/transport.js';
import type { FlagSpec, ParsedArgs } from './flags.js';
import { streamTerminal, type LocalTerminal } from './local-terminal.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
  /** Replaces the terminal behind stdin/stdout (tests); by default it is derived from them. */
  terminal?: LocalTerminal;
}

export class CliContext {
  private clientInstance: PeapodClient | undefined;

  constructor(
    readonly io: CliIo,
    readonly args: ParsedArgs,
    /** Replaces the real client in tests. */
    private readonly makeClient?: (socketPath: string) => PeapodClient,
  ) {}

  get socketPath(): string {
    return resolveSocketPath(this.args.flags.socket as string | undefined, this.io.env);
  }

  /** The `-n` namespace, or undefined when not given. */
  get namespaceFlag(): string | undefined {
    return this.args.flags.namespace as string | undefined;
  }

  get namespace(): string {
    return this.namespaceFlag ?? 'default';
  }

  client(): PeapodClient {
    this.clientInstance ??= this.makeClient?.(this.socketPath) ?? new PeapodClient({ socketPath: this.socketPath });
    return this.clientInstance;
  }

  close(): void {
    this.clientInstance?.close();
  }

  /** The user's terminal, for `-t`. */
  terminal(): LocalTerminal {
    return this.io.terminal ?? streamTerminal(this.io.stdin, this.io.stdout);
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }
}

export interface Command {
  /** e.g. "get (pods|pod|po) [NAME...] [flags]" */
  usage: string;
  summary: string;
  /** Extra help text (examples). */
  details?: string;
  flags: FlagSpec[];
  /** Resolves with the exit code. */
  run(ctx: CliContext): Promise<number>;
}
