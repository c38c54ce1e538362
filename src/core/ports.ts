/**
 * @module The ports: every side effect the pure logic (core/, agent/, images/, api/) needs goes
 * through one of these small interfaces. Real implementations live in adapters/ and store/;
 * fakes (`Fake<Port>`) live in testing/. Names are for the role, not the mechanism.
 */
import type { Event, KubeObject, ListMeta, Pod } from './types.js';
import type { ConfigSource } from './container-env.js';
import type { ManifestFile } from './static-pods.js';

// ---------------------------------------------------------------------------------------------
// Clock

export interface Clock {
  now(): number; // epoch milliseconds
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export interface TimerHandle {
  readonly id: number | object;
}

// ---------------------------------------------------------------------------------------------
// Object store (store/sqlite-store.ts). Synchronous: SQLite calls are fast and in-process.

/** Resource names as in API paths: "pods", "namespaces", "events", "configmaps", ... */
export type ResourceName = string;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  metadata: ListMeta;
}

export interface ObjectStore {
  /** Assigns uid, resourceVersion, creationTimestamp; throws AlreadyExistsError. */
  create<T extends KubeObject>(resource: ResourceName, obj: T): T;
  /** Throws NotFoundError. `namespace` is '' for cluster-scoped resources. */
  get<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T;
  tryGet<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T | undefined;
  /** `namespace` undefined lists across all namespaces. */
  list<T extends KubeObject>(resource: ResourceName, namespace: string | undefined, opts?: ListOptions): ObjectList<T>;
  /**
   * Replaces the object. When `obj.metadata.resourceVersion` is set it must match the stored one
   * (else ConflictError). Returns the stored object with its new resourceVersion; an update that
   * changes nothing returns the stored object unchanged and writes nothing.
   */
  update<T extends KubeObject>(resource: ResourceName, obj: T): T;
  /** Removes the object now; returns it as last stored (with a new resourceVersion). */
  delete<T extends KubeObject>(resource: ResourceName, namespace: string, name: string): T;
  /**
   * Delivers every change after `resourceVersion` (history kept in the store), then live ones.
   * Throws GoneError when that version is older than the kept history. Returns a stop function.
   */
  watch(
    resource: ResourceName,
    namespace: string | undefined,
    resourceVersion: string | undefined,
    onEvent: (event: WatchEvent) => void,
    opts?: ListOptions,
  ): () => void;
  /** The newest resourceVersion written (as a decimal string). */
  currentResourceVersion(): string;
  close(): void;
}

// ---------------------------------------------------------------------------------------------
// OCI runtime: conmon + runc (or crun). adapters/runc implements it.

/** The OCI runtime-spec config.json object (only the parts we set are typed loosely). */
export type OciSpec = Record<string, unknown> & {
  ociVersion: string;
  process: Record<string, unknown>;
  root: { path: string; readonly?: boolean };
  annotations?: Record<string, string>;
};

export interface ContainerCreateRequest {
  id: string; // 64 hex
  /** Written to config.json as is; `annotations` carry our labels (see core/annotations.ts). */
  spec: OciSpec;
  /** CRI-format log file conmon writes (its directory must exist or is created). */
  logPath: string;
  /** conmon --log-size-max; 0 = unlimited. */
  logSizeMax?: number;
  /** Start-up deadline for `runc create`. */
  timeoutMs?: number;
  /**
   * Container.stdin: conmon holds the container's stdin open for attach (a terminal has one
   * anyway when `spec.process.terminal` is set). With `stdinOnce` the first attach session to
   * end closes it; without, it stays open for the next one.
   */
  stdin?: boolean;
  stdinOnce?: boolean;
}

export type OciStatus = 'created' | 'running' | 'stopped' | 'unknown';

export interface OciContainerInfo {
  id: string;
  annotations: Record<string, string>;
  status: OciStatus;
  pid?: number;
  createdAt: string; // RFC 3339
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** exit 137 and conmon saw a cgroup OOM kill (both, see runtime-pipeline.md P8). */
  oomKilled?: boolean;
}

