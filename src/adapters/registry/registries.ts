/**
 * @module The network side of pulling, as images/image-puller.ts's RegistryAccess wants it:
 * endpoints from `registries.json` (RegistryHosts), requests through one RegistryClient (its
 * connections, schemes and tokens shared by every pull).
 */
import type { CredentialMap } from '../../core/registry-auth.js';
import { RegistryClient, type ManifestResponse, type RegistryClientOptions, type RegistryEndpoint } from './registry-client.js';
import { RegistryHosts } from './registry-hosts.js';

export class Registries {
  readonly client: RegistryClient;
  readonly hosts: RegistryHosts;

  /** `configPath`: the registries.json file (absent is fine: defaults only). */
  constructor(configPath: string | undefined, opts: RegistryClientOptions = {}) {
    this.client = new RegistryClient(opts);
    this.hosts = new RegistryHosts(configPath);
  }

  endpoints(domain: string, credentials?: CredentialMap): Promise<RegistryEndpoint[]> {
    return this.hosts.endpoints(domain, credentials);
  }

  getManifest(ep: RegistryEndpoint, repo: string, reference: string, accept: string[]): Promise<ManifestResponse> {
    return this.client.getManifest(ep, repo, reference, accept);
  }

  openBlob(ep: RegistryEndpoint, repo: string, digest: string, size: number): NodeJS.ReadableStream {
    return this.client.openBlob(ep, repo, digest, size);
  }

  close(): void {
    this.client.close();
  }
}
