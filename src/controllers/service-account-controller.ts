/**
 * @module The serviceaccounts-controller and root-ca-cert-publisher of kube-controller-manager:
 * every active namespace has a `default` ServiceAccount (made again when deleted) and the
 * `kube-root-ca.crt` ConfigMap holding the CA that signs the API's certificate, which pods'
 * service account volumes project as ca.crt. Keyed by namespace.
 */
import { AlreadyExistsError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ObjectClient } from '../core/ports.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { Namespace, ServiceAccount } from '../core/types.js';
import { CONFIG_MAPS, NAMESPACES, SERVICE_ACCOUNTS } from '../core/controllers/network-resource-types.js';
import type { ControllerContext } from './controller-manager.js';
import type { Reconciler } from './controller-runner.js';
import type { Informer } from './informer.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

export class ServiceAccountController implements Reconciler {
  readonly name = 'serviceaccount';
  private client!: ObjectClient;
  private namespaces!: Informer<Namespace>;
  private accounts!: Informer<ServiceAccount>;
  private configMaps!: Informer<ConfigMap & { metadata?: { namespace?: string; name?: string } }>;

  /** `caPem`: the API's CA; without one (no HTTPS API) no kube-root-ca.crt is published. */
  constructor(
    private readonly logger: Logger,
    private readonly caPem?: string,
  ) {}

  register(ctx: ControllerContext): void {
    this.client = ctx.client;
    this.namespaces = ctx.informer<Namespace>(NAMESPACES);
    this.accounts = ctx.informer<ServiceAccount>(SERVICE_ACCOUNTS);
    this.configMaps = ctx.informer(CONFIG_MAPS);
    const add = (ns: string | undefined): void => {
      if (ns) ctx.queue.add(ns);
    };
    this.namespaces.addHandlers({ onAdd: (n) => add(n.metadata?.name), onUpdate: (_o, n) => add(n.metadata?.name) });
    this.accounts.addHandlers({ onDelete: (sa) => sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT && add(sa.metadata.namespace) });
    this.configMaps.addHandlers({
      onUpdate: (_o, cm) => cm.metadata?.name === ROOT_CA_CONFIG_MAP && add(cm.metadata.namespace),
      onDelete: (cm) => cm.metadata?.name === ROOT_CA_CONFIG_MAP && add(cm.metadata.namespace),
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp) return;
    if (!this.accounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) {
      await this.createQuietly(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
      this.logger.debug('created the default service account', { namespace });
    }
    if (this.caPem === undefined) return;
    const data = { 'ca.crt': this.caPem };
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIG_MAP);
    const annotations = { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' };
    if (!cm) await this.createQuietly(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations }, data });
    else if (cm.data?.['ca.crt'] !== this.caPem) await this.client.update(CONFIG_MAPS, { ...cm, data });
  }

  private async createQuietly(type: typeof SERVICE_ACCOUNTS, obj: object): Promise<void> {
    try {
      await this.client.create(type, obj);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }
}
