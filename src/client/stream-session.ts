/**
 * @module The client side of exec and attach over WebSocket, subprotocol v5.channel.k8s.io
 * (frames: stream-frames.ts). Both subresources are one session: stdin in, stdout/stderr out,
 * terminal sizes on channel 4 when a TTY was asked for, and the server ends with a Status on
 * channel 3 (exec: the exit code; attach: Success once the container exits) and a close frame.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { InternalError } from '../core/errors.js';
import { connectionError, errorFromResponse } from './http-call.js';
import { isStatusBody, statusToError, type StatusBody } from './status-error.js';
import { Channel, closeStdinFrame, parseFrame, resizeFrame, stdinFrame, streamSubprotocol, type TerminalSize } from './stream-frames.js';
import type { Transport } from './transport.js';

/** Where terminal sizes come from: the first one goes right after the session opens. */
export interface TerminalSizeSource {
  current(): TerminalSize | undefined;
  /** Calls back on each change; returns what stops it. */
  onChange(listener: (size: TerminalSize) => void): () => void;
}

export interface StreamSessionOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Only with a TTY: the sizes the remote terminal should take. */
  terminalSize?: TerminalSizeSource;
}

export interface ExecResult {
  exitCode: number;
}

/** Success → 0; NonZeroExitCode → the ExitCode cause; any other failure is an error. */
export function exitCodeFromStatus(status: StatusBody): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  throw statusToError({ ...status, kind: 'Status' }, status.code ?? 500);
}

export function runStreamSession(transport: Transport, path: string, opts: StreamSessionOptions): Promise<ExecResult> {
  const { url, options } = transport.webSocket(path);
  const ws = new WebSocket(url, [streamSubprotocol], options);
  const stdin = opts.stdin;
  const send = (frame: Buffer): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  };
  const onStdinData = (chunk: Buffer | string): void => send(stdinFrame(chunk));
  // v5 half-close: tells the server stdin is done while output keeps flowing.
  const onStdinEnd = (): void => send(closeStdinFrame());
  let stopResize: (() => void) | undefined;

  return new Promise<ExecResult>((resolve, reject) => {
    let exitCode: number | undefined;
    let failure: Error | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      stopResize?.();
      if (stdin) {
        stdin.off('data', onStdinData);
        stdin.off('end', onStdinEnd);
        stdin.pause();
      }
      if (failure) reject(failure);
      else if (exitCode === undefined) reject(new InternalError('the stream closed before the session finished'));
      else resolve({ exitCode });
    };

    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      errorFromResponse(res).then(
        (err) => {
          failure = err;
          finish();
          ws.terminate();
        },
        (err: unknown) => {
          failure = connectionError(transport, err);
          finish();
        },
      );
    });
    ws.on('error', (err) => {
      failure ??= connectionError(transport, err);
      finish();
    });
    ws.on('open', () => {
      if (ws.protocol !== streamSubprotocol) {
        failure = new InternalError(`the server chose the stream protocol "${ws.protocol}", expected ${streamSubprotocol}`);
        ws.close();
        return;
      }
      const size = opts.terminalSize;
      if (size) {
        const first = size.current();
        if (first) send(resizeFrame(first));
        stopResize = size.onChange((s) => send(resizeFrame(s)));
      }
      if (!stdin) return;
      stdin.on('data', onStdinData);
      stdin.on('end', onStdinEnd);
      stdin.resume();
    });
    ws.on('message', (raw: WebSocket.RawData) => {
      const frame = parseFrame(Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer));
      if (!frame) return;
      switch (frame.channel) {
        case Channel.stdout:
          opts.stdout?.write(frame.payload);
          break;
        case Channel.stderr:
          opts.stderr?.write(frame.payload);
          break;
        case Channel.error: {
          try {
            const status: unknown = JSON.parse(frame.payload.toString('utf8'));
            exitCode = exitCodeFromStatus(isStatusBody(status) ? status : (status as StatusBody));
          } catch (err) {
            failure = err instanceof Error ? err : new InternalError(String(err));
          }
          break;
        }
      }
    });
    ws.on('close', finish);
  });
}
