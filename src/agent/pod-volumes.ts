/**
 * @module What a pod mounts: its volumes set up before the sandbox starts (shm, emptyDir,
 * hostPath checks, configMap/secret/downwardAPI/projected content), that content refreshed when
 * a referenced object changes, and each container's bind mounts (its volumeMounts, the pod files,
 * /dev/shm, its termination log).
 */
import type { Container, Pod, Volume } from '../core/types.js';
import type { HostPathType, PersistentVolumeSource, PodHost } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { MountInput } from '../core/oci-spec.js';
import type { ConfigSource, NodeAllocatable } from '../core/container-env.js';
import { atomicVolumeKind, type AtomicVolumeWriter } from '../core/volume-payload.js';
import { parseMemoryBytes } from '../core/quantity.js';
import type { RuntimeState } from './runtime-state.js';
import { atomicVolumeDir, writeConfigVolumes } from './config-volumes.js';
import { ContainerStartError, errorText } from './container-start-error.js';
import { VolumeMountError } from './volume-mount-error.js';
import type { ServiceAccountTokenManager } from './token-manager.js';

export interface PodVolumesDeps {
  layout: Layout;
  host: PodHost;
  state: RuntimeState;
  logger: Logger;
  configs: ConfigSource;
  allocatable: NodeAllocatable;
  /** Writes configMap/secret/downwardAPI/projected volumes; without it they are refused. */
  volumeWriter?: AtomicVolumeWriter;
  /** Claims and their volumes (persistentVolumeClaim volumes bind-mount the bound volume's directory). */
  claims?: PersistentVolumeSource;
  /** Service account tokens for projected volumes. */
  tokens?: ServiceAccountTokenManager;
}

export class PodVolumes {
  constructor(private readonly d: PodVolumesDeps) {}

  async setUp(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    await this.d.host.ensureShm(uid);
    for (const v of pod.spec!.volumes ?? []) {
      try {
        if (v.emptyDir) {
          const size = v.emptyDir.sizeLimit !== undefined ? parseMemoryBytes(String(v.emptyDir.sizeLimit)) : undefined;
          await this.d.host.ensureEmptyDir(uid, v.name, v.emptyDir.medium ?? '', size, pod.spec!.securityContext?.fsGroup);
        } else if (v.hostPath) {
          await this.d.host.checkHostPath(v.hostPath.path, (v.hostPath.type ?? '') as never);
        } else if (v.persistentVolumeClaim) {
          const { path, type } = this.claimPath(pod, v.persistentVolumeClaim.claimName);
          await this.d.host.checkHostPath(path, type);
        }
      } catch (err) {
        throw new VolumeMountError(v.name, errorText(err));
      }
    }
    await this.refreshConfigVolumes(pod, true);
  }

  /**
   * Writes the pod's configMap/secret/downwardAPI/projected volumes from the current objects.
   * `strict` (set-up): a failure throws; otherwise (updates) it keeps the old content. `only`
   * limits it to some volumes. Returns the names of the volumes whose content changed.
   */
  refreshConfigVolumes(pod: Pod, strict = false, only?: (v: Volume) => boolean): Promise<string[]> {
    const { layout, logger, volumeWriter, configs, allocatable, tokens } = this.d;
    const hasAtomic = (pod.spec?.volumes ?? []).some((v) => atomicVolumeKind(v) !== undefined);
    if (!hasAtomic) return Promise.resolve([]);
    // An update only goes to a pod whose volumes were set up and not yet removed.
    if (!strict && !this.d.state.view(pod.metadata!.uid!).sandboxes.some((s) => s.ready)) return Promise.resolve([]);
    if (!volumeWriter) return Promise.reject(new Error('configMap/secret/downwardAPI/projected volumes are not available in this daemon'));
    return writeConfigVolumes({ layout, logger, writer: volumeWriter, configs, allocatable, ...(tokens ? { tokens } : {}) }, pod, strict, only);
  }

  async containerMounts(pod: Pod, container: Container, containerId: string): Promise<MountInput[]> {
    const { layout, host } = this.d;
    const uid = pod.metadata!.uid!;
    const podDir = layout.podDir(uid);
    const mounts: MountInput[] = [];
    const targets = new Set((container.volumeMounts ?? []).map((m) => m.mountPath));
    for (const m of container.volumeMounts ?? []) {
      const volume = (pod.spec!.volumes ?? []).find((v) => v.name === m.name);
      if (!volume) throw new ContainerStartError('CreateContainerConfigError', `volume "${m.name}" not found`);
      let source = this.volumeSource(uid, volume, pod);
      if (m.subPath) {
        try {
          source = await host.ensureSubPath(source, m.subPath);
        } catch (err) {
          throw new ContainerStartError('CreateContainerConfigError', `failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}": ${errorText(err)}`);
        }
      }
      // Atomic-writer volumes are always read-only, whatever the mount says.
      mounts.push({ destination: m.mountPath, source, type: 'bind', readOnly: m.readOnly === true || volume.persistentVolumeClaim?.readOnly === true || atomicVolumeKind(volume) !== undefined });
    }
    const add = (destination: string, source: string, readOnly = false): void => {
      if (!targets.has(destination)) mounts.push({ destination, source, type: 'bind', readOnly });
    };
    add('/etc/hosts', `${podDir}/etc-hosts`);
    add('/etc/resolv.conf', `${podDir}/resolv.conf`);
    add('/etc/hostname', `${podDir}/hostname`);
    add('/dev/shm', pod.spec!.hostIPC ? '/dev/shm' : `${podDir}/shm`);
    const terminationLog = layout.terminationLogPath(uid, container.name, containerId);
    await host.createTerminationLog(terminationLog);
    add(container.terminationMessagePath || '/dev/termination-log', terminationLog);
    return mounts;
  }

  /**
   * The directory a persistentVolumeClaim volume mounts: the bound volume's hostPath or local
   * path. A missing or unbound claim throws: the pod waits (FailedMount) until it is bound.
   */
  private claimPath(pod: Pod, claimName: string): { path: string; type: HostPathType } {
    const ns = pod.metadata!.namespace!;
    const claim = this.d.claims?.getPersistentVolumeClaim(ns, claimName);
    if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
    if (claim.metadata?.deletionTimestamp) throw new Error(`persistentvolumeclaim "${claimName}" is being deleted`);
    const volumeName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !volumeName) throw new Error(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
    const pv = this.d.claims?.getPersistentVolume(volumeName);
    const path = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
    if (!pv || !path) throw new Error(`persistentvolume "${volumeName}" of claim ${ns}/${claimName} is not a hostPath or local volume`);
    return { path, type: (pv.spec?.hostPath ? (pv.spec.hostPath.type ?? '') : 'Directory') as HostPathType };
  }

  private volumeSource(uid: string, volume: Volume, pod?: Pod): string {
    if (volume.emptyDir) return this.d.layout.emptyDirPath(uid, volume.name);
    if (volume.hostPath) return volume.hostPath.path;
    if (volume.persistentVolumeClaim && pod) {
      try {
        return this.claimPath(pod, volume.persistentVolumeClaim.claimName).path;
      } catch (err) {
        throw new ContainerStartError('CreateContainerConfigError', errorText(err));
      }
    }
    const atomicDir = atomicVolumeDir(this.d.layout, uid, volume);
    if (atomicDir) return atomicDir;
    throw new ContainerStartError(
      'CreateContainerConfigError',
      `volume "${volume.name}": this volume type is not supported yet (emptyDir and hostPath are)`,
    );
  }
}