export interface ExecRequest {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  tty?: boolean;
  timeoutMs?: number;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecStreams {
  stdin?: NodeJS.ReadableStream | null;
  stdout?: NodeJS.WritableStream | null;
  stderr?: NodeJS.WritableStream | null;
  /**
   * With tty: subscribes to terminal sizes; the latest size known so far is delivered at once.
   * A TTY merges stderr into stdout.
   */
  onResize?: (listener: (size: TerminalSize) => void) => void;
}

/** An attach session: ends when the container exits, or at once when `signal` aborts. */
export interface AttachStreams extends ExecStreams {
  signal?: AbortSignal;
}

export interface OciRuntime {
  readonly name: string; // "runc" | "crun"
  /** conmon + `runc create`; rejects with CreateContainerError (runtime's message) on failure. */
  create(req: ContainerCreateRequest): Promise<{ pid: number }>;
  start(id: string): Promise<void>;
  /** `all` signals every process of the container (needed in a shared PID namespace). */
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  /** Removes runtime state, conmon leftovers and the bundle directory. Idempotent. */
  remove(id: string): Promise<void>;
  inspect(id: string): Promise<OciContainerInfo | undefined>;
  /** Every container this runtime instance made (bundles on disk), running or not. */
  list(): Promise<OciContainerInfo[]>;
  /** Runs a process in a running container; resolves with its exit code. */
  exec(id: string, req: ExecRequest, io: ExecStreams): Promise<number>;
  /**
   * Connects to the container's own stdio (or terminal) through conmon; resolves when the
   * session ends. stdin ending half-closes the session's input.
   */
  attach(id: string, io: AttachStreams): Promise<void>;
  /** Called with the container id whenever conmon writes an exit file. Returns a stop function. */
  onExit(listener: (id: string) => void): () => void;
  /**
   * CRI ReopenContainerLog: conmon closes its log file and starts a new one at the same path
   * (after the caller renamed the old one away). Resolves once the new file is there; rejects,
   * without waiting long, when conmon is gone or does not answer.
   */
  reopenLog(id: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Root filesystems: overlay of image layers + the container's own upper dir. adapters/rootfs.

export interface Snapshotter {
  /** Mounts the overlay; `lowerDirs` top layer first. Returns the mount point. Idempotent. */
  prepare(containerId: string, lowerDirs: string[]): Promise<string>;
  /** Unmounts and removes upper/work dirs. Idempotent, tolerant of leftovers. */
  remove(containerId: string): Promise<void>;
  /** Container ids that have a snapshot on disk (for garbage collection). */
  list(): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Pod network: pinned netns (lo up) + CNI (bridge + host-local; portmap for pods with hostPorts), with
// the network's own FORWARD and masquerade chains instead of per-pod firewall/ipMasq rules. adapters/cni.

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

export interface PodNetworkRequest {
  sandboxId: string;
  podUid: string;
  podName: string;
  namespace: string;
  portMappings: PortMapping[];
}

export interface PodNetworkStatus {
  netnsPath: string;
  ip: string; // without prefix length
  gateway?: string;
}

export interface PodNetwork {
  /** Creates (or finds) the pinned netns for the sandbox; returns its path. */
  createNetns(sandboxId: string): Promise<string>;
  /** CNI ADD through the chain; persists result and runtimeConfig for DEL. */
  setUp(req: PodNetworkRequest): Promise<PodNetworkStatus>;
  /** CNI DEL (same runtimeConfig, cached result) while the netns exists, then removes it. Idempotent. */
  tearDown(sandboxId: string): Promise<void>;
  /** The cached status, if the netns still exists. */
  status(sandboxId: string): Promise<PodNetworkStatus | undefined>;
  /** Sandbox ids with a netns or cached CNI state (for garbage collection). */
  list(): Promise<string[]>;
  /** Removes what is shared by all pods: bridge, shared chains, IPAM state. For `peapod reset`. */
  removeAll(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Pod host resources: pod directory, generated files, volumes, cgroups. adapters/system.

export interface PodFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

/** The pod's IPC and UTS namespaces, pinned by bind mounts (paths to join), as CRI-O's pinns does. */
export interface PinnedNamespaces {
  ipc?: string;
  uts?: string;
}

export interface PodHost {
  /**
   * Writes hostname, hosts and resolv.conf under the pod dir; returns their paths. A file that
   * exists is rewritten in place: containers already created bind-mount it.
   */
  writePodFiles(podUid: string, files: PodFiles): Promise<{ hostname: string; hosts: string; resolvConf: string }>;
  /**
   * Makes the sandbox's new IPC namespace (`ipc`) and UTS namespace with its hostname (`hostname`)
   * and pins them, so containers can join them before (and without) the infra process.
   */
  pinNamespaces(sandboxId: string, want: { ipc: boolean; hostname?: string }): Promise<PinnedNamespaces>;
  /** Unpins what pinNamespaces made for the sandbox. Idempotent. */
  unpinNamespaces(sandboxId: string): Promise<void>;
  /**
   * Creates the emptyDir (tmpfs when medium is Memory); returns its path. Idempotent. With
   * fsGroup the directory is group-owned by it and setgid (the kubelet's SetVolumeOwnership).
   */
  ensureEmptyDir(podUid: string, volumeName: string, medium: string, sizeLimitBytes?: number, fsGroup?: number): Promise<string>;
  /**
   * The text of `path` inside the directory tree `root` (a container rootfs, or "/" for the
   * node's own files), symlinks resolved without leaving `root`; undefined when absent.
   */
  readFileIn?(root: string, path: string): Promise<string | undefined>;
  /** The pod's shared /dev/shm (a tmpfs), returns its path. Idempotent. */
  ensureShm(podUid: string): Promise<string>;
  /** Checks (and creates for *OrCreate) a hostPath; rejects with a message naming the problem. */
  checkHostPath(path: string, type: HostPathType): Promise<void>;
  /** Makes sure subPath exists inside the volume (as the kubelet does) and returns the full path. */
  ensureSubPath(volumePath: string, subPath: string): Promise<string>;
  /** Unmounts everything under the pod dir and removes it. Idempotent. */
  removePodDir(podUid: string): Promise<void>;
  /** Removes the pod's cgroup (`<root>[/burstable|/besteffort]/pod<uid>`) from every hierarchy. Idempotent. */
  removePodCgroup(podUid: string): Promise<void>;
  /** Pod uids with a pod cgroup under the instance's cgroup root (any QoS level). */
  listPodCgroups?(): Promise<string[]>;
  /** Pod uids with a pod dir on disk. */
  listPodDirs(): Promise<string[]>;
  /** Creates the empty world-writable file a container writes its termination message to. */
  createTerminationLog(path: string): Promise<void>;
  /** The last `maxBytes` of a termination-log file ('' when missing). */
  readTail(path: string, maxBytes: number): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// Container logs (CRI format, written by conmon). adapters/conmon.

export interface LogReadOptions {
  follow?: boolean;
  tailLines?: number;
  sinceTime?: number; // epoch ms
  timestamps?: boolean;
  limitBytes?: number;
  /** For follow: resolves when the container has exited and the log has been drained. */
  until?: Promise<void>;
}

export interface ContainerLogs {
  /** Streams the log's lines (with "\n") as the container wrote them. Missing file → NotFoundError. */
  read(logPath: string, opts: LogReadOptions, signal?: AbortSignal): AsyncIterable<string>;
}

/** The kubelet's containerLogMaxSize / containerLogMaxFiles (defaults 10 MiB and 5). */
export interface LogRotationOptions {
  maxSize: number;
  /** Files kept per container instance, the live one included; at least 2. */
  maxFiles: number;
}

/**
 * Size-based rotation of one live log (the kubelet's ContainerLogManager does the scheduling):
 * `<path>` becomes `<path>.1`, older generations shift up (larger n = older), the oldest beyond
 * maxFiles go, then `reopen` makes the writer start a new `<path>`.
 */
export interface LogRotator {
  /** True when it rotated. Rejects when reopen failed (the log is then left readable, nothing lost). */
  rotateIfNeeded(logPath: string, opts: LogRotationOptions, reopen: () => Promise<void>): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Images (images/ implements it on top of adapters/content and adapters/rootfs).

/** OCI image config's `config` part. */
export interface ImageRuntimeConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
}

export interface ImageRecord {
  /** sha256:<hex> of the image config blob. */
  id: string;
  /** Normalised references, e.g. "localhost/busybox:latest", "docker.io/library/nginx:1.27". */
  names: string[];
  /** "repo@sha256:<manifest digest>" */
  repoDigests: string[];
  config: ImageRuntimeConfig;
  /** Unpacked layer directories, bottom layer first (reverse for overlay lowerdir). */
  layerDirs: string[];
  size: number;
  created?: string;
}

export interface ImageService {
  /** Looks up a normalised or short reference or an image id; undefined if not present. */
  resolve(ref: string): Promise<ImageRecord | undefined>;
  list(): Promise<ImageRecord[]>;
  /** Called after images were added or removed (import, load, pull, rm). Returns a stop function. */
  onImagesChanged?(listener: () => void): () => void;
}

/** What `peapod image ...` needs beyond lookups. */
export interface ImageManager extends ImageService {
  /** Makes an image from a root filesystem (directory or tar, optionally compressed), as `podman import`. */
  importRootfs(source: string, name: string, changes: string[]): Promise<ImageRecord>;
  /** Loads an OCI layout directory, an oci-archive or a docker-archive; returns the images it held. */
  load(path: string): Promise<ImageRecord[]>;
  /** Removes the name (or the image when given its id); refuses an image a container uses. */
  remove(ref: string): Promise<ImageRecord>;
  /** Pulls from its registry (mirrors first), verifying every blob; concurrent pulls of one image share the work. */
  pull(ref: string, opts?: ImagePullOptions): Promise<ImagePullResult>;
}

/** Progress of one pull: per blob, bytes so far out of its size. */
export interface ImagePullProgress {
  /** resolving: manifests; downloading/unpacking/done per layer; exists: layer already stored. */
  phase: 'resolving' | 'downloading' | 'unpacking' | 'exists' | 'done';
  /** The layer's blob digest (absent for `resolving`). */
  digest?: string;
  current?: number;
  total?: number;
}

export interface ImagePullOptions {
  /** Registry host ("docker.io", "127.0.0.1:5000") → credentials, e.g. from imagePullSecrets; before the daemon's file. */
  credentials?: import('./registry-auth.js').CredentialMap;
  onProgress?: (p: ImagePullProgress) => void;
}

export interface ImagePullResult {
  image: ImageRecord;
  /** "repo@sha256:<manifest digest>" of what was pulled. */
  imageRef: string;
  /** Compressed bytes downloaded by this pull (0 when everything was present). */
  downloadedBytes: number;
  /** Compressed size of all the image's layers. */
  size: number;
}

// ---------------------------------------------------------------------------------------------
// What the API needs from the node agent for streaming subresources (logs, exec).

export interface PodRuntimeAccess {
  /** The log file of a container's current (or previous) instance; undefined if there is none. */
  logPath(pod: import('./types.js').Pod, container: string, previous: boolean): string | undefined;
  /** Resolves once that container instance is no longer running (ends a follow). */
  waitForExit(pod: import('./types.js').Pod, container: string): Promise<void>;
  /** Runs a command in the container; resolves with its exit code. NotFound/BadRequest on misuse. */
  exec(pod: import('./types.js').Pod, container: string, req: ExecRequest, io: ExecStreams): Promise<number>;
  /** Attaches to a running container's own stdio (its terminal when Container.tty is set). */
  attach(pod: import('./types.js').Pod, container: string, io: AttachStreams): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Network probes from the node's network namespace (pod IPs are reachable from it). adapters/prober.

/** `warning` counts as success but is reported (event ProbeWarning), e.g. a redirect to another host. */
export interface NetworkProbeResult {
  result: 'success' | 'failure' | 'warning';
  message: string;
}

export interface HttpProbeRequest {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  /** Starts with "/"; may carry a query. */
  path: string;
  /** Sent as given, in order (a name may repeat); a `Host` entry sets the virtual host. */
  headers: Array<[name: string, value: string]>;
  timeoutMs: number;
}

export interface NetworkProber {
  /** 200–399 success; same-host redirects followed (≤ 10); other host → warning; ≤ 10 KiB body read. */
  httpGet(req: HttpProbeRequest): Promise<NetworkProbeResult>;
  /** Success iff the TCP connect succeeds. */
  tcp(req: { host: string; port: number; timeoutMs: number }): Promise<NetworkProbeResult>;
  /** grpc.health.v1.Health/Check over cleartext HTTP/2; success iff SERVING. */
  grpc(req: { host: string; port: number; service: string; timeoutMs: number }): Promise<NetworkProbeResult>;
}

// ---------------------------------------------------------------------------------------------
// The node agent's view of the API (DESIGN.md §3): exactly what the agent reads from and writes to
// the API, as a kubelet does through its API server client. Today every one of these is the local
// ObjectStore (agent/local-store-node-api.ts); pointed at a real Kubernetes API server instead
// (pods with spec.nodeName = this node, status writes, Events, the Node), peapod joins a cluster as
// a node. Method names differ across the ports so that one object can implement all of them.

/** The pods this node runs: the kubelet's pod informer. May include pods of other nodes; the agent filters. */
export interface PodSource {
  /** All pods (in `namespace` when given) with the list's resourceVersion to watch from. */
  listPods(namespace?: string): ObjectList<Pod>;
  /**
   * Every change after `resourceVersion` (as ObjectStore.watch: GoneError when too old), then
   * live ones; a DELETED event carries the pod as last stored. Returns a stop function.
   */
  watchPods(resourceVersion: string | undefined, onEvent: (event: WatchEvent<Pod>) => void): () => void;
  /** The pod as stored now (status and resourceVersion included), undefined when there is none. */
  getPod(namespace: string, name: string): Pod | undefined;
}

/** The kubelet's status manager writes and its final delete once a pod's termination is done. */
export interface PodStatusWriter {
  /**
   * Writes `pod.status`: `pod` is a pod as getPod returned it with a new status. Conditional on
   * its metadata.resourceVersion (ConflictError when the pod changed since; the caller re-reads
   * and retries). Returns the pod as stored after the write.
   */
  updatePodStatus(pod: Pod): Pod;
  /**
   * Removes the pod now (its containers are gone, the grace period is over), only while the
   * stored pod of that name still has `uid`: a pod re-created under the same name is left alone.
   * True when it removed one.
   */
  deletePod(namespace: string, name: string, uid: string): boolean;
}

/**
 * The kubelet's mirror client: the node agent creates and removes the mirror pods of its static
 * pods (core/static-pods.ts) in the API, as any other pod, except that clients cannot change them.
 */
export interface MirrorPodClient {
  /** Throws AlreadyExistsError when the name is taken. */
  createMirrorPod(pod: Pod): Pod;
  /**
   * Graceful delete (deletionTimestamp = now + the pod's grace; the agent then stops it and
   * removes it), only while the stored pod of that name still has `uid`.
   */
  deleteMirrorPod(namespace: string, name: string, uid: string): void;
}

/** The static pods' manifests directory (the kubelet's staticPodPath), read and watched. adapters/system. */
export interface ManifestSource {
  /** The directory, for messages. */
  readonly dir: string;
  /**
   * Calls `onChange` with every manifest file now, then again after each change (and at a slow
   * resync). A missing directory has no files. Returns a stop function.
   */
  watch(onChange: (files: ManifestFile[]) => void): () => void;
}

/** Where the agent's event recorder writes core/v1 Events (client-go's EventSink role). */
export interface EventSink {
  /** The stored event, to add to its count; undefined when it is gone (expired, deleted). */
  getEvent(namespace: string, name: string): Event | undefined;
  /** Throws AlreadyExistsError when the name is taken. */
  createEvent(event: Event): Event;
  /** Replaces the event unconditionally (no resourceVersion check): repeats only bump count and time. */
  updateEvent(event: Event): Event;
}

/**
 * The stored Events the local TTL sweep ages out. An API server expires Events itself, so only
 * the local store needs this (a cluster member would not run the sweep).
 */
export interface EventCollection {
  listEvents(): Event[];
  /** Throws NotFoundError when the event is already gone. */
  deleteEvent(namespace: string, name: string): void;
}

/** This node's Node object, as the kubelet's node status loop reads and writes it. */
export interface NodeStatusWriter {
  getNode(name: string): KubeObject | undefined;
  /** Registers the node (AlreadyExistsError when it is there already). */
  createNode(node: KubeObject): KubeObject;
  /** Replaces the Node unconditionally (its resourceVersion is ignored): the node owns its status. */
  updateNode(node: KubeObject): KubeObject;
}

/** ConfigMaps and Secrets for env, volumes and image pull secrets, plus their changes for volume refresh. */
export interface ConfigObjectSource extends ConfigSource {
  /** Changes to ConfigMaps and Secrets from now on (none from before the call). Returns a stop function. */
  watchConfigObjects(onEvent: (kind: 'ConfigMap' | 'Secret', event: WatchEvent) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Resource usage as cAdvisor reads it: cgroup counters and the processes in a cgroup. adapters/system.

/** One reading of a cgroup's counters (v1 cpuacct + memory, or v2 cpu.stat + memory.*). */
export interface CgroupStats {
  /** When it was read, epoch ms. */
  timestamp: number;
  /** CPU time used by every process ever in the cgroup and its children, cumulative, ns. */
  cpuUsageNanos: number;
  /** v1 memory.usage_in_bytes, v2 memory.current (page cache included). */
  memoryUsageBytes: number;
  /** usage − inactive_file, never below 0: the working set of the kubelet, cAdvisor and metrics-server. */
  memoryWorkingSetBytes: number;
  /** Anonymous memory (v1 total_rss, v2 anon). */
  memoryRssBytes: number;
}

/** What a process table row says about one process (from /proc/<pid>). */
export interface ProcessInfo {
  /** PID on the host. */
  pid: number;
  /** PID in the innermost PID namespace: the pod's with shareProcessNamespace, else the container's. */
  nsPid: number;
  ppid: number;
  /** argv joined by spaces; `[comm]` for a process without a command line (a zombie, a kernel thread). */
  command: string;
  /** The one-letter state (R, S, D, Z, ...). */
  state: string;
  /** utime + stime, cumulative, ns. */
  cpuNanos: number;
  rssBytes: number;
  /** Epoch ms. */
  startedAt: number;
}

/**
 * The cgroup filesystem read-only, for stats and process lists. `cgroupPath` is as in an OCI
 * cgroupsPath (`/peapod/burstable/pod<uid>/<container id>`, `/` for the root); the reader maps it
 * onto the host's hierarchies (v1 controllers or the v2 unified tree). Safe to call concurrently.
 */
export interface CgroupStatsReader {
  /** The cgroup's counters; undefined when it does not exist (a container already removed). */
  read(cgroupPath: string): Promise<CgroupStats | undefined>;
  /** The whole machine's counters: the root cgroup on v1, /proc/stat and /proc/meminfo on v2. */
  readNode(): Promise<CgroupStats>;
  /** Host PIDs of the processes in the cgroup and its children ([] when it does not exist). */
  pids(cgroupPath: string): Promise<number[]>;
}

/** /proc, read-only. */
export interface ProcessReader {
  /** The processes that still exist among `pids`, in the order given. */
  read(pids: readonly number[]): Promise<ProcessInfo[]>;
}

/** What the API needs from the node agent for metrics and the dashboard's process view (the kubelet's stats provider). */
export interface NodeStatsAccess {
  /** The kubelet's /stats/summary: node and pod CPU (rate over the last window) and memory. */
  summary(): Promise<import('./stats.js').StatsSummary & { windowStart?: number }>;
  /** The pod's containers (the infra first) with their processes, CPU and memory. */
  podProcesses(pod: import('./types.js').Pod): Promise<import('./stats.js').PodProcesses>;
}

// ---------------------------------------------------------------------------------------------
// Services and cluster DNS (network/): kube-proxy's and cluster DNS's side effects.

export type DnsTransport = 'udp' | 'tcp';

/** The host's resolvers that cluster DNS forwards other names to (adapters/dns/dns-forwarder.ts). */
export interface DnsUpstream {
  /**
   * Sends one query packet (its ID is replaced by one of the adapter's) to the upstreams in
   * order, moving to the next on a timeout; resolves to the first reply that matches it. Rejects
   * when none answers in time. Safe to call concurrently.
   */
  exchange(query: Buffer, transport: DnsTransport): Promise<Buffer>;
}

/** What serves each DNS query packet the sockets receive: a reply, a promise of one, or undefined to drop it. */
export type DnsHandler = (query: Buffer, transport: DnsTransport) => Buffer | Promise<Buffer> | undefined;

/**
 * The Service rules in the kernel (adapters/nft/nft-ruleset.ts): one nftables table per
 * instance, changed by whole transactions, so a sync is applied completely or not at all.
 */
export interface ServiceRuleWriter {
  /** Applies one `nft -f` script atomically; rejects (nothing changed) when the kernel refuses it. */
  apply(script: string): Promise<void>;
  /** Removes the instance's table if present. Idempotent. */
  remove(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The controllers' view of the API (DESIGN.md §3): what kube-controller-manager and the scheduler
// do through client-go, as one narrow client. Today it is the local API's generic store
// (api/registry/local-object-client.ts); over a Kubernetes API server the same controllers would
// run against a cluster.

/** A kind the API serves, as discovery names it. */
export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural, as in the URL path. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export type PatchKind = 'merge' | 'json' | 'strategic';

export interface ClientDeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** The delete happens only while the stored object still has this uid / resourceVersion (ConflictError otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

/**
 * Reads and writes objects of any served kind with the API server's semantics (validation,
 * defaulting, generation, finalizers, graceful deletion). Writes are conditional on
 * `metadata.resourceVersion` when the object carries one (ConflictError when it changed), which
 * is how controllers keep every write safe to repeat. May be called concurrently.
 */
export interface ObjectClient {
  /** Every stored kind that can be listed, watched and deleted (discovery; the garbage collector's view). */
  resourceTypes(): ResourceType[];
  /** The objects (in `namespace` when given) with the list's resourceVersion to watch from. */
  list<T extends KubeObject>(type: ResourceType, namespace?: string, opts?: ListOptions): Promise<ObjectList<T>>;
  /** The object as stored now, undefined when there is none. */
  get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined>;
  /**
   * Every change after `resourceVersion`, then live ones (GoneError, thrown or delivered, when it
   * is too old: list again). Callbacks must not write through the client synchronously. Returns
   * a stop function.
   */
  watch<T extends KubeObject>(type: ResourceType, namespace: string | undefined, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void): () => void;
  /** AlreadyExistsError when the name is taken. Returns the stored object. */
  create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T>;
  /** Replaces the object, or only its status with `subresource: 'status'`. */
  update<T extends KubeObject>(type: ResourceType, obj: T, opts?: { subresource?: 'status' }): Promise<T>;
  patch<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, opts?: { subresource?: 'status' }): Promise<T>;
  /** NotFoundError when it is already gone; returns the object as it now is (still there while finalizers or grace hold it). */
  delete(type: ResourceType, namespace: string | undefined, name: string, opts?: ClientDeleteOptions): Promise<KubeObject>;
  /**
   * pods/binding: assigns an unbound pod (with this uid) to a node. ConflictError when it is
   * bound already, being deleted, or another pod now has the name.
   */
  bindPod(namespace: string, name: string, uid: string, nodeName: string): Promise<void>;
}

/** The dashboard's built files (dist/web), served under /ui/assets/. adapters/system. */
export interface StaticAssets {
  /** A file by its name in the build (`app.js`, `chunk-X.js`); undefined when there is none. */
  get(name: string): { body: Buffer; gzip: Buffer; contentType: string; etag: string } | undefined;
}

// ---------------------------------------------------------------------------------------------
// Persistent volumes: the local-path provisioner's directories (adapters/system), and what the
// node agent reads to mount a claim (agent/local-store-node-api.ts).

/** The directories of provisioned volumes, one per claim under `<data-dir>/storage`. */
export interface LocalVolumeStorage {
  /** Makes the directory (mode 0777, as local-path does) if missing; returns its path. Idempotent. */
  create(name: string): Promise<string>;
  /** Removes a directory this storage made (refuses paths outside its root). Idempotent. */
  remove(path: string): Promise<void>;
}

/** Claims and their volumes, for `persistentVolumeClaim` volumes in pods. */
export interface PersistentVolumeSource {
  getPersistentVolumeClaim(namespace: string, name: string): import('kubernetes-types/core/v1.js').PersistentVolumeClaim | undefined;
  getPersistentVolume(name: string): import('kubernetes-types/core/v1.js').PersistentVolume | undefined;
  /** Changes to claims from now on (a claim becoming Bound wakes the pods waiting for it). Returns a stop function. */
  watchPersistentVolumeClaims(onEvent: (event: WatchEvent) => void): () => void;
}

/**
 * What kube-proxy and cluster DNS read (network/): Services and EndpointSlices, cached and kept
 * current as informers would. Over the local store today (network/local-store-service-source.ts).
 */
export interface ServiceSource {
  services(): readonly import('./types.js').Service[];
  endpointSlices(): readonly import('./types.js').EndpointSlice[];
  /** Calls `onChange` after every change to either (callers coalesce); returns a stop function. */
  watch(onChange: () => void): () => void;
}

/**
 * Service account tokens for pods' projected volumes (the kubelet's TokenRequest through its API
 * client): a token for the pod's service account, for an audience (undefined: the API's own),
 * bound to the pod. Rejects (NotFoundError) while the service account or the pod is missing.
 */
export interface ServiceAccountTokenSource {
  requestToken(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<{ token: string; expirationTimestamp: string }>;
}

/** The Services a pod's containers get variables for (the kubelet's service lister). */
export interface ServiceLister {
  listServices(): import('./types.js').Service[];
}
