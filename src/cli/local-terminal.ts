/**
 * @module The user's terminal during `exec -t` / `attach -t`: raw mode (every key goes to the
 * remote side, Ctrl-C included), its size and SIGWINCH changes. Raw mode must never outlive the
 * command: it is undone when the session ends, on errors, on process exit and on SIGTERM, SIGHUP,
 * SIGINT and SIGQUIT (which are then re-raised so the process still dies of them).
 */
import type { Readable, Writable } from 'node:stream';
import type { ReadStream, WriteStream } from 'node:tty';
import type { TerminalSizeSource } from '../client/stream-session.js';
import type { TerminalSize } from '../client/stream-frames.js';

export interface LocalTerminal {
  /** stdin is a terminal that can go raw. */
  readonly isTerminal: boolean;
  size(): TerminalSize | undefined;
  /** Calls back after each size change; returns what stops it. */
  onResize(listener: () => void): () => void;
  /** Raw mode on; the returned function (idempotent) puts the terminal back. */
  makeRaw(): () => void;
}

const restoringSignals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'];

/** The terminal behind the given stdio streams (process.stdin/stdout in the real CLI). */
export function streamTerminal(stdin: Readable, stdout: Writable): LocalTerminal {
  const input = stdin as Readable & Partial<ReadStream>;
  const output = stdout as Writable & Partial<WriteStream>;
  return {
    isTerminal: input.isTTY === true && typeof input.setRawMode === 'function',
    size() {
      // kubectl sizes the remote terminal after its stdout; a pipe there has no size.
      if (output.isTTY !== true || !output.columns || !output.rows) return undefined;
      return { width: output.columns, height: output.rows };
    },
    onResize(listener) {
      // Node refreshes a TTY stdout's columns/rows on SIGWINCH, then emits 'resize'.
      output.on('resize', listener);
      return () => output.off('resize', listener);
    },
    makeRaw() {
      input.setRawMode?.(true);
      let restored = false;
      const restore = (): void => {
        if (restored) return;
        restored = true;
        process.off('exit', restore);
        for (const s of restoringSignals) process.off(s, onSignal);
        try {
          input.setRawMode?.(false);
        } catch {
          // the terminal is gone (hangup): nothing left to restore
        }
      };
      const onSignal = (signal: NodeJS.Signals): void => {
        restore();
        process.kill(process.pid, signal);
      };
      process.on('exit', restore);
      for (const s of restoringSignals) process.on(s, onSignal);
      return restore;
    },
  };
}

/**
 * Runs `session` with the terminal raw and its sizes fed to the remote side when `tty`, else as
 * is; the terminal is back to normal when this settles, however the session ended.
 */
export async function withTerminal<T>(terminal: LocalTerminal, tty: boolean, session: (sizes: TerminalSizeSource | undefined) => Promise<T>): Promise<T> {
  if (!tty) return session(undefined);
  const restore = terminal.makeRaw();
  try {
    return await session({
      current: () => terminal.size(),
      onChange: (listener) =>
        terminal.onResize(() => {
          const size = terminal.size();
          if (size) listener(size);
        }),
    });
  } finally {
    restore();
  }
}
