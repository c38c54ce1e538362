/** @module The admin kubeconfig for the HTTPS API: the CA inline, the bearer token, namespace default. */
import { stringify } from 'yaml';

export interface KubeconfigInput {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  token: string;
  /** Names the cluster, user and context. */
  name?: string;
}

export function adminKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'peapod';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** `https://HOST:PORT`, bracketing IPv6 literals. */
export function serverUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
