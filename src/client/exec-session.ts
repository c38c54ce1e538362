/**
 * @module The client side of exec over WebSocket, subprotocol v5.channel.k8s.io: every binary
 * frame starts with its channel byte (0 stdin, 1 stdout, 2 stderr, 3 error Status, 255 close),
 * the server ends with a Status on channel 3 and a close frame.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { InternalError } from '../core/errors.js';
import { connectionError, errorFromResponse } from './http-call.js';
import { isStatusBody, statusToError, type StatusBody } from './status-error.js';
import type { Transport } from './transport.js';

export const execSubprotocol = 'v5.channel.k8s.io';

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface ExecStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
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

export function runExec(transport: Transport, path: string, streams: ExecStreams): Promise<ExecResult> {
  const { url, options } = transport.webSocket(path);
  const ws = new WebSocket(url, [execSubprotocol], options);
  return new Promise<ExecResult>((resolve, reject) => {
    let exitCode: number | undefined;
    let failure: Error | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      streams.stdin?.unpipe();
      streams.stdin?.pause();
      if (failure) reject(failure);
      else if (exitCode === undefined) reject(new InternalError('exec stream closed before the command finished'));
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
      if (ws.protocol !== execSubprotocol) {
        failure = new InternalError(`the server chose exec protocol "${ws.protocol}", expected ${execSubprotocol}`);
        ws.close();
        return;
      }
      const stdin = streams.stdin;
      if (!stdin) return;
      stdin.on('data', (chunk: Buffer | string) => {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        ws.send(Buffer.concat([Buffer.of(Channel.stdin), data]));
      });
      // v5 half-close: tells the server stdin is done while output keeps flowing.
      stdin.on('end', () => {
        if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.of(Channel.close, Channel.stdin));
      });
    });
    ws.on('message', (raw: WebSocket.RawData) => {
      const frame = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
      if (frame.length === 0) return;
      const payload = frame.subarray(1);
      switch (frame[0]) {
        case Channel.stdout:
          streams.stdout?.write(payload);
          break;
        case Channel.stderr:
          streams.stderr?.write(payload);
          break;
        case Channel.error: {
          try {
            const status: unknown = JSON.parse(payload.toString('utf8'));
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
