/**
 * @module Where everything lives on disk, derived only from the daemon's flags, so that two
 * daemons with different --data-dir/--run-dir/--bridge never touch each other's files, netns,
 * chains or cgroups. Pure path arithmetic; nothing here touches the file system.
 */

export interface NodeConfig {
  /** State, images, logs, pod dirs. Default /var/lib/peapod. */
  dataDir: string;
  /** Runtime state: runc root, exit files, conmon sockets. Default /run/peapod. */
  runDir: string;
  /** Unix socket of the local API. Default <runDir>/peapod.sock. */
  socketPath: string;
  /** Pod CIDR for host-local IPAM. Default 10.90.0.0/16. */
  podCidr: string;
  /** Bridge device. Default peapod0. */
  bridge: string;
  /**
   * Short name of this daemon instance: prefixes netns names and names the cgroup root and the
   * CNI network. "peapod" for the default run dir, "peapod-<6 hex of the run dir>" otherwise.
   */
  instance: string;
  /** Node name (the host name). */
  nodeName: string;
  /**
   * cgroup path of the instance's root (`/<instance>` when absent). Not a flag: the daemon finds
   * it from what the host mounts (core/cgroup-mode.ts planCgroupRoot), e.g. the delegated
   * `/machine.slice/<instance>.scope` on a systemd cgroup v2 host.
   */
  cgroupRoot?: string;
}

/** A pod's QoS class (status.qosClass), which decides where its cgroup goes. */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';
export const POD_QOS_CLASSES: readonly PodQOSClass[] = ['Guaranteed', 'Burstable', 'BestEffort'];

export class Layout {
  constructor(readonly config: NodeConfig) {}

  get dataDir(): string {
    return this.config.dataDir;
  }
  get runDir(): string {
    return this.config.runDir;
  }

  // data dir ------------------------------------------------------------------------------
  get dbPath(): string {
    return `${this.dataDir}/state.db`;
  }
  get imagesDir(): string {
    return `${this.dataDir}/images`;
  }
  get containersDir(): string {
    return `${this.dataDir}/containers`;
  }
  containerDir(containerId: string): string {
    return `${this.containersDir}/${containerId}`;
  }
  get podsDir(): string {
    return `${this.dataDir}/pods`;
  }
  podDir(podUid: string): string {
    return `${this.podsDir}/${podUid}`;
  }
  emptyDirPath(podUid: string, volumeName: string): string {
    return `${this.podDir(podUid)}/volumes/kubernetes.io~empty-dir/${volumeName}`;
  }
  /**
   * The kubelet's naming (<container>/<restartCount>.log), kept inside the pod dir so that the
   * logs go with the pod when it is deleted, and nothing else has to be cleaned up.
   */
  containerLogPath(podUid: string, container: string, restartCount: number): string {
    return `${this.podLogDir(podUid)}/${container}/${restartCount}.log`;
  }
  /** The host file bind-mounted at a container instance's terminationMessagePath. */
  terminationLogPath(podUid: string, container: string, containerId: string): string {
    return `${this.podDir(podUid)}/containers/${container}/${containerId.slice(0, 16)}`;
  }
  podLogDir(podUid: string): string {
    return `${this.podDir(podUid)}/logs`;
  }
  /** The read-only rootfs holding only catatonit, shared by every infra container. */
  get infraRootfs(): string {
    return `${this.dataDir}/infra/rootfs`;
  }

  // run dir -------------------------------------------------------------------------------
  get runcRoot(): string {
    return `${this.runDir}/runc`;
  }
  get exitDir(): string {
    return `${this.runDir}/exits`;
  }
  get conmonSocketDir(): string {
    return `${this.runDir}/socket`;
  }
  get cniStateDir(): string {
    return `${this.runDir}/cni`;
  }
  /** Survives reboots on purpose? No: IPAM leases must go with the netns they were for. */
  get ipamDir(): string {
    return `${this.runDir}/cni/ipam`;
  }
  netnsName(sandboxId: string): string {
    return `${this.config.instance}-${sandboxId.slice(0, 12)}`;
  }
  /** Where a sandbox's IPC and UTS namespaces are pinned (`ipc`, `uts` inside). */
  pinnedNamespacesDir(sandboxId: string): string {
    return `${this.runDir}/ns/${sandboxId}`;
  }
  netnsPath(sandboxId: string): string {
    return `/run/netns/${this.netnsName(sandboxId)}`;
  }

  // cgroups ------------------------------------------------------------------------------
  /**
   * cgroupfs path (relative to each hierarchy) of the pod-level cgroup, where the kubelet puts it:
   * `kubepods/{burstable,besteffort}/pod<uid>`, Guaranteed pods directly under `kubepods` (the
   * instance's cgroup root plays `kubepods`). Without a class it is the Guaranteed path, which is also
   * where daemons before the QoS levels put every pod.
   */
  podCgroup(podUid: string, qos: PodQOSClass = 'Guaranteed'): string {
    return qos === 'Guaranteed' ? `${this.cgroupRoot}/pod${podUid}` : `${this.qosCgroup(qos)}/pod${podUid}`;
  }
  containerCgroup(podUid: string, containerId: string, qos: PodQOSClass = 'Guaranteed'): string {
    return `${this.podCgroup(podUid, qos)}/${containerId}`;
  }
  /** The QoS-level cgroup the kubelet's QOSContainerManager keeps for Burstable or BestEffort pods. */
  qosCgroup(qos: 'Burstable' | 'BestEffort'): string {
    return `${this.cgroupRoot}/${qos.toLowerCase()}`;
  }
  /** Every place a pod's cgroup can be (its class is not needed to remove it). */
  podCgroupCandidates(podUid: string): string[] {
    return POD_QOS_CLASSES.map((qos) => this.podCgroup(podUid, qos));
  }
  get cgroupRoot(): string {
    return this.config.cgroupRoot ?? `/${this.config.instance}`;
  }
  /** The same layout with the cgroup root the host gives this instance. */
  withCgroupRoot(cgroupRoot: string): Layout {
    return new Layout({ ...this.config, cgroupRoot });
  }
  /** The nftables table (family ip) holding this instance's Service rules. */
  get serviceRulesTable(): string {
    return this.config.instance;
  }
  /** CNI network name: also the tag in the plugins' iptables comments. */
  get cniNetworkName(): string {
    return this.config.instance;
  }
}
