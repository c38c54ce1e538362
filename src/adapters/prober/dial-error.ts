/** @module Node socket errors worded as Go's net package words them (the kubelet's probe messages). */

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ECONNRESET: 'read: connection reset by peer',
  EPIPE: 'write: broken pipe',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** "dial tcp 10.0.0.5:80: connect: connection refused" and the like. */
export function dialError(host: string, port: number, err: Error & { code?: string }): string {
  const text = (err.code && ERRNO_TEXT[err.code]) ?? err.message;
  return `dial tcp ${hostPort(host, port)}: ${text}`;
}

export class DeadlineError extends Error {
  override name = 'DeadlineError';
}
