/**
 * @module The pod sandbox lifecycle (the CRI runtime's sandbox service): make one (pod cgroup,
 * netns, pinned IPC/UTS namespaces, volumes, pod files, then CNI ADD ∥ catatonit infra), tell a
 * container being prepared where it goes and which namespaces it joins, stop and remove one.
 * A sandbox that fails is undone; a volume that cannot be set up is a VolumeMountError.
 */
import { Annotations } from '../core/annotations.js';
import type { Container, Pod } from '../core/types.js';
import type { Clock, OciRuntime, PinnedNamespaces, PodHost, PodNetwork } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import { buildSandboxSpec } from '../core/oci-spec.js';
import { formatResolvConf, podDnsConfig, podHostname, podHostsFile, podPortMappings, podUtsHostname, type PodDnsOptions } from '../core/pod-files.js';
import { podSysctls } from '../core/security-context.js';
import { podCgroupConfig, type PodCgroupWriter } from '../core/pod-resources.js';
import { qosClass } from '../core/qos.js';
import type { RuntimeState } from './runtime-state.js';
import type { PodVolumes } from './pod-volumes.js';
import { ContainerStartError } from './container-start-error.js';
import { withTimeout } from './with-timeout.js';
import { newId } from './new-id.js';
import { ResourceCleaner } from '../core/resource-cleaner.js';

export interface PodSandboxManagerDeps {
  layout: Layout;
  runtime: OciRuntime;
  network: PodNetwork;
  host: PodHost;
  state: RuntimeState;
  clock: Clock;
  logger: Logger;
  volumes: PodVolumes;
  infraRootfs: string;
  hostResolvConf: string;
  /** The node's IP: a hostNetwork pod's IP. */
  hostIP?: string;
  /** kubelet clusterDNS/clusterDomain; without a cluster DNS ClusterFirst falls back to Default. */
  dns?: { clusterDNS?: string[]; clusterDomain?: string };
  /** Writes the pod-level cgroup's limits before the sandbox starts. */
  podCgroups?: PodCgroupWriter;
  /** The infra container gets a cgroup namespace of its own (a cgroup v2 host, as containerd does). */
  cgroupNamespace?: boolean;
}

/** A sandbox begun by beginSandbox. */
export interface SandboxHandle {
  id: string;
  /** Resolves once the infra runs, the network is up and the pod files are final; rejects after undoing the sandbox. */
  ready: Promise<void>;
}

/** Where a container of a sandbox goes and which namespaces it joins. */
export interface SandboxPlacement {
  podCgroup: string;
  pinned?: PinnedNamespaces;
  infraPid?: number;
}

export class PodSandboxManager {
  constructor(private readonly d: PodSandboxManagerDeps) {}

  /** A sandbox being made (see beginSandbox) and what its containers need from it meanwhile. */
  private readonly starting = new Map<string, { podCgroup: string; pinned: PinnedNamespaces; infraPid: Promise<number>; ready: Promise<void> }>();

