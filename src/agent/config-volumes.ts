/**
 * @module The configMap, secret, downwardAPI and projected volumes of a pod: where each lives
 * under the pod dir (the kubelet's `volumes/kubernetes.io~<kind>/<name>`), and writing them
 * through the AtomicVolumeWriter, at set-up (a failure stops the sandbox: MountVolume.SetUp
 * failed) and again whenever a referenced object changes (a failure keeps the old content).
 */
import type { Pod, Volume } from '../core/types.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { ConfigSource, NodeAllocatable } from '../core/container-env.js';
import { VolumeMountError } from './volume-mount-error.js';
import { atomicVolumeKind, isTmpfsVolume, volumePayload, volumeReferences, withFsGroupModes, type AtomicVolumeWriter } from '../core/volume-payload.js';
import { hasTokenSource, type ServiceAccountTokenManager } from './token-manager.js';

export interface ConfigVolumeDeps {
  layout: Layout;
  writer: AtomicVolumeWriter;
  configs: ConfigSource;
  allocatable: NodeAllocatable;
  logger: Logger;
  /** Tokens of projected serviceAccountToken sources; without it such volumes fail to set up. */
  tokens?: ServiceAccountTokenManager;
}

/** The directory of an atomic-writer volume, or undefined for other volume types. */
export function atomicVolumeDir(layout: Layout, podUid: string, volume: Volume): string | undefined {
  const kind = atomicVolumeKind(volume);
  return kind ? `${layout.podDir(podUid)}/volumes/kubernetes.io~${kind}/${volume.name}` : undefined;
}

/**
 * Writes every atomic-writer volume of the pod (or only those `only` selects). With `strict`
 * the first failure throws a VolumeMountError; otherwise failures are logged and the old
 * content stays, as the kubelet's periodic remount does. Returns the names of changed volumes.
 */
export async function writeConfigVolumes(d: ConfigVolumeDeps, pod: Pod, strict: boolean, only?: (v: Volume) => boolean): Promise<string[]> {
  const uid = pod.metadata!.uid!;
  const changed: string[] = [];
  let tokensReady: Promise<void> | undefined;
  const serviceAccountToken = d.tokens ? d.tokens.get.bind(d.tokens, pod) : undefined;
  for (const volume of pod.spec?.volumes ?? []) {
    const kind = atomicVolumeKind(volume);
    if (!kind || (only && !only(volume))) continue;
    const dir = atomicVolumeDir(d.layout, uid, volume)!;
    try {
      if (d.tokens && hasTokenSource(volume)) await (tokensReady ??= d.tokens.prepare(pod));
      const fsGroup = pod.spec?.securityContext?.fsGroup;
      const ctx = { pod, configs: d.configs, allocatable: d.allocatable, ...(serviceAccountToken ? { serviceAccountToken } : {}) };
      const payload = withFsGroupModes(volumePayload(volume, ctx), fsGroup);
      const opts = fsGroup === undefined ? { tmpfs: isTmpfsVolume(kind) } : { tmpfs: isTmpfsVolume(kind), fsGroup };
      if (await d.writer.write(dir, payload, opts)) changed.push(volume.name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (strict) throw new VolumeMountError(volume.name, message);
      d.logger.warn('volume update failed, keeping the old content', { pod: pod.metadata?.name, volume: volume.name, err: message });
    }
  }
  return changed;
}

/** Whether the pod uses this object in a volume (to be rewritten) or in env (a waiting start may now succeed). */
export function podReferences(pod: Pod, kind: 'ConfigMap' | 'Secret', name: string): { volumes: boolean; env: boolean } {
  const volumes = (pod.spec?.volumes ?? []).some((v) => volumeReferences(v, kind, name));
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const env = containers.some(
    (c) =>
      (c.envFrom ?? []).some((f) => (kind === 'ConfigMap' ? f.configMapRef?.name : f.secretRef?.name) === name) ||
      (c.env ?? []).some((e) => (kind === 'ConfigMap' ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name) === name),
  );
  return { volumes, env };
}
