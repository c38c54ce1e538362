/**
 * @module A container's effective security context (spec/pod-semantics.md §11; the kubelet's
 * security_context.go and verifyRunAsNonRoot, the runtime's user lookup in the image's
 * /etc/passwd and /etc/group), resolved to what the OCI spec takes. Anything this node cannot
 * honour is refused with CreateContainerConfigError rather than dropped.
 */
import type { Container, Pod } from './types.js';
import { ContainerConfigError } from './container-env.js';
import { parseImageUser } from './container-process.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The image's /etc/passwd and /etc/group (undefined when the image has none). */
export interface ImageIdentityFiles {
  passwd?: string;
  group?: string;
}

/** Capability numbers (linux/capability.h), to read a CapBnd mask. */
const CAPABILITY_BITS: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** The CAP_ names in the CapBnd line of a /proc/<pid>/status text (undefined without one). */
export function boundingCapabilities(status: string): string[] | undefined {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return undefined;
  const mask = BigInt(`0x${m[1]}`);
  return CAPABILITY_BITS.filter((_, i) => (mask >> BigInt(i)) & 1n).map((c) => `CAP_${c}`);
}

export interface ResolvedSecurity {
  uid: number;
  gid: number;
  additionalGids: number[];
  privileged: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  noNewPrivileges: boolean;
  readOnlyRootfs: boolean;
  seccomp: 'Unconfined' | 'RuntimeDefault';
  /** procMount: Unmasked. */
  unmaskedProc: boolean;
  /** What the node can grant (its bounding set), when known. */
  availableCapabilities?: readonly string[];
}

const fields = (text: string | undefined): string[][] =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return fields(text)
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return fields(text)
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const podRef = (pod: Pod): string => `"${pod.metadata!.name}_${pod.metadata!.namespace}(${pod.metadata!.uid})"`;

/** verifyRunAsNonRoot: the kubelet's three refusals, from the spec and the image's USER string. */
function verifyRunAsNonRoot(pod: Pod, container: Container, runAsUser: number | undefined, imageUser: string): void {
  const where = `(pod: ${podRef(pod)}, container: ${container.name})`;
  if (runAsUser !== undefined) {
    if (runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  const user = parseImageUser(imageUser);
  if (user.name !== undefined) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user.name}), cannot verify user is non-root ${where}`);
  }
  if (user.uid === undefined || user.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
}

/** What this node cannot do: refused by name, so a pod never runs with less than it asked for. */
function refuseUnsupported(pod: Pod, container: Container): void {
  const psc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const seccomp = sc.seccompProfile ?? psc.seccompProfile;
  if (seccomp?.type === 'Localhost') {
    throw new ContainerConfigError(`seccomp profile type Localhost ("${seccomp.localhostProfile ?? ''}") is not supported on this node; use RuntimeDefault or Unconfined`);
  }
  if (seccomp && seccomp.type !== 'RuntimeDefault' && seccomp.type !== 'Unconfined') {
    throw new ContainerConfigError(`unknown seccomp profile type "${seccomp.type}"`);
  }
  const apparmor = sc.appArmorProfile ?? psc.appArmorProfile;
  if (apparmor && apparmor.type !== 'Unconfined') {
    throw new ContainerConfigError(`AppArmor profile type ${apparmor.type} cannot be enforced: AppArmor is not available on this node`);
  }
  if (sc.seLinuxOptions ?? psc.seLinuxOptions) {
    throw new ContainerConfigError('seLinuxOptions cannot be applied: SELinux is not available on this node');
  }
}

/**
 * The container's identity, capabilities and confinement. Throws ContainerConfigError for
 * runAsNonRoot violations, unknown image user/group names and unsupported requests.
 */
export function resolveContainerSecurity(
  pod: Pod,
  container: Container,
  imageUser: string,
  files: ImageIdentityFiles = {},
  availableCapabilities?: readonly string[],
): ResolvedSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  refuseUnsupported(pod, container);
  for (const add of sc.capabilities?.add ?? []) {
    const name = add.toUpperCase().replace(/^CAP_/, '');
    if (name !== 'ALL' && availableCapabilities && !availableCapabilities.includes(`CAP_${name}`)) {
      throw new ContainerConfigError(`capability ${name} cannot be granted: this node does not have it (not in peapod's bounding set)`);
    }
  }
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  if (sc.runAsNonRoot ?? psc.runAsNonRoot) verifyRunAsNonRoot(pod, container, runAsUser, imageUser);

  const passwd = parsePasswd(files.passwd);
  const groups = parseGroup(files.group);
  const image = parseImageUser(imageUser);
  let uid: number;
  let entry: PasswdEntry | undefined;
  if (runAsUser !== undefined) {
    uid = runAsUser;
    entry = passwd.find((p) => p.uid === uid);
  } else if (image.name !== undefined) {
    entry = passwd.find((p) => p.name === image.name);
    if (!entry) throw new ContainerConfigError(`unable to find user ${image.name}: no matching entries in passwd file`);
    uid = entry.uid;
  } else {
    uid = image.uid ?? 0;
    entry = passwd.find((p) => p.uid === uid);
  }
  let gid: number;
  if (runAsGroup !== undefined) gid = runAsGroup;
  else if (runAsUser === undefined && image.gid !== undefined) gid = image.gid;
  else if (runAsUser === undefined && image.group !== undefined) {
    const g = groups.find((x) => x.name === image.group);
    if (!g) throw new ContainerConfigError(`unable to find group ${image.group}: no matching entries in group file`);
    gid = g.gid;
  } else gid = entry?.gid ?? 0;

  const extra: number[] = [];
  if (psc.fsGroup !== undefined) extra.push(psc.fsGroup);
  extra.push(...(psc.supplementalGroups ?? []));
  // supplementalGroupsPolicy is newer than kubernetes-types.
  if ((psc as { supplementalGroupsPolicy?: string }).supplementalGroupsPolicy !== 'Strict' && entry) {
    for (const g of groups) if (g.members.includes(entry.name)) extra.push(g.gid);
  }
  const privileged = sc.privileged === true;
  const seccomp = privileged ? 'Unconfined' : (sc.seccompProfile ?? psc.seccompProfile)?.type === 'RuntimeDefault' ? 'RuntimeDefault' : 'Unconfined';
  const out: ResolvedSecurity = {
    uid,
    gid,
    additionalGids: [...new Set(extra)].filter((g) => g !== gid),
    privileged,
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    readOnlyRootfs: sc.readOnlyRootFilesystem === true,
    seccomp,
    unmaskedProc: sc.procMount === 'Unmasked',
  };
  if (sc.capabilities) out.capabilities = { add: [...(sc.capabilities.add ?? [])], drop: [...(sc.capabilities.drop ?? [])] };
  return out;
}

