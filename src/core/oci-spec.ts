/**
 * @module OCI runtime-spec config.json for the infra (sandbox) container and for app/init
 * containers. Pure: everything host-specific (rootfs, netns, infra pid, mount sources) comes in.
 * Defaults follow containerd's so that images behave as under a kubelet (see
 * runtime-pipeline.md §4: `runc spec` defaults are too strict for Kubernetes workloads).
 */
import type { OciSpec, PinnedNamespaces } from './ports.js';

export interface MountInput {
  destination: string;
  source: string;
  type: 'bind' | 'tmpfs';
  readOnly?: boolean;
  /** Extra mount options, appended (e.g. "size=65536k" for tmpfs, "rslave" for bind). */
  options?: string[];
}

interface CommonSpecInput {
  /** cgroupfs path relative to each hierarchy, e.g. layout.containerCgroup(podUid, id). */
  cgroupsPath: string;
  /** linux.resources as runc takes it (memory/cpu/pids...), passed through. */
  resources?: Record<string, unknown>;
  annotations?: Record<string, string>;
  /** linux.sysctl (namespaced sysctls only: net.*, kernel.shm*, ...). */
  sysctl?: Record<string, string>;
  /** spec.hostNetwork: no network (and no UTS) namespace of its own. */
  hostNetwork?: boolean;
  /** spec.hostPID: the host's PID namespace. */
  hostPID?: boolean;
  /** spec.hostIPC: the host's IPC namespace. */
  hostIPC?: boolean;
  /**
   * A cgroup namespace of its own, so /proc/self/cgroup reads `0::/` and /sys/fs/cgroup is its
   * own cgroup: what containerd gives every unprivileged container on a cgroup v2 host (on v1,
   * and for privileged containers, the host's, as there).
   */
  cgroupNamespace?: boolean;
}

export interface SandboxSpecInput extends CommonSpecInput {
  /** The shared read-only infra rootfs holding /catatonit. */
  rootfs: string;
  /** The pinned network namespace (layout.netnsPath(sandboxId)); unused with hostNetwork. */
  netnsPath?: string;
  /**
   * Pod hostname: set here, in the pod's new UTS namespace, unless that namespace is pinned
   * (then it was named when pinned); never with hostNetwork.
   */
  hostname: string;
  /** The pod's pinned IPC/UTS namespaces, joined instead of made new. */
  pinned?: PinnedNamespaces;
  /** Defaults to ["/catatonit", "-P"]. */
  args?: string[];
}

export interface ContainerSpecInput extends CommonSpecInput {
  /** The container's rootfs (an overlay the caller has already mounted). */
  rootfs: string;
  readOnlyRootfs?: boolean;
  /** Resolved from the image config and the container spec by the caller. */
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids?: number[];
  /**
   * The pod's pinned IPC/UTS namespaces. A sandbox made before namespaces were pinned has none:
   * then they are joined through the infra's /proc/<pid>/ns.
   */
  pinned?: PinnedNamespaces;
  /** The infra container's pid: needed with sharePid, and for a sandbox without pinned namespaces. */
  infraPid?: number;
  /** The pod's network namespace (joined); unused with hostNetwork. */
  netnsPath?: string;
  /** shareProcessNamespace: join the infra's pid namespace. */
  sharePid?: boolean;
  /** Volumes, /etc/hosts, /etc/resolv.conf, /etc/hostname, /dev/shm, termination log. */
  mounts?: MountInput[];
  /** securityContext.capabilities, applied to the default set; "ALL" is understood. */
  capabilities?: { add?: string[]; drop?: string[] };
  /** securityContext.privileged: every capability, host devices, writable /sys, no seccomp. */
  privileged?: boolean;
  /** The capabilities this node can hand out (the daemon's bounding set); all when absent. */
  availableCapabilities?: readonly string[];
  /** securityContext.allowPrivilegeEscalation === false. Default false, as containerd. */
  noNewPrivileges?: boolean;
  terminal?: boolean;
  oomScoreAdj?: number;
  /** linux.seccomp (e.g. defaultSeccompProfile(...)); absent = unconfined. Ignored when privileged. */
  seccomp?: object;
  /** procMount: Unmasked — no masked or read-only /proc paths. */
  unmaskedProc?: boolean;
}

