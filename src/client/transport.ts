/**
 * @module How the client reaches the daemon. Today only the local unix socket; a later issue adds
 * an HTTPS transport (server URL, CA, bearer token from a kubeconfig) behind the same interface,
 * so PeapodClient never knows which one it talks through.
 */
import http from 'node:http';
import type { ClientOptions as WsClientOptions } from 'ws';

export interface Transport {
  /** Human-readable target for error messages: a socket path or a URL. */
  readonly target: string;
  /** Starts an HTTP request; `options.path` is the API path with query. */
  request(options: http.RequestOptions): http.ClientRequest;
  /** The `ws` URL and options to open a WebSocket on `path` (with query). */
  webSocket(path: string): { url: string; options: WsClientOptions };
}

export const defaultSocketPath = '/run/peapod/peapod.sock';

/** `--socket` beats `PEAPOD_SOCKET` beats the default. */
export function resolveSocketPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.PEAPOD_SOCKET || defaultSocketPath;
}

export class UnixSocketTransport implements Transport {
  readonly target: string;
  // Keep-alive so a command that makes several calls (apply, delete --wait) reuses one connection.
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(readonly socketPath: string) {
    this.target = socketPath;
  }

  request(options: http.RequestOptions): http.ClientRequest {
    return http.request({ ...options, socketPath: this.socketPath, agent: this.agent, host: 'localhost' });
  }

  webSocket(path: string): { url: string; options: WsClientOptions } {
    return { url: `ws+unix://${this.socketPath}:${path}`, options: {} };
  }

  /** Lets the process exit once idle keep-alive sockets are the only thing left. */
  close(): void {
    this.agent.destroy();
  }
}
