/**
 * @module Attaching to a container's own stdio through conmon's attach socket, `<bundle>/attach`
 * (SOCK_SEQPACKET; Node has no such sockets, node-unix-socket provides them).
 * - Every packet conmon sends is one read of the container's output, its first byte naming the
 *   stream (2 stdout, 3 stderr). With a terminal everything arrives as stdout.
 * - What we send goes to the container's stdin (or its terminal) unframed. conmon reads at most
 *   32 KiB - 1 per packet and drops the rest, so input goes in smaller packets.
 * - Half-closing our side makes conmon close the container's stdin, unless conmon runs with
 *   `--leave-stdin-open` (Container.stdinOnce false).
 * - Terminal sizes go through the control FIFO as message type 1.
 * - conmon closes the socket when the container has exited and its output is drained.
 */
import { open } from 'node:fs/promises';
import { SeqpacketSocket } from 'node-unix-socket';
import type { AttachStreams, TerminalSize } from '../../core/ports.js';
import { controlMessage, writeControl } from './conmon-control.js';

const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
const CTL_RESIZE = 1;
/** Below conmon's per-packet read size (CONN_SOCK_BUF_SIZE - 1). */
const MAX_INPUT_PACKET = 16 * 1024;

export class AttachError extends Error {
  readonly code = 'PEAPOD_ATTACH_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'AttachError';
  }
}

/** Splits one packet from conmon into its stream and its data; undefined for anything else. */
export function decodeAttachPacket(packet: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer } | undefined {
  if (packet.length < 2) return undefined;
  if (packet[0] === STDOUT_PIPE) return { stream: 'stdout', data: packet.subarray(1) };
  if (packet[0] === STDERR_PIPE) return { stream: 'stderr', data: packet.subarray(1) };
  return undefined;
}

/** Input as packets conmon reads whole. */
export function inputPackets(chunk: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < chunk.length; off += MAX_INPUT_PACKET) out.push(chunk.subarray(off, off + MAX_INPUT_PACKET));
  return out;
}

/**
 * Hands values to `send` one at a time, in the order given; values that arrive while one is being
 * sent collapse into the newest. Each resize opens and writes the control FIFO anew, so two sent
 * at once can land in either order: kubectl attach sends its size +1 and then the true size at
 * once, and the terminal must end up with the second.
 */
export function latestInOrder<T>(send: (value: T) => Promise<void>): (value: T) => void {
  let busy = false;
  let next: { value: T } | undefined;
  const pump = async (): Promise<void> => {
    busy = true;
    while (next) {
      const { value } = next;
      next = undefined;
      await send(value).catch(() => {}); // a container that exited takes no sizes; nothing to do
    }
    busy = false;
  };
  return (value) => {
    next = { value };
    if (!busy) void pump();
  };
}

/**
 * Connects to `<bundleDir>/attach`, through /proc/self/fd of the open bundle directory: socket
 * paths are limited to 108 bytes and bundle paths can be longer.
 */
async function connect(bundleDir: string): Promise<SeqpacketSocket> {
  const dir = await open(bundleDir, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new AttachError(`cannot open the container's bundle ${bundleDir}: ${e.code ?? e.message}`);
  });
  try {
    const sock = new SeqpacketSocket();
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      try {
        sock.connect(`/proc/self/fd/${dir.fd}/attach`, () => {
          sock.removeListener('error', reject);
          resolve();
        });
      } catch (e) {
        reject(e as Error);
      }
    }).catch((e: Error) => {
      sock.destroy();
      throw new AttachError(`cannot connect to conmon's attach socket in ${bundleDir} (container exited?): ${e.message}`);
    });
    return sock;
  } finally {
    await dir.close();
  }
}

export async function attachConmon(bundleDir: string, io: AttachStreams): Promise<void> {
  if (io.signal?.aborted) return;
  const sock = await connect(bundleDir);
  return new Promise<void>((resolve) => {
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      io.signal?.removeEventListener('abort', close);
      io.stdin?.removeListener('data', onInput);
      io.stdin?.removeListener('end', onInputEnd);
      sock.destroy();
      resolve();
    };
    sock.on('data', (packet: Buffer) => {
      const p = decodeAttachPacket(packet);
      if (!p) return;
      // A terminal has one stream; a stderr packet without a place to go is dropped.
      const target = p.stream === 'stderr' ? (io.stderr ?? undefined) : (io.stdout ?? undefined);
      target?.write(Buffer.from(p.data));
    });
    sock.on('end', close);
    sock.on('close', close);
    sock.on('error', close);
    io.signal?.addEventListener('abort', close, { once: true });

    const onInput = (chunk: Buffer | string): void => {
      if (closed) return;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const packet of inputPackets(buf)) sock.write(packet);
    };
    const onInputEnd = (): void => {
      if (!closed) sock.end();
    };
    io.stdin?.on('data', onInput);
    io.stdin?.on('end', onInputEnd);

    const resize = latestInOrder((size: TerminalSize) => writeControl(`${bundleDir}/ctl`, controlMessage(CTL_RESIZE, size.height, size.width)));
    io.onResize?.((size: TerminalSize) => {
      if (!closed) resize(size);
    });
  });
}
