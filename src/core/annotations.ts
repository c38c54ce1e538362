/**
 * @module The labels peapod writes into each container's OCI annotations. The runtime is the
 * source of truth for what runs (as for the kubelet, which reads CRI labels back): after a daemon
 * restart the agent rebuilds its view of every pod from these.
 */
export const Annotations = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  /** "sandbox" for the infra container, "init" or "app" otherwise. */
  containerType: 'io.peapod.container.type',
  sandboxId: 'io.kubernetes.cri.sandbox-id',
  /**
   * On a sandbox: the pod cgroup its containers go under. Containers follow the sandbox, so a
   * sandbox made by an older daemon (no annotation: `/<instance>/pod<uid>`) keeps its pod together.
   */
  podCgroup: 'io.peapod.sandbox.pod-cgroup',
  /**
   * On a sandbox: which of its namespaces are pinned ("ipc,uts", under
   * layout.pinnedNamespacesDir). Absent on sandboxes made before pinning: their containers join
   * the infra's namespaces through /proc.
   */
  pinnedNamespaces: 'io.peapod.sandbox.pinned-namespaces',
  /** On a hostNetwork sandbox: the pod IP (the node's), since no CNI state records it. */
  hostNetworkIP: 'io.peapod.sandbox.host-network-ip',
  restartCount: 'io.kubernetes.container.restartCount',
  /** Hash of the container's spec, to tell whether a stored container matches the spec. */
  containerHash: 'io.kubernetes.container.hash',
  image: 'io.peapod.image.name',
  imageId: 'io.peapod.image.id',
  /** The image's own id (its config digest), what `image rm` and image GC compare with. */
  imageConfigId: 'io.peapod.image.config-id',
  /** The image's STOPSIGNAL, used when the container is stopped. */
  stopSignal: 'io.peapod.container.stop-signal',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
} as const;

export type ContainerType = 'sandbox' | 'init' | 'app';
