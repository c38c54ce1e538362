/**
 * @module Starts the HTTPS API beside the unix socket: credentials from `<data-dir>/pki` (made on
 * first start), the listener with the dashboard's gate (/ui/ and its session cookies), and
 * `<data-dir>/admin.kubeconfig` pointing at the port it got; and a second listener for pods on the
 * bridge's gateway address, which the `kubernetes` Service leads to (its certificate names the
 * Service's address and DNS names too). Bearer tokens, the admin's or service accounts', become
 * users in one place, api/authentication.ts.
 */
import type { KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DirectoryAssets } from '../adapters/system/static-assets.js';
import { DashboardGate } from '../api/dashboard/dashboard-gate.js';
import { DashboardSessions } from '../api/dashboard/dashboard-sessions.js';
import { ADMIN_USER, Authenticator } from '../api/authentication.js';
import type { Clock, ObjectStore } from '../core/ports.js';
import { ensureApiCredentials, writeSecret } from '../adapters/tls/api-credentials.js';
import { listenHttps, type HttpsListener } from '../adapters/tls/https-listener.js';
import { adminKubeconfig, serverUrl } from '../api/kubeconfig.js';
import type { ApiServer } from '../api/server.js';
import { MAX_BODY_BYTES } from '../api/http-util.js';
import type { Logger } from '../core/logger.js';
import type { ListenAddress } from './config.js';

export function kubeconfigPath(dataDir: string): string {
  return `${dataDir}/admin.kubeconfig`;
}

/** The built dashboard: dist/web beside dist/daemon, or (running the sources) the repository's dist/web. */
const WEB_DIRS = [fileURLToPath(new URL('../web', import.meta.url)), fileURLToPath(new URL('../../dist/web', import.meta.url))];

/** Where pods reach the API: the listener on the gateway and the names and address of the `kubernetes` Service. */
export interface PodApiAccess {
  /** The bridge's gateway address. */
  host: string;
  /** The `kubernetes` Service's ClusterIP. */
  serviceIP: string;
  clusterDomain: string;
}

/** What authenticating requests needs besides the admin token. */
export interface HttpsAuthOptions {
  store: ObjectStore;
  clock: Clock;
  /** Verifies service account tokens. */
  serviceAccountKey: KeyObject;
}

export interface HttpsApi {
  listener: HttpsListener;
  /** The listener pods reach through the `kubernetes` Service. */
  podListener?: HttpsListener;
  /** The CA pods verify the API with (kube-root-ca.crt). */
  caPem: string;
  /** A one-time dashboard sign-in link (`peapod dashboard`). */
  mintDashboardLogin(): { url: string; expiresAt: number };
  close(): Promise<void>;
}

/** The API server's usual port; taken, a free one (the `kubernetes` Service's targetPort follows it). */
const POD_API_PORT = 6443;

export async function startHttpsApi(dataDir: string, listen: ListenAddress, api: ApiServer, logger: Logger, auth: HttpsAuthOptions, pods?: PodApiAccess): Promise<HttpsApi> {
  const names = [hostname(), hostname().split('.')[0]];
  if (listen.host !== '0.0.0.0' && listen.host !== '::') names.push(listen.host);
  const ips: string[] = [];
  if (pods) {
    names.push('kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${pods.clusterDomain}`);
    ips.push(pods.serviceIP, pods.host);
  }
  const creds = await ensureApiCredentials(`${dataDir}/pki`, names, 'openssl', ips);
  const authenticator = new Authenticator({ adminToken: creds.token, serviceAccountKey: auth.serviceAccountKey, store: auth.store, clock: auth.clock });
  const sessions = new DashboardSessions(auth.clock);
  const browser = new DashboardGate({
    sessions,
    // Dashboard sessions are the admin's: only the admin token signs in.
    checkToken: (token) => (authenticator.authenticateToken(token) === ADMIN_USER ? 'admin' : undefined),
    assets: new DirectoryAssets(WEB_DIRS),
    logger,
  });
  const tls = {
    certPem: creds.certPem,
    keyPem: creds.keyPem,
    authenticate: (req: Parameters<Authenticator['authenticate']>[0]) => authenticator.authenticate(req),
    sessionUser: (name: string) => (name === 'admin' ? ADMIN_USER : undefined),
    api,
    logger,
    drainBodyBytes: MAX_BODY_BYTES,
  };
  const listener = await listenHttps({ ...listen, ...tls, browser });
  let podListener: HttpsListener | undefined;
  if (pods) {
    podListener = await listenHttps({ host: pods.host, port: POD_API_PORT, ...tls }).catch(() => listenHttps({ host: pods.host, port: 0, ...tls }));
    logger.info('HTTPS API for pods listening', { address: serverUrl(pods.host, podListener.port), service: `https://${pods.serviceIP}:443` });
  }
  const clientHost = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  const server = serverUrl(clientHost, listener.port);
  writeSecret(kubeconfigPath(dataDir), adminKubeconfig({ server, caPem: creds.caPem, token: creds.token }));
  logger.info('HTTPS API listening', { address: server, dashboard: `${server}/ui/`, kubeconfig: kubeconfigPath(dataDir) });
  return {
    listener,
    ...(podListener ? { podListener } : {}),
    caPem: creds.caPem,
    mintDashboardLogin: () => {
      const { token, expiresAt } = sessions.mintLogin('admin');
      return { url: `${server}/ui/login?once=${token}`, expiresAt };
    },
    close: async () => {
      await Promise.all([listener.close(), podListener?.close()]);
    },
  };
}