  /**
   * First the pod cgroup, then netns ∥ pinned IPC/UTS namespaces; then, side by side, CNI ADD,
   * the infra's create+start, and the volumes and pod files (the hosts file still without the pod
   * IP), which this waits for; then, in the background, the final hosts file once CNI and the infra
   * are done. Containers can be prepared (created) as soon as this returns, since they join the
   * pinned namespaces and not the infra's; they start only after `ready`. A failure anywhere
   * undoes what was made (one ResourceCleaner).
   */
  async beginSandbox(pod: Pod, warn?: (reason: string, message: string) => void): Promise<SandboxHandle> {
    const { layout, runtime, network, host, state } = this.d;
    const uid = pod.metadata!.uid!;
    const id = newId();
    const hostNetwork = pod.spec?.hostNetwork === true;
    const dnsOptions = await this.dnsOptions(pod);
    const hostname = podHostname(pod, dnsOptions);
    const utsHostname = podUtsHostname(pod, dnsOptions);
    const podCgroup = layout.podCgroup(uid, qosClass(pod));
    const annotations: Record<string, string> = {
      [Annotations.podUid]: uid,
      [Annotations.podName]: pod.metadata!.name!,
      [Annotations.podNamespace]: pod.metadata!.namespace!,
      [Annotations.containerType]: 'sandbox',
      [Annotations.containerName]: 'POD',
      [Annotations.sandboxId]: id,
      [Annotations.podCgroup]: podCgroup,
      // No CNI record to ask after a daemon restart: the sandbox carries its (the node's) IP.
      ...(hostNetwork ? { [Annotations.hostNetworkIP]: this.d.hostIP ?? '' } : {}),
    };
    const writeFiles = (ip: string | undefined) =>
      host.writePodFiles(uid, {
        hostname: hostNetwork ? hostname : utsHostname,
        hosts: podHostsFile(pod, ip, nodeHosts === undefined ? dnsOptions : { ...dnsOptions, nodeHosts }),
        resolvConf: formatResolvConf(dns),
      });
    const dns = podDnsConfig(pod, this.d.hostResolvConf, dnsOptions);
    let nodeHosts: string | undefined;
    // What each step made, undone newest first when a later one fails (CRI-O's ResourceCleaner).
    const cleaner = new ResourceCleaner();
    let networkUp: Promise<{ ip: string }> | undefined;
    const undo = async (err: unknown): Promise<never> => {
      const failures = await cleaner.cleanup();
      this.d.logger.warn('sandbox creation failed, undone', { pod: pod.metadata!.name, err: String(err), ...(failures.length ? { undoFailures: failures.join('; ') } : {}) });
      throw err;
    };
    // When each step ended, from the start (the debug log's breakdown of a slow sandbox).
    const t0 = this.d.clock.now();
    const took: Record<string, number> = {};
    const timed = <T>(step: string, p: Promise<T>): Promise<T> =>
      p.then((v) => {
        took[step] = this.d.clock.now() - t0;
        return v;
      });
    try {
      await timed('cgroupMs', Promise.resolve(this.d.podCgroups?.apply(podCgroup, podCgroupConfig(pod))));
      const [netnsPath, pinned] = await timed('namespacesMs', allSettledOrThrow([
        hostNetwork
          ? undefined
          : network.createNetns(id).then((path) => {
              // The network's teardown takes the netns and whatever CNI ADD added, once it ended.
              cleaner.add('pod network', async () => {
                await Promise.allSettled([networkUp]);
                await network.tearDown(id);
              });
              return path;
            }),
        host.pinNamespaces(id, { ipc: pod.spec?.hostIPC !== true, ...(hostNetwork ? {} : { hostname: utsHostname }) }).then((p) => {
          cleaner.add('pinned namespaces', () => host.unpinNamespaces(id));
          return p;
        }),
      ] as const));
      annotations[Annotations.pinnedNamespaces] = Object.keys(pinned).join(',');
      const spec = buildSandboxSpec({
        rootfs: this.d.infraRootfs,
        ...(netnsPath ? { netnsPath } : {}),
        hostname: utsHostname,
        pinned,
        ...hostNamespaces(pod),
        sysctl: podSysctls(pod),
        cgroupsPath: `${podCgroup}/${id}`,
        cgroupNamespace: this.d.cgroupNamespace === true,
        annotations,
      });
      // CNI ADD needs only the netns: it runs alongside the infra and the volumes. On the host
      // network there is no CNI: the pod's IP is the node's, its ports the node's.
      networkUp = timed(
        'networkMs',
        hostNetwork
          ? Promise.resolve({ ip: this.d.hostIP ?? '' })
          : network.setUp({ sandboxId: id, podUid: uid, podName: pod.metadata!.name!, namespace: pod.metadata!.namespace!, portMappings: podPortMappings(pod) }),
      );
      // Settled by `ready` (or undo): no rejection goes unhandled meanwhile.
      networkUp.catch(() => {});
      const infraCreated = timed(
        'infraCreatedMs',
        runtime.create({ id, spec, logPath: `${layout.containerDir(id)}/infra.log`, logSizeMax: 1024 * 1024 }).then(({ pid }) => {
          state.recordCreated(id, annotations, pid);
          return pid;
        }),
      );
      const infraStarted = timed(
        'infraStartedMs',
        infraCreated.then(async () => {
          await runtime.start(id);
          state.recordStarted(id);
        }),
      );
      // Settled by `ready` (or undo): no rejection goes unhandled meanwhile.
      infraStarted.catch(() => {});
      cleaner.add('infra container', async () => {
        await Promise.allSettled([infraStarted]);
        await runtime.remove(id);
        state.forget(id);
      });
      for (const w of dns.warnings) warn?.(w.reason, w.message);
      if (hostNetwork) nodeHosts = (await host.readFileIn?.('/', '/etc/hosts')) ?? '';
      await timed('volumesMs', Promise.all([this.d.volumes.setUp(pod), writeFiles(hostNetwork ? this.d.hostIP : undefined)]));
      const networked = networkUp;
      const ready = (async () => {
        const [net] = await Promise.all([networked, infraStarted]);
        if (!hostNetwork) await writeFiles(net.ip || undefined);
        state.setSandboxIP(id, net.ip);
        this.d.logger.debug('sandbox ready', { pod: pod.metadata!.name, ms: this.d.clock.now() - t0, ...took });
      })()
        .catch(undo)
        .finally(() => this.starting.delete(id));
      this.starting.set(id, { podCgroup, pinned, infraPid: infraCreated, ready });
      return { id, ready };
    } catch (err) {
      return undo(err);
    }
  }