/** containerd's (and Docker's) default capability set. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability runc 1.1 knows on a 6.x kernel (for privileged and add: ["ALL"]). */
export const ALL_CAPABILITIES: readonly string[] = [
  ...DEFAULT_CAPABILITIES,
  'CAP_DAC_READ_SEARCH',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_LEASE',
  'CAP_AUDIT_CONTROL',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function toOciMount(m: MountInput): OciMount {
  if (m.type === 'tmpfs') {
    const options = ['nosuid', 'nodev', 'mode=1777', ...(m.options ?? [])];
    if (m.readOnly) options.push('ro');
    return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options };
  }
  // rprivate: a volume's sub-mounts must not propagate back to the host.
  return {
    destination: m.destination,
    type: 'bind',
    source: m.source,
    options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw', ...(m.options ?? [])],
  };
}

const depth = (p: string): number => p.split('/').filter(Boolean).length;

/**
 * The defaults, with any default whose destination a caller mount covers removed, then the
 * caller's mounts sorted so a parent is mounted before anything inside it (stable otherwise).
 */
function mergeMounts(extra: readonly MountInput[]): OciMount[] {
  const wanted = new Set(extra.map((m) => normalise(m.destination)));
  const base = defaultMounts().filter((m) => !wanted.has(m.destination));
  const added = extra.map(toOciMount).map((m, i) => ({ m, i }));
  added.sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i);
  return [...base, ...added.map((x) => x.m)];
}

function normalise(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.replace(/\/{2,}/g, '/');
}

/** The container's capabilities (CAP_-prefixed): the default set, drop then add, or all when privileged. */
export function capabilitySet(input: Pick<ContainerSpecInput, 'privileged' | 'capabilities' | 'availableCapabilities'>): string[] {
  const available = input.availableCapabilities;
  const caps = capabilitiesWanted(input);
  return available ? caps.filter((c) => available.includes(c)) : caps;
}

function capabilitiesWanted(input: Pick<ContainerSpecInput, 'privileged' | 'capabilities'>): string[] {
  const full = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  if (input.privileged) return [...ALL_CAPABILITIES];
  const add = (input.capabilities?.add ?? []).map(full);
  const drop = (input.capabilities?.drop ?? []).map(full);
  let caps: string[] = drop.includes('CAP_ALL') ? [] : [...DEFAULT_CAPABILITIES];
  if (add.includes('CAP_ALL')) caps = [...ALL_CAPABILITIES];
  else for (const c of add) if (!caps.includes(c)) caps.push(c);
  if (!add.includes('CAP_ALL')) caps = caps.filter((c) => !drop.includes(c) || add.includes(c));
  return caps;
}

function linuxCommon(input: CommonSpecInput, namespaces: Array<{ type: string; path?: string }>): Record<string, unknown> {
  const linux: Record<string, unknown> = {
    namespaces,
    cgroupsPath: input.cgroupsPath,
    // Deny-all first; runc then allows its default device list (null, zero, tty, ...).
    resources: { devices: [{ allow: false, access: 'rwm' }], ...structuredClone(input.resources ?? {}) },
    maskedPaths: [...MASKED_PATHS],
    readonlyPaths: [...READONLY_PATHS],
  };
  if (input.sysctl && Object.keys(input.sysctl).length > 0) linux.sysctl = { ...input.sysctl };
  return linux;
}

/**
 * The namespaces of a pod member: the pod's (the path `join` gives) where there is one, else new
 * ones; a host namespace is simply not listed. The pid namespace is joined only with `sharePid`.
 */
