/**
 * @module Follows ConfigMaps and Secrets (through the ConfigObjectSource port) and rewrites, in
 * place, the volumes of this node's running pods (listed through the PodSource) that project a
 * changed object: the kubelet does this on its periodic resync; doing it on the change makes an
 * update visible within moments. Env vars and subPath mounts never change (the subPath bind
 * holds the old file). Every pod that uses the object is told through `onReferenced`, so one
 * waiting for it (CreateContainerConfigError, FailedMount) starts at once.
 */
import type { ConfigObjectSource, PodSource, WatchEvent } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import { volumeReferences } from '../core/volume-payload.js';
import { podReferences } from './config-volumes.js';
import type { PodRuntime } from './pod-runtime.js';

export interface ConfigWatcherDeps {
  configs: Pick<ConfigObjectSource, 'watchConfigObjects'>;
  pods: Pick<PodSource, 'listPods'>;
  podRuntime: PodRuntime;
  nodeName: string;
  logger: Logger;
  /** Called with the uid of each pod whose env uses the changed object. */
  onReferenced?: (podUid: string) => void;
}

type Kind = 'ConfigMap' | 'Secret';

export class ConfigWatcher {
  private stops: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: ConfigWatcherDeps) {}

  start(): void {
    this.stops.push(this.d.configs.watchConfigObjects((kind, e) => this.onEvent(kind, e)));
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
  }

  /** Resolves once every change seen so far has been written (for tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private onEvent(kind: Kind, e: WatchEvent): void {
    if (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED') return;
    const ns = e.object.metadata?.namespace ?? '';
    const name = e.object.metadata?.name ?? '';
    // Never work inside a watch callback: queue it, one change after another.
    this.chain = this.chain.then(() => this.apply(kind, ns, name)).catch((err: unknown) => {
      this.d.logger.warn('config object update failed', { kind, namespace: ns, name, err: String(err) });
    });
  }

  private async apply(kind: Kind, namespace: string, name: string): Promise<void> {
    const pods = this.d.pods.listPods(namespace).items;
    for (const pod of pods) {
      if (pod.spec?.nodeName && pod.spec.nodeName !== this.d.nodeName) continue;
      if (pod.metadata?.deletionTimestamp) continue;
      const refs = podReferences(pod, kind, name);
      // A pod waiting for the object (in env, or in a volume it could not mount) may start now.
      if (refs.env || refs.volumes) this.d.onReferenced?.(pod.metadata!.uid!);
      if (!refs.volumes) continue;
      const changed = await this.d.podRuntime.refreshConfigVolumes(pod, false, (v) => volumeReferences(v, kind, name));
      if (changed.length > 0) this.d.logger.debug('volumes updated', { pod: pod.metadata?.name, volumes: changed.join(',') });
    }
  }
}
