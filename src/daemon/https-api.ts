/**
 * @module Starts the HTTPS API beside the unix socket: credentials from `<data-dir>/pki` (made on
 * first start), the listener, and `<data-dir>/admin.kubeconfig` pointing at the port it got.
 */
import { hostname } from 'node:os';
import { ensureApiCredentials, writeSecret } from '../adapters/tls/api-credentials.js';
import { listenHttps, type HttpsListener } from '../adapters/tls/https-listener.js';
import { adminKubeconfig, serverUrl } from '../api/kubeconfig.js';
import type { ApiServer } from '../api/server.js';
import type { Logger } from '../core/logger.js';
import type { ListenAddress } from './config.js';

export function kubeconfigPath(dataDir: string): string {
  return `${dataDir}/admin.kubeconfig`;
}

export async function startHttpsApi(dataDir: string, listen: ListenAddress, api: ApiServer, logger: Logger): Promise<HttpsListener> {
  const names = [hostname(), hostname().split('.')[0]];
  if (listen.host !== '0.0.0.0' && listen.host !== '::') names.push(listen.host);
  const creds = await ensureApiCredentials(`${dataDir}/pki`, names);
  const listener = await listenHttps({ ...listen, certPem: creds.certPem, keyPem: creds.keyPem, token: creds.token, api, logger });
  const clientHost = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  writeSecret(kubeconfigPath(dataDir), adminKubeconfig({ server: serverUrl(clientHost, listener.port), caPem: creds.caPem, token: creds.token }));
  logger.info('HTTPS API listening', { address: serverUrl(clientHost, listener.port), kubeconfig: kubeconfigPath(dataDir) });
  return listener;
}
