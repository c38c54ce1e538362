/**
 * @module The operations a pod worker executes, each through the ports: create and stop a
 * sandbox (netns + CNI + catatonit infra), prepare/start/kill a container, remove everything of
 * a pod. This is the kubelet's kuberuntime manager and the CRI runtime's sandbox service in one,
 * as a facade over its parts: PodSandboxManager, PodVolumes, ContainerPreparer,
 * ContainerLifecycle and QosCgroupManager, which it wires from one set of deps.
 * Failures come back as ContainerStartError with the kubelet's waiting reason.
 */
import { Annotations } from '../core/annotations.js';
import type { Container, Pod, Volume } from '../core/types.js';
import type { Clock, ContainerLogs, ImageRecord, ImageService, OciRuntime, PodHost, PodNetwork, Snapshotter, PersistentVolumeSource } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { ContainerInstance } from '../core/runtime-view.js';
import type { ConfigSource, NodeAllocatable } from '../core/container-env.js';
import type { AtomicVolumeWriter } from '../core/volume-payload.js';
import type { PodCgroupWriter } from '../core/pod-resources.js';
import type { RuntimeState } from './runtime-state.js';
import type { ImagePullManager } from './image-pull-manager.js';
import type { ServiceAccountTokenManager } from './token-manager.js';
import type { ServiceLister } from '../core/ports.js';
import { PodVolumes } from './pod-volumes.js';
import { PodSandboxManager, type SandboxHandle } from './pod-sandbox-manager.js';
import { ContainerPreparer, type ContainerResourcesDeps, type PreparedContainer } from './container-preparer.js';
import { ContainerLifecycle } from './container-lifecycle.js';
import { QosCgroupManager } from './qos-cgroup-manager.js';

export interface PodRuntimeDeps {
  layout: Layout;
  runtime: OciRuntime;
  network: PodNetwork;
  snapshotter: Snapshotter;
  host: PodHost;
  images: ImageService;
  state: RuntimeState;
  clock: Clock;
  logger: Logger;
  infraRootfs: string;
  hostResolvConf: string;
  /** Pulls images per imagePullPolicy; without it only local images run. */
  imagePulls?: ImagePullManager;
  /** ConfigMaps and Secrets for env and volumes; without it every reference is "not found". */
  configs?: ConfigSource;
  /** Claims and volumes for persistentVolumeClaim volumes; without it such volumes wait (FailedMount). */
  claims?: PersistentVolumeSource;
  /** Writes configMap/secret/downwardAPI/projected volumes; without it they are refused. */
  volumeWriter?: AtomicVolumeWriter;
  /** What a missing limit reports to the downward API. */
  allocatable?: NodeAllocatable;
  /** status.hostIP for the downward API. */
  hostIP?: string;
  logs: ContainerLogs;
  /** kubelet clusterDNS/clusterDomain; without a cluster DNS ClusterFirst falls back to Default. */
  dns?: { clusterDNS?: string[]; clusterDomain?: string };
  /** Requests/limits to cgroups (§10); without it containers get only the request-less defaults. */
  resources?: PodResourcesDeps;
  /** Service account tokens for projected volumes; without it such volumes fail to set up. */
  tokens?: ServiceAccountTokenManager;
  /** The Services whose variables containers get; without it they get none. */
  services?: ServiceLister;
}

export interface PodResourcesDeps extends ContainerResourcesDeps {
  /** Writes the pod-level cgroup's limits before the sandbox starts. */
  podCgroups?: PodCgroupWriter;
}

export class PodRuntime {
  private readonly qos: QosCgroupManager;
  private readonly volumes: PodVolumes;
  private readonly sandboxes: PodSandboxManager;
  private readonly preparer: ContainerPreparer;
  private readonly containers: ContainerLifecycle;

