/**
 * @module The operations a pod worker executes, each through the ports: create and stop a
 * sandbox (netns + CNI + catatonit infra), prepare/start/kill a container, remove everything of
 * a pod. This is the kubelet's kuberuntime manager and the CRI runtime's sandbox service in one.
 * Failures come back as ContainerStartError with the kubelet's waiting reason.
 */
import { Annotations } from '../core/annotations.js';
import type { Container, Pod, Volume } from '../core/types.js';
import type { Clock, ContainerLogs, ImageRecord, ImageService, OciRuntime, PodHost, PodNetwork, Snapshotter } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import { buildContainerSpec, capabilitySet } from '../core/oci-spec.js';
import { resolveProcess, type EnvEntry } from '../core/container-process.js';
import { podUtsHostname } from '../core/pod-files.js';
import { boundingCapabilities, resolveContainerSecurity, type ResolvedSecurity } from '../core/security-context.js';
import { defaultSeccompProfile } from '../core/seccomp-default.js';
import { containerHash, type ContainerInstance } from '../core/runtime-view.js';
import { normalizeImageReference } from '../core/image-reference.js';
import type { RuntimeState } from './runtime-state.js';
import type { ImagePullManager } from './image-pull-manager.js';
import { ContainerConfigError, resolveContainerEnv, type ConfigSource, type NodeAllocatable } from '../core/container-env.js';
import type { AtomicVolumeWriter } from '../core/volume-payload.js';
import { containerLinuxResources, containerOomScoreAdj, restrictOomScoreAdj, type PodCgroupWriter } from '../core/pod-resources.js';
import { PodVolumes } from './pod-volumes.js';
import { PodSandboxManager, hostNamespaces, type SandboxHandle } from './pod-sandbox-manager.js';
import { QosCgroupManager } from './qos-cgroup-manager.js';
import { ContainerStartError, errorText } from './container-start-error.js';
import { withTimeout } from './with-timeout.js';
import { newId } from './new-id.js';

/** The kubelet never stops a container with less than this after the stop signal. */
export const MIN_GRACE_SECONDS = 2;

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
}

export interface PodResourcesDeps {
  /** The node's memory capacity: the Burstable oom_score_adj is relative to it. */
  memoryCapacityBytes: number;
  /** memsw/swap accounting exists: containers then get swap = limit (no swap). */
  swapAccounting: boolean;
  /** Writes the pod-level cgroup's limits before the sandbox starts. */
  podCgroups?: PodCgroupWriter;
  /** Without CAP_SYS_RESOURCE: the daemon's own oom_score_adj, below which runc cannot go. */
  oomScoreAdjFloor?: number;
}

/** The kubelet's limits on termination messages (pkg/kubelet/container/runtime.go). */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;
export const FALLBACK_LOG_LINES = 80;
export const FALLBACK_LOG_MAX_BYTES = 2048;

export interface PreparedContainer {
  id: string;
  name: string;
  /** The image was pulled for it (Pulling/Pulled already recorded). */
  pulled?: boolean;
}

export class PodRuntime {
  private readonly qos: QosCgroupManager;
  private readonly volumes: PodVolumes;
  private readonly sandboxes: PodSandboxManager;
  private readonly configs: ConfigSource;
  private readonly allocatable: NodeAllocatable;