function podNamespaces(
  input: CommonSpecInput & { netnsPath?: string },
  join: (type: 'pid' | 'ipc' | 'uts') => string | undefined,
  sharePid = false,
): Array<{ type: string; path?: string }> {
  const ns = (type: 'pid' | 'ipc' | 'uts') => {
    const path = join(type);
    return path ? { type, path } : { type };
  };
  const out: Array<{ type: string; path?: string }> = [];
  if (!input.hostPID) out.push(sharePid ? ns('pid') : { type: 'pid' });
  if (!input.hostNetwork) {
    if (!input.netnsPath) throw new Error('a pod outside the host network needs its network namespace');
    out.push({ type: 'network', path: input.netnsPath });
  }
  if (!input.hostIPC) out.push(ns('ipc'));
  if (!input.hostNetwork) out.push(ns('uts'));
  out.push({ type: 'mount' });
  if (input.cgroupNamespace) out.push({ type: 'cgroup' });
  return out;
}

export function buildSandboxSpec(input: SandboxSpecInput): OciSpec {
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: input.args ?? ['/catatonit', '-P'],
      env: [DEFAULT_PATH_ENV],
      cwd: '/',
      // catatonit only sleeps and reaps: it needs no capability.
      capabilities: { bounding: [], effective: [], permitted: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }],
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    // No sysfs: the first sysfs mount of a network namespace fixes its superblock's read-only
    // flag, and the infra's would make /sys read-only for privileged containers too.
    mounts: defaultMounts().filter((m) => !m.destination.startsWith('/sys')),
    linux: linuxCommon(input, podNamespaces(input, (type) => (type === 'pid' ? undefined : input.pinned?.[type]))),
  };
  // On the host network the UTS namespace is the host's: its name is not ours to set. A pinned
  // one was named when it was made (runc would otherwise sethostname() in it, harmlessly, again).
  if (!input.hostNetwork && !input.pinned?.uts) spec.hostname = input.hostname;
  if (input.annotations) spec.annotations = { ...input.annotations };
  return spec;
}

export function buildContainerSpec(input: ContainerSpecInput): OciSpec {
  const caps = capabilitySet(input);
  const user: Record<string, unknown> = { uid: input.uid, gid: input.gid };
  if (input.additionalGids && input.additionalGids.length > 0) user.additionalGids = [...input.additionalGids];
  const process: Record<string, unknown> = {
    terminal: input.terminal ?? false,
    user,
    args: [...input.args],
    env: [...input.env],
    cwd: input.cwd || '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }],
    noNewPrivileges: input.noNewPrivileges ?? false,
  };
  if (input.oomScoreAdj !== undefined) process.oomScoreAdj = input.oomScoreAdj;
  const ns = (type: 'pid' | 'ipc' | 'uts'): string => {
    const pinned = type === 'pid' ? undefined : input.pinned?.[type];
    if (pinned) return pinned;
    if (input.infraPid === undefined) throw new Error(`the pod's ${type} namespace is neither pinned nor held by a running infra container`);
    return `/proc/${input.infraPid}/ns/${type}`;
  };
  // No hostname: runc would sethostname() inside the joined UTS namespace and rename the whole pod (P16).
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process,
    root: { path: input.rootfs, readonly: input.readOnlyRootfs ?? false },
    mounts: mergeMounts(input.mounts ?? []),
    linux: linuxCommon(input, podNamespaces(input, ns, input.sharePid === true)),
  };
  const linux = spec.linux as Record<string, unknown>;
  if (input.privileged || input.unmaskedProc) {
    linux.maskedPaths = [];
    linux.readonlyPaths = [];
  }
  if (input.privileged) {
    // Every host device, and /sys writable, as a privileged container gets under containerd.
    linux.resources = { ...(linux.resources as object), devices: [{ allow: true, access: 'rwm' }] };
    spec.mounts = (spec.mounts as OciMount[]).map((m) => {
      if (m.destination === '/dev' && m.type === 'tmpfs') return { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'rprivate', 'nosuid', 'rw'] };
      if (m.destination === '/sys' && m.type === 'sysfs') return { ...m, options: m.options.filter((o) => o !== 'ro').concat('rw') };
      return m;
    });
  } else if (input.seccomp) linux.seccomp = structuredClone(input.seccomp);
  if (input.annotations) spec.annotations = { ...input.annotations };
  return spec;
}
