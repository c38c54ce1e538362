/** @module How the CLI words failures, the way kubectl does, and which exit code each gets. */
import { InvalidError, isPeapodError } from '../core/errors.js';

/** Bad command line: printed with the usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already explained on stderr (or to be printed as is): exit with `exitCode`. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** One line for stderr, as kubectl prints server errors. */
export function formatError(err: unknown): string {
  if (err instanceof InvalidError) return /^The /.test(err.message) ? err.message : `The ${err.message}`;
  if (isPeapodError(err)) {
    // Raised locally, not by the server.
    if (err.name === 'NoKindMatchError') return `error: ${err.message}`;
    return `Error from server (${err.reason}): ${err.message}`;
  }
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