/** Sysctls the kubelet allows without allowedUnsafeSysctls (pkg/kubelet/sysctl/safe_sysctls.go). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

/** `a/b/c` and `a.b.c` both name a sysctl; the dotted form is canonical. */
export function normalizeSysctlName(name: string): string {
  return name.includes('/') ? name.replace(/\./g, '\u0000').replace(/\//g, '.').replace(/\u0000/g, '/') : name;
}

/** The namespace a sysctl lives in, or undefined for node-wide ones. */
export function sysctlNamespace(name: string): 'ipc' | 'net' | undefined {
  const n = normalizeSysctlName(name);
  if (n.startsWith('net.')) return 'net';
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/**
 * The sysctl admission (pkg/kubelet/sysctl/allowlist.go): each pod sysctl must be safe or in
 * `allowedUnsafe` (exact names, or prefixes ending in `*`), and not in a namespace the pod
 * shares with the host. Undefined when admitted.
 */
export function sysctlRejection(pod: Pod, allowedUnsafe: readonly string[] = []): { reason: string; message: string } | undefined {
  for (const s of pod.spec?.securityContext?.sysctls ?? []) {
    const name = normalizeSysctlName(s.name);
    const ns = sysctlNamespace(name);
    let problem: string | undefined;
    if (ns === 'ipc' && pod.spec?.hostIPC) problem = `"${name}" not allowed with host ipc enabled`;
    else if (ns === 'net' && pod.spec?.hostNetwork) problem = `"${name}" not allowed with host net enabled`;
    else {
      const allowed =
        ns !== undefined &&
        (SAFE_SYSCTLS.includes(name) || allowedUnsafe.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : normalizeSysctlName(p) === name)));
      if (!allowed) problem = `"${name}" not allowlisted`;
    }
    if (problem) return { reason: 'SysctlForbidden', message: `Pod was rejected: forbidden sysctl: ${problem}` };
  }
  return undefined;
}

/** linux.sysctl for the sandbox (its net and ipc namespaces are the pod's). */
export function podSysctls(pod: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pod.spec?.securityContext?.sysctls ?? []) out[normalizeSysctlName(s.name)] = s.value;
  return out;
}
