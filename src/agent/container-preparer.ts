/**
 * @module Everything of a container up to `runc create`: its image (pulled per imagePullPolicy or
 * found locally), rootfs snapshot, mounts, environment, security context, OCI config and conmon.
 * Runs while the sandbox is still being made: the placement comes from PodSandboxManager. A
 * failure undoes what it made and comes back as ContainerStartError with the kubelet's reason.
 */
import { Annotations } from '../core/annotations.js';
import type { Container, Pod } from '../core/types.js';
import type { ImageRecord, ImageService, OciRuntime, PodHost, Snapshotter } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import { buildContainerSpec, capabilitySet } from '../core/oci-spec.js';
import { resolveProcess, type EnvEntry } from '../core/container-process.js';
import { serviceEnvironment } from '../core/service-env.js';
import type { ServiceLister } from '../core/ports.js';
import { podUtsHostname } from '../core/pod-files.js';
import { boundingCapabilities, resolveContainerSecurity, type ResolvedSecurity } from '../core/security-context.js';
import { defaultSeccompProfile } from '../core/seccomp-default.js';
import { containerHash } from '../core/runtime-view.js';
import { normalizeImageReference } from '../core/image-reference.js';
import { ContainerConfigError, resolveContainerEnv, type ConfigSource, type NodeAllocatable } from '../core/container-env.js';
import { containerLinuxResources, containerOomScoreAdj, restrictOomScoreAdj } from '../core/pod-resources.js';
import type { RuntimeState } from './runtime-state.js';
import type { ImagePullManager } from './image-pull-manager.js';
import type { PodVolumes } from './pod-volumes.js';
import { hostNamespaces, type PodSandboxManager } from './pod-sandbox-manager.js';
import { ContainerStartError, errorText } from './container-start-error.js';
import { newId } from './new-id.js';
import { ResourceCleaner } from '../core/resource-cleaner.js';

/** What requests/limits become in a container's config (§10). */
export interface ContainerResourcesDeps {
  /** The node's memory capacity: the Burstable oom_score_adj is relative to it. */
  memoryCapacityBytes: number;
  /** memsw/swap accounting exists: containers then get swap = limit (no swap). */
  swapAccounting: boolean;
  /** Without CAP_SYS_RESOURCE: the daemon's own oom_score_adj, below which runc cannot go. */
  oomScoreAdjFloor?: number;
  /** The host is cgroup v2: memory.oom.group for every container, and a cgroup namespace of its own for unprivileged ones. */
  cgroupV2?: boolean;
}

export interface ContainerPreparerDeps {
  layout: Layout;
  runtime: OciRuntime;
  snapshotter: Snapshotter;
  host: PodHost;
  images: ImageService;
  state: RuntimeState;
  logger: Logger;
  sandboxes: PodSandboxManager;
  volumes: PodVolumes;
  configs: ConfigSource;
  allocatable: NodeAllocatable;
  /** status.hostIP for the downward API. */
  hostIP?: string;
  /** Pulls images per imagePullPolicy; without it only local images run. */
  imagePulls?: ImagePullManager;
  /** Without it containers get only the request-less defaults. */
  resources?: ContainerResourcesDeps;
  /** The Services whose variables containers get (KUBERNETES_SERVICE_HOST, service links). */
  services?: ServiceLister;
}

export interface PreparedContainer {
  id: string;
  name: string;
  /** The image was pulled for it (Pulling/Pulled already recorded). */
  pulled?: boolean;
}

export class ContainerPreparer {
  constructor(private readonly d: ContainerPreparerDeps) {}

  /** The image a container runs: pulled per its imagePullPolicy given the pod, else only a local one. */
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
  async prepare(
    pod: Pod,
    sandboxId: string,
    container: Container,
    type: 'init' | 'app',
    restartCount: number,
    signal?: AbortSignal,
  ): Promise<PreparedContainer> {
    const { layout, runtime, snapshotter, state } = this.d;
    const uid = pod.metadata!.uid!;
    const { image, pulled } = this.d.imagePulls ? await this.ensureImage(pod, container) : { image: await this.resolveImage(container), pulled: false };
    const sandbox = await this.d.sandboxes.placement(pod, sandboxId, container);
    // A pull can take minutes: a pass cancelled meanwhile (the pod was deleted) creates nothing.
    if (signal?.aborted) throw new ContainerStartError('CreateContainerError', 'the pod is being deleted');
    const env = this.containerEnv(pod, sandboxId, container);
    const id = newId();
    const cleaner = new ResourceCleaner();
    try {
      cleaner.add('rootfs', () => snapshotter.remove(id));
      const rootfs = await snapshotter.prepare(id, [...image.layerDirs].reverse());
      const mounts = await this.d.volumes.containerMounts(pod, container, id);
      const serviceEnv = this.d.services ? serviceEnvironment(pod, this.d.services.listServices()) : [];
      const proc = resolveProcess(container, image.config, env, { hostname: podUtsHostname(pod, await this.d.sandboxes.dnsOptions(pod)), serviceEnv });
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
        resources: containerLinuxResources(container, { swapAccounting: this.d.resources?.swapAccounting ?? false, cgroupV2: this.d.resources?.cgroupV2 === true }),
        cgroupNamespace: this.d.resources?.cgroupV2 === true && !security.privileged,
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
      cleaner.add('container', async () => {
        await runtime.remove(id);
        state.forget(id);
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
      const failures = await cleaner.cleanup();
      if (failures.length > 0) this.d.logger.warn('undoing a failed container create', { container: container.name, failures: failures.join('; ') });
      if (err instanceof ContainerStartError) throw err;
      throw new ContainerStartError('CreateContainerError', errorText(err));
    }
  }

  /** The container's variables in kubelet order; a missing reference is CreateContainerConfigError. */
  private containerEnv(pod: Pod, sandboxId: string, container: Container): EnvEntry[] {
    const ip = this.d.state.view(pod.metadata!.uid!).sandboxes.find((s) => s.id === sandboxId)?.ip;
    try {
      const { entries, invalidKeys } = resolveContainerEnv(container, {
        pod,
        configs: this.d.configs,
        allocatable: this.d.allocatable,
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