  constructor(private readonly d: PodRuntimeDeps) {
    this.configs = d.configs ?? { getConfigMap: () => undefined, getSecret: () => undefined };
    this.allocatable = d.allocatable ?? { cpuMillis: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
    const { layout, host, state, logger, volumeWriter } = d;
    this.volumes = new PodVolumes({ layout, host, state, logger, configs: this.configs, allocatable: this.allocatable, ...(volumeWriter ? { volumeWriter } : {}) });
    const { runtime, network, clock, infraRootfs, hostResolvConf, hostIP, dns } = d;
    const podCgroups = d.resources?.podCgroups;
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
    });
    this.qos = new QosCgroupManager(d.layout, d.resources?.podCgroups);
  }

  /** beginSandbox, then its `ready`. Returns the sandbox id. */
  createSandbox(pod: Pod, warn?: (reason: string, message: string) => void): Promise<string> {
    return this.sandboxes.createSandbox(pod, warn);
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

  /**
   * Writes the pod's configMap/secret/downwardAPI/projected volumes from the current objects.
   * `strict` (set-up): a failure throws; otherwise (updates) it keeps the old content. `only`
   * limits it to some volumes. Returns the names of the volumes whose content changed.
   */
  refreshConfigVolumes(pod: Pod, strict = false, only?: (v: Volume) => boolean): Promise<string[]> {
    return this.volumes.refreshConfigVolumes(pod, strict, only);
  }

  /** The container's variables in kubelet order; a missing reference is CreateContainerConfigError. */
  private containerEnv(pod: Pod, sandboxId: string, container: Container): EnvEntry[] {
    const ip = this.d.state.view(pod.metadata!.uid!).sandboxes.find((s) => s.id === sandboxId)?.ip;
    try {
      const { entries, invalidKeys } = resolveContainerEnv(container, {
        pod,
        configs: this.configs,
        allocatable: this.allocatable,
        podIPs: ip ? [ip] : [],
        hostIPs: this.d.hostIP ? [this.d.hostIP] : [],
      });
      if (invalidKeys.length > 0) {
        this.d.logger.info('InvalidEnvironmentVariableNames', { pod: pod.metadata!.name, container: container.name, keys: invalidKeys.join(',') });
      }
      return entries;
    } catch (err) {
      if (err instanceof ContainerConfigError) throw new ContainerStartError(err.reason, err.message);
      throw err;
    }
  }

  async resolveImage(container: Container, pod?: Pod): Promise<ImageRecord> {
    if (pod && this.d.imagePulls) return (await this.ensureImage(pod, container)).image;
    const ref = container.image ?? '';
    let normalized: string;
    try {
      normalized = normalizeImageReference(ref);
    } catch (err) {
      throw new ContainerStartError('InvalidImageName', `Failed to apply default image tag "${ref}": ${(err as Error).message}`);
    }
    const image = await this.d.images.resolve(normalized);
    if (image) return image;
    const local = normalized.startsWith('localhost/');
    if (container.imagePullPolicy === 'Never' || local) {
      throw new ContainerStartError('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
    }
    throw new ContainerStartError(
      'ErrImagePull',
      `failed to pull image "${ref}": image not present locally and pulling from registries is not available in this peapod version; load it with 'peapod image load' or 'peapod image import'`,
    );
  }

  private ensureImage(pod: Pod, container: Container): Promise<{ image: ImageRecord; pulled: boolean }> {
    return this.d.imagePulls!.ensureImage(pod, container);
  }

  /** Everything up to `runc create`: image, rootfs, config, conmon. Undone on failure. */
  async prepareContainer(
    pod: Pod,
    sandboxId: string,
    container: Container,
    type: 'init' | 'app',
    restartCount: number,
  ): Promise<PreparedContainer> {
    const { layout, runtime, snapshotter, state } = this.d;
    const uid = pod.metadata!.uid!;
    const { image, pulled } = this.d.imagePulls ? await this.ensureImage(pod, container) : { image: await this.resolveImage(container), pulled: false };
    const sandbox = await this.sandboxes.placement(pod, sandboxId, container);
    const env = this.containerEnv(pod, sandboxId, container);
    const id = newId();
    try {
      const rootfs = await snapshotter.prepare(id, [...image.layerDirs].reverse());
      const mounts = await this.volumes.containerMounts(pod, container, id);
      const proc = resolveProcess(container, image.config, env, { hostname: podUtsHostname(pod, await this.sandboxes.dnsOptions(pod)) });
      if (proc.args.length === 0) {
        throw new ContainerStartError('CreateContainerError', 'no command specified');
      }
      const security = await this.containerSecurity(pod, container, image.config.User ?? '', rootfs);
      const imageName = normalizeImageReference(container.image ?? '');
      const spec = buildContainerSpec({
        rootfs,
        args: proc.args,
        env: proc.env,
        cwd: proc.cwd,
        terminal: container.tty === true,
        ...securitySpec(security),
        ...hostNamespaces(pod),
        ...(sandbox.infraPid !== undefined ? { infraPid: sandbox.infraPid } : {}),
        ...(sandbox.pinned ? { pinned: sandbox.pinned } : {}),
        ...(pod.spec!.hostNetwork ? {} : { netnsPath: layout.netnsPath(sandboxId) }),
        sharePid: pod.spec!.shareProcessNamespace === true,
        mounts,
        cgroupsPath: `${sandbox.podCgroup}/${id}`,
        resources: containerLinuxResources(container, { swapAccounting: this.d.resources?.swapAccounting ?? false }),
        ...(this.d.resources
          ? { oomScoreAdj: restrictOomScoreAdj(containerOomScoreAdj(pod, container, this.d.resources.memoryCapacityBytes), this.d.resources.oomScoreAdjFloor) }
          : {}),
        annotations: {
          [Annotations.podUid]: uid,
          [Annotations.podName]: pod.metadata!.name!,
          [Annotations.podNamespace]: pod.metadata!.namespace!,
          [Annotations.containerName]: container.name,
          [Annotations.containerType]: type,
          [Annotations.sandboxId]: sandboxId,
          [Annotations.restartCount]: String(restartCount),
          [Annotations.containerHash]: containerHash(container),
          [Annotations.image]: imageName,
          [Annotations.imageId]: image.repoDigests[0] ?? `${imageName.replace(/:[^:/]+$/, '')}@${image.id}`,
          [Annotations.imageConfigId]: image.id,
          [Annotations.stopSignal]: image.config.StopSignal ?? 'SIGTERM',
        },
      });
      // No conmon size limit: it would truncate and lose lines; ContainerLogManager rotates instead.
      const { pid } = await runtime.create({
        id,
        spec,
        logPath: layout.containerLogPath(uid, container.name, restartCount),
        stdin: container.stdin === true,
        stdinOnce: container.stdinOnce === true,
      });
      state.recordCreated(id, spec.annotations ?? {}, pid);
      return pulled ? { id, name: container.name, pulled } : { id, name: container.name };
    } catch (err) {
      await runtime.remove(id).catch(() => {});
      await snapshotter.remove(id).catch(() => {});
      state.forget(id);
      if (err instanceof ContainerStartError) throw err;
      throw new ContainerStartError('CreateContainerError', errorText(err));
    }
  }

  async startContainer(prepared: PreparedContainer): Promise<void> {
    try {
      await this.d.runtime.start(prepared.id);
      this.d.state.recordStarted(prepared.id);
    } catch (err) {
      await this.d.state.refresh(prepared.id);
      throw new ContainerStartError('RunContainerError', errorText(err));
    }
  }

  /**
   * Stop signal, then SIGKILL once `deadline()` (epoch ms, re-read so that a second delete can
   * shorten it) has passed, but never less than 2 s after the stop signal.
   */
  async killContainer(instance: ContainerInstance, deadline: () => number, sharedPid: boolean): Promise<void> {
    const { runtime, state, clock } = this.d;
    const info = state.get(instance.id);
    if (!info || (info.status !== 'running' && info.status !== 'created')) return;
    const signal = info.annotations[Annotations.stopSignal] || 'SIGTERM';
    if (info.status === 'running') {
      const floor = clock.now() + MIN_GRACE_SECONDS * 1000;
      await runtime.kill(instance.id, signal, sharedPid).catch(() => {});
      const exited = state.waitForExit(instance.id);
      for (;;) {
        const left = Math.max(deadline(), floor) - clock.now();
        if (left <= 0) break;
        if (await withTimeout(clock, exited, Math.min(left, 250))) return;
      }
    }
    await runtime.kill(instance.id, 'SIGKILL', true).catch(() => {});
    if (!(await withTimeout(clock, state.waitForExit(instance.id), 5000))) await state.refresh(instance.id);
  }

  /**
   * The message of an exited instance: the tail of its termination-log file, or with
   * FallbackToLogsOnError and a non-zero exit, the tail of its log.
   */
  async terminationMessage(pod: Pod, instance: ContainerInstance): Promise<string> {
    const { layout, host, logs } = this.d;
    const uid = pod.metadata!.uid!;
    const container = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers].find((c) => c.name === instance.name);
    const fromFile = await host.readTail(layout.terminationLogPath(uid, instance.name, instance.id), TERMINATION_MESSAGE_MAX_BYTES);
    if (fromFile || container?.terminationMessagePolicy !== 'FallbackToLogsOnError' || instance.exitCode === 0) return fromFile;
    let text = '';
    try {
      for await (const line of logs.read(layout.containerLogPath(uid, instance.name, instance.restartCount), { tailLines: FALLBACK_LOG_LINES })) text += line;
    } catch {
      return '';
    }
    const bytes = Buffer.from(text, 'utf8');
    return bytes.length > FALLBACK_LOG_MAX_BYTES ? bytes.subarray(bytes.length - FALLBACK_LOG_MAX_BYTES).toString('utf8') : text;
  }

  /** Removes one container instance: runtime state, conmon leftovers, rootfs. */
  async removeContainer(id: string): Promise<void> {
    await this.d.runtime.remove(id).catch((e: unknown) => this.d.logger.warn('remove container', { id, err: String(e) }));
    await this.d.snapshotter.remove(id).catch((e: unknown) => this.d.logger.warn('remove snapshot', { id, err: String(e) }));
    this.d.state.forget(id);
  }

  /** Removes everything a pod made on the host. Idempotent. */
  async removePod(podUid: string): Promise<void> {
    const records = this.d.state.podContainers(podUid);
    const sandboxes = records.filter((r) => r.annotations[Annotations.containerType] === 'sandbox');
    for (const r of records.filter((x) => !sandboxes.includes(x))) await this.removeContainer(r.id);
    for (const s of sandboxes) await this.sandboxes.removeSandbox(s.id);
    await this.d.host.removePodDir(podUid);
    await this.d.host.removePodCgroup(podUid);
  }

  /**
   * The QoS-level cgroups for the pods that hold node resources now (QOSContainerManager
   * UpdateCgroups). Writes only what changed since the last call.
   */
  updateQosCgroups(activePods: readonly Pod[]): Promise<void> {
    return this.qos.update(activePods);
  }

  /** §11 from the spec and the image's USER, /etc/passwd and /etc/group. */
  private async containerSecurity(pod: Pod, container: Container, imageUser: string, rootfs: string): Promise<ResolvedSecurity> {
    const read = (path: string) => this.d.host.readFileIn?.(rootfs, path) ?? Promise.resolve(undefined);
    const [passwd, group, self] = await Promise.all([read('/etc/passwd'), read('/etc/group'), this.d.host.readFileIn?.('/', '/proc/self/status')]);
    const available = self === undefined ? undefined : boundingCapabilities(self);
    try {
      const files = { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
      const resolved = resolveContainerSecurity(pod, container, imageUser, files, available);
      return available ? { ...resolved, availableCapabilities: available } : resolved;
    } catch (err) {
      if (err instanceof ContainerConfigError) throw new ContainerStartError(err.reason, err.message);
      throw err;
    }
  }

}

/** The OCI spec inputs of a resolved security context. */
function securitySpec(s: ResolvedSecurity) {
  const capabilities = s.capabilities ?? {};
  const available = s.availableCapabilities ? { availableCapabilities: s.availableCapabilities } : {};
  return {
    ...available,
    uid: s.uid,
    gid: s.gid,
    additionalGids: s.additionalGids,
    privileged: s.privileged,
    capabilities,
    noNewPrivileges: s.noNewPrivileges,
    readOnlyRootfs: s.readOnlyRootfs,
    unmaskedProc: s.unmaskedProc,
    ...(s.seccomp === 'RuntimeDefault' ? { seccomp: defaultSeccompProfile(capabilitySet({ privileged: s.privileged, capabilities, ...available }), process.arch === 'arm64' ? 'arm64' : 'x64') } : {}),
  };
}

