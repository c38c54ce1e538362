/**
 * @module The API's unix socket file: refuse to take over a live server's socket, remove a stale
 * one, and make the socket readable by root only once it exists.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

export async function prepareUnixSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live) throw new Error(`another server is already listening on ${path}`);
  unlinkSync(path);
}

export function restrictUnixSocket(path: string): void {
  chmodSync(path, 0o600);
}
