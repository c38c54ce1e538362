/**
 * @module Which streams an exec or attach really asks for, and what the user is told, the way
 * kubectl decides: a TTY needs stdin and a local terminal; attach follows what the container
 * allocated (`stdin`, `tty` in its spec).
 */

export interface StreamChoiceInput {
  /** -i */
  stdin: boolean;
  /** -t */
  tty: boolean;
  /** -q: no warnings */
  quiet?: boolean;
  /** The local stdin is a terminal that can go raw. */
  stdinIsTerminal: boolean;
  /** attach only: the container's own stdio, as its spec allocated it. */
  container?: { name: string; stdin?: boolean; tty?: boolean };
}

export interface StreamChoice {
  stdin: boolean;
  /** The remote terminal is asked for and the local one goes raw. */
  tty: boolean;
  /** Lines for stderr. */
  warnings: string[];
}

export const notATerminalWarning = 'Unable to use a TTY - input is not a terminal or the right kind of file';

export function chooseStreams(input: StreamChoiceInput): StreamChoice {
  const warnings: string[] = [];
  let { stdin, tty } = input;
  const c = input.container;
  if (c) {
    if (stdin && !c.stdin) {
      stdin = false;
      warnings.push(`Unable to use stdin - container ${c.name} did not allocate one`);
    }
    if (tty && !c.tty) {
      tty = false;
      warnings.push(`error: Unable to use a TTY - container ${c.name} did not allocate one`);
    } else if (!tty && c.tty && stdin) {
      // The container's stdin is its terminal: raw bytes go through it either way (kubectl forces -t).
      tty = true;
    }
  }
  // Without stdin a terminal has nothing to read from: kubectl drops -t silently.
  if (!stdin) tty = false;
  if (tty && !input.stdinIsTerminal) {
    tty = false;
    warnings.push(notATerminalWarning);
  }
  return { stdin, tty, warnings: input.quiet ? [] : warnings };
}
