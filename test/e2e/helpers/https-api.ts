/** @module Test helpers for the HTTPS API: wait for the kubeconfig, read it, call with or without the token. */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { stretch } from './time-factor.js';

export interface KubeconfigInfo {
  server: string;
  port: number;
  caPem: string;
  token: string;
}

/** Waits for the daemon to write its kubeconfig (the HTTPS listener starts after the socket). */
export async function readKubeconfig(path: string, timeoutMs = 15_000): Promise<KubeconfigInfo> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} was not written`);
    await sleep(50);
  }
  const cfg = parseYaml(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const server = cfg.clusters[0].cluster.server;
  return {
    server,
    port: Number(new URL(server).port),
    caPem: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8'),
    token: cfg.users[0].user.token,
  };
}

export interface HttpsReply {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpsCall(
  kc: KubeconfigInfo,
  method: string,
  path: string,
  opts: { token?: string | null; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {},
): Promise<HttpsReply> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? kc.token : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: opts.host ?? '127.0.0.1', servername: opts.host ?? undefined, port: kc.port, method, path, ca: kc.caPem, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
