/**
 * @module Follows PersistentVolumeClaims (through the PersistentVolumeSource port) and wakes this
 * node's pods that use a changed claim, so a pod waiting for its claim to be bound (FailedMount)
 * starts as soon as the binder or the provisioner has done its part, not at its next retry.
 */
import type { PersistentVolumeSource, PodSource, WatchEvent } from '../core/ports.js';

export interface ClaimWatcherDeps {
  claims: Pick<PersistentVolumeSource, 'watchPersistentVolumeClaims'>;
  pods: Pick<PodSource, 'listPods'>;
  nodeName: string;
  /** Called with the uid of each pod that uses the changed claim. */
  onReferenced(podUid: string): void;
}

export class ClaimWatcher {
  private stop: (() => void) | undefined;

  constructor(private readonly d: ClaimWatcherDeps) {}

  start(): void {
    this.stop = this.d.claims.watchPersistentVolumeClaims((e) => this.onEvent(e));
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private onEvent(e: WatchEvent): void {
    if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
    const ns = e.object.metadata?.namespace ?? '';
    const name = e.object.metadata?.name;
    // Never work inside the watch callback.
    queueMicrotask(() => {
      for (const pod of this.d.pods.listPods(ns).items) {
        if (pod.spec?.nodeName && pod.spec.nodeName !== this.d.nodeName) continue;
        if ((pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)) this.d.onReferenced(pod.metadata!.uid!);
      }
    });
  }
}
