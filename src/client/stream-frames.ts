/**
 * @module The messages of channel.k8s.io v5 as the client writes and reads them: every binary
 * message starts with its channel byte; resize bodies are {"Width":W,"Height":H}; [255, 0] is
 * the v5 half-close of stdin.
 */

export const streamSubprotocol = 'v5.channel.k8s.io';

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface TerminalSize {
  width: number;
  height: number;
}

export function stdinFrame(data: Buffer | string): Buffer {
  return Buffer.concat([Buffer.of(Channel.stdin), typeof data === 'string' ? Buffer.from(data) : data]);
}

/** The Go field names are what the server's (and the kubelet's) decoder expects. */
export function resizeFrame(size: TerminalSize): Buffer {
  const body = JSON.stringify({ Width: Math.max(0, Math.trunc(size.width)), Height: Math.max(0, Math.trunc(size.height)) });
  return Buffer.concat([Buffer.of(Channel.resize), Buffer.from(body)]);
}

export function closeStdinFrame(): Buffer {
  return Buffer.of(Channel.close, Channel.stdin);
}

export interface Frame {
  channel: number;
  payload: Buffer;
}

/** An empty message carries nothing (not even a channel): undefined. */
export function parseFrame(frame: Buffer): Frame | undefined {
  if (frame.length === 0) return undefined;
  return { channel: frame[0], payload: frame.subarray(1) };
}