  /**
   * Where a container of this sandbox goes and which namespaces it joins: from beginSandbox while
   * the sandbox is being made, else from the running infra's record. The infra's pid is needed
   * only to share its PID namespace, or for a sandbox without pinned namespaces; a container
   * whose env names the pod IP waits until the sandbox is ready.
   */
  async placement(pod: Pod, sandboxId: string, container: Container): Promise<SandboxPlacement> {
    const starting = this.starting.get(sandboxId);
    if (starting) {
      if (referencesPodIP(container)) await starting.ready;
      const infraPid = pod.spec?.shareProcessNamespace === true ? await starting.infraPid : undefined;
      return { podCgroup: starting.podCgroup, pinned: starting.pinned, ...(infraPid !== undefined ? { infraPid } : {}) };
    }
    const infra = this.d.state.get(sandboxId);
    if (!infra?.pid || infra.status !== 'running') {
      throw new ContainerStartError('CreateContainerError', `the pod sandbox is not running (runtime says: ${infra?.status ?? 'no such container'})`);
    }
    const pinnedTypes = infra.annotations[Annotations.pinnedNamespaces];
    const dir = this.d.layout.pinnedNamespacesDir(sandboxId);
    const pinned = pinnedTypes === undefined ? undefined : Object.fromEntries(pinnedTypes.split(',').filter(Boolean).map((t) => [t, `${dir}/${t}`]));
    return {
      podCgroup: infra.annotations[Annotations.podCgroup] ?? this.d.layout.podCgroup(pod.metadata!.uid!),
      ...(pinned ? { pinned } : {}),
      infraPid: infra.pid,
    };
  }

  /**
   * Kills the infra, tears the network down and unpins the namespaces, side by side (the netns
   * is pinned, so CNI DEL needs no infra); keeps the infra's record (the attempt count).
   */
  async stopSandbox(sandboxId: string): Promise<void> {
    const { runtime, state, network, host, clock } = this.d;
    const info = state.get(sandboxId);
    const infraStopped = async (): Promise<void> => {
      if (!info || (info.status !== 'running' && info.status !== 'created')) return;
      // The infra is its PID namespace's init (or a lone catatonit on the host's): killing it is
      // enough, without --all's freeze-signal-thaw of the whole cgroup.
      await runtime.kill(sandboxId, 'SIGKILL', false).catch(() => {});
      if (!(await withTimeout(clock, state.waitForExit(sandboxId), 5000))) await state.refresh(sandboxId);
    };
    // Containers still in them keep the namespaces alive; new ones would join a new sandbox's.
    await Promise.all([infraStopped(), network.tearDown(sandboxId), host.unpinNamespaces(sandboxId)]);
  }

  /** Everything of a sandbox goes, failures only logged (undo, pod removal). */
  async removeSandbox(sandboxId: string): Promise<void> {
    await this.d.runtime.remove(sandboxId).catch((e: unknown) => this.d.logger.warn('remove infra', { err: String(e) }));
    await this.d.network.tearDown(sandboxId).catch((e: unknown) => this.d.logger.warn('network teardown', { err: String(e) }));
    await this.d.host.unpinNamespaces(sandboxId).catch((e: unknown) => this.d.logger.warn('unpin namespaces', { err: String(e) }));
    this.d.state.forget(sandboxId);
  }

  /** The node's hostname matters only to hostNetwork pods: read it then, fresh. */
  async dnsOptions(pod: Pod): Promise<PodDnsOptions> {
    const opts: PodDnsOptions = { ...this.d.dns };
    if (pod.spec?.hostNetwork) {
      const name = (await this.d.host.readFileIn?.('/', '/proc/sys/kernel/hostname'))?.trim();
      if (name) opts.nodeHostname = name;
    }
    return opts;
  }
}

/** The host namespaces a pod asks for: its infra's and its containers' alike. */
export function hostNamespaces(pod: Pod): { hostNetwork: boolean; hostPID: boolean; hostIPC: boolean } {
  return { hostNetwork: pod.spec?.hostNetwork === true, hostPID: pod.spec?.hostPID === true, hostIPC: pod.spec?.hostIPC === true };
}

/** The container's env names the pod's IP (downward API): it can only be built once the sandbox has one. */
function referencesPodIP(container: Container): boolean {
  return (container.env ?? []).some((e) => /^status\.podIPs?$/.test(e.valueFrom?.fieldRef?.fieldPath ?? ''));
}

/** Promise.all that waits for every step to settle before rejecting, so each one's undo is registered. */
async function allSettledOrThrow<T extends readonly unknown[]>(steps: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