  constructor(private readonly d: PodRuntimeDeps) {
    const { layout, runtime, network, snapshotter, host, images, state, clock, logger, logs } = d;
    const { infraRootfs, hostResolvConf, hostIP, dns, imagePulls, volumeWriter, resources } = d;
    const configs = d.configs ?? { getConfigMap: () => undefined, getSecret: () => undefined };
    const allocatable = d.allocatable ?? { cpuMillis: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
    const podCgroups = resources?.podCgroups;
    this.volumes = new PodVolumes({ layout, host, state, logger, configs, allocatable, ...(volumeWriter ? { volumeWriter } : {}), ...(d.claims ? { claims: d.claims } : {}), ...(d.tokens ? { tokens: d.tokens } : {}) });
    this.sandboxes = new PodSandboxManager({
      layout,
      runtime,
      network,
      host,
      state,
      clock,
      logger,
      volumes: this.volumes,
      infraRootfs,
      hostResolvConf,
      ...(hostIP !== undefined ? { hostIP } : {}),
      ...(dns ? { dns } : {}),
      ...(podCgroups ? { podCgroups } : {}),
      cgroupNamespace: resources?.cgroupV2 === true,
    });
    this.preparer = new ContainerPreparer({
      layout,
      runtime,
      snapshotter,
      host,
      images,
      state,
      logger,
      sandboxes: this.sandboxes,
      volumes: this.volumes,
      configs,
      allocatable,
      ...(hostIP !== undefined ? { hostIP } : {}),
      ...(imagePulls ? { imagePulls } : {}),
      ...(resources ? { resources } : {}),
      ...(d.services ? { services: d.services } : {}),
    });
    this.containers = new ContainerLifecycle({ layout, runtime, snapshotter, host, state, clock, logger, logs });
    this.qos = new QosCgroupManager(layout, podCgroups);
  }

  /**
   * Pod cgroup, namespaces, volumes and pod files now; CNI and the infra in the background.
   * Containers can be prepared as soon as this returns and start once the handle is `ready`.
   */
  beginSandbox(pod: Pod, warn?: (reason: string, message: string) => void): Promise<SandboxHandle> {
    return this.sandboxes.beginSandbox(pod, warn);
  }

  /** Kills the infra and tears the network down; keeps the infra's record (the attempt count). */
  stopSandbox(sandboxId: string): Promise<void> {
    return this.sandboxes.stopSandbox(sandboxId);
  }

  /** Rewrites configMap/secret/downwardAPI/projected volumes; returns the names that changed. */
  refreshConfigVolumes(pod: Pod, strict = false, only?: (v: Volume) => boolean): Promise<string[]> {
    return this.volumes.refreshConfigVolumes(pod, strict, only);
  }

  /** The image a container runs: pulled per its imagePullPolicy given the pod, else only a local one. */
  resolveImage(container: Container, pod?: Pod): Promise<ImageRecord> {
    return this.preparer.resolveImage(container, pod);
  }

  /** Everything up to `runc create`: image, rootfs, config, conmon. Undone on failure. */
  prepareContainer(pod: Pod, sandboxId: string, container: Container, type: 'init' | 'app', restartCount: number, signal?: AbortSignal): Promise<PreparedContainer> {
    return this.preparer.prepare(pod, sandboxId, container, type, restartCount, signal);
  }

  startContainer(prepared: PreparedContainer): Promise<void> {
    return this.containers.start(prepared);
  }

  /** Stop signal, then SIGKILL once `deadline()` (re-read) has passed, never before MIN_GRACE_SECONDS. */
  killContainer(instance: ContainerInstance, deadline: () => number, sharedPid: boolean): Promise<void> {
    return this.containers.kill(instance, deadline, sharedPid);
  }

  /** The termination-log tail of an exited instance, or its log's with FallbackToLogsOnError. */
  terminationMessage(pod: Pod, instance: ContainerInstance): Promise<string> {
    return this.containers.terminationMessage(pod, instance);
  }

  /** Removes one container instance: runtime state, conmon leftovers, rootfs. */
  removeContainer(id: string): Promise<void> {
    return this.containers.remove(id);
  }

  /**
   * What must be gone before the API object may go (the kubelet's PodResourcesAreReclaimed):
   * the pod's volumes (its dir, mounts first) and its cgroup. Idempotent.
   */
  async reclaimPodResources(podUid: string): Promise<void> {
    await Promise.all([this.d.host.removePodDir(podUid), this.d.host.removePodCgroup(podUid)]);
  }

  /** The records and rootfs of every container and sandbox of the pod (its container GC). */
  async removeContainers(podUid: string): Promise<void> {
    const records = this.d.state.podContainers(podUid);
    const sandboxes = records.filter((r) => r.annotations[Annotations.containerType] === 'sandbox');
    await Promise.all(records.filter((x) => !sandboxes.includes(x)).map((r) => this.removeContainer(r.id)));
    await Promise.all(sandboxes.map((s) => this.sandboxes.removeSandbox(s.id)));
  }

  /** Removes everything a pod made on the host. Idempotent. */
  async removePod(podUid: string): Promise<void> {
    await this.removeContainers(podUid);
    await this.reclaimPodResources(podUid);
  }

  /**
   * Removes the pod cgroups of pods nobody knows any more (`known`: the API's and the runtime's):
   * what a crash between making a pod's cgroup and its sandbox leaves, as the kubelet's
   * cleanupOrphanedPodCgroups. Returns the uids removed.
   */
  async removeOrphanPodCgroups(known: ReadonlySet<string>): Promise<string[]> {
    const orphans = ((await this.d.host.listPodCgroups?.()) ?? []).filter((uid) => !known.has(uid));
    for (const uid of orphans) await this.d.host.removePodCgroup(uid);
    return orphans;
  }

  /**
   * The QoS-level cgroups for the pods that hold node resources now (QOSContainerManager
   * UpdateCgroups). Writes only what changed since the last call.
   */
  updateQosCgroups(activePods: readonly Pod[]): Promise<void> {
    return this.qos.update(activePods);
  }
}

