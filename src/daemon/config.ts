/**
 * @module The daemon's flags and the NodeConfig they make. Every path, runc root, netns prefix,
 * cgroup and CNI network derives from these, so two daemons can run side by side.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { NodeConfig } from '../core/layout.js';
import { parseUpstreamList } from '../adapters/dns/host-resolvers.js';

export const DEFAULT_DATA_DIR = '/var/lib/peapod';
export const DEFAULT_RUN_DIR = '/run/peapod';
export const DEFAULT_POD_CIDR = '10.90.0.0/16';
export const DEFAULT_BRIDGE = 'peapod0';
export const DEFAULT_LISTEN = '127.0.0.1:6443';
export const DEFAULT_MANIFESTS_DIR = '/etc/peapod/manifests';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export const SERVE_USAGE = `Usage: peapod serve [flags]

Runs the peapod daemon: the Kubernetes API on a local unix socket and the node agent that runs
the pods. Containers keep running when the daemon stops; the next start adopts them.

Flags:
  --data-dir DIR     state, images, pod volumes and logs (default ${DEFAULT_DATA_DIR})
  --run-dir DIR      runtime state: runc root, exit files, conmon sockets (default ${DEFAULT_RUN_DIR})
  --socket PATH      the API's unix socket (default <run-dir>/peapod.sock)
  --pod-cidr CIDR    pod addresses (default ${DEFAULT_POD_CIDR})
  --bridge NAME      the pods' bridge device (default ${DEFAULT_BRIDGE})
  --node-name NAME   this node's name (default: the host name)
  --manifests-dir DIR  static pods: each manifest file in DIR is a pod this node runs, shown as
                     its mirror pod <name>-<node> (default ${DEFAULT_MANIFESTS_DIR}; for another
                     --run-dir than the default, <data-dir>/manifests)
  --service-cidr CIDR  ClusterIPs of Services (default ${DEFAULT_SERVICE_CIDR}); the API server's
                     Service is its first address, cluster DNS its tenth
  --cluster-domain D the cluster DNS domain (default ${DEFAULT_CLUSTER_DOMAIN})
  --dns-upstream LIST  where cluster DNS forwards other names: IP[:PORT],... (default: the
                     host's resolvers, /run/systemd/resolve/resolv.conf else /etc/resolv.conf)
  --listen HOST:PORT the HTTPS Kubernetes API (default ${DEFAULT_LISTEN}; port 0 picks a free
                     one; "none" serves the unix socket only). Credentials: <data-dir>/pki,
                     <data-dir>/admin.kubeconfig
  --log-level LEVEL  debug, info, warn or error (default info)
  --image-gc-high-threshold PCT   images-disk usage at which unused images are removed, least
                     recently used first (default 85; 100 disables image GC)
  --image-gc-low-threshold PCT    usage image GC frees down to (default 80)
  --minimum-image-ttl-duration D  age an unused image must reach before GC may remove it (default 2m)
  --system-reserved cpu=Q,memory=Q  kept back from pods: allocatable = machine - reserved
                     (admission rejects pods whose requests do not fit; default none)
  --max-pods N       pods admitted at most (default 110)
  --event-ttl D      how long an Event is kept after it last happened (default 1h; 0 keeps them)
  --sync-frequency D every pod's worker runs a pass this often even when nothing happened, a
                     safety net: exits, probes, timers and API changes wake it at once (default 1m)
  --relist-period D  how often the runtime is listed again, a safety net beside the exit-file
                     watch (default 5s; the e2e tests make it long, so a lost wake-up shows)
  -h, --help         show this help
`;

export interface DaemonOptions {
  config: NodeConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class UsageError extends Error {}

/** The config derived from the flags every daemon command shares (serve, reset). */
export function parseNodeFlags(argv: string[], extra: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        'run-dir': { type: 'string' },
        socket: { type: 'string' },
        'pod-cidr': { type: 'string' },
        bridge: { type: 'string' },
        'node-name': { type: 'string' },
        'manifests-dir': { type: 'string' },
        'log-level': { type: 'string' },
        listen: { type: 'string' },
        'service-cidr': { type: 'string' },
        'cluster-domain': { type: 'string' },
        'dns-upstream': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...extra,
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const dataDir = stripSlash(String(v['data-dir'] ?? DEFAULT_DATA_DIR));
  const runDir = stripSlash(String(v['run-dir'] ?? DEFAULT_RUN_DIR));
  const podCidr = String(v['pod-cidr'] ?? DEFAULT_POD_CIDR);
  const bridge = String(v.bridge ?? DEFAULT_BRIDGE);
  if (!dataDir.startsWith('/') || !runDir.startsWith('/')) throw new UsageError('--data-dir and --run-dir must be absolute paths');
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.test(podCidr) || Number(podCidr.split('/')[1]) > 30) {
    throw new UsageError(`--pod-cidr ${podCidr}: want an IPv4 CIDR of at most /30, like ${DEFAULT_POD_CIDR}`);
  }
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw new UsageError(`--bridge ${bridge}: not a valid interface name (1-15 characters)`);
  const logLevel = String(v['log-level'] ?? 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new UsageError(`--log-level ${logLevel}: want debug, info, warn or error`);
  const config: NodeConfig = {
    dataDir,
    runDir,
    socketPath: String(v.socket ?? `${runDir}/peapod.sock`),
    podCidr,
    bridge,
    instance: instanceName(runDir),
    nodeName: String(v['node-name'] ?? hostname()).toLowerCase(),
  };
  const listen = parseListen(v.listen as string | undefined);
  // The kubelet's staticPodPath; a second daemon does not share the default instance's files.
  const manifestsDir = stripSlash(String(v['manifests-dir'] ?? (runDir === DEFAULT_RUN_DIR ? DEFAULT_MANIFESTS_DIR : `${dataDir}/manifests`)));
  if (!manifestsDir.startsWith('/')) throw new UsageError(`--manifests-dir ${manifestsDir}: must be an absolute path`);
  const services = parseServiceFlags(v);
  return { config, logLevel: logLevel as DaemonOptions['logLevel'], help: v.help === true, values: v, listen, manifestsDir, services };
}

export interface ServiceFlags {
  serviceCidr: string;
  clusterDomain: string;
  /** --dns-upstream as given (parsed by the DNS adapter); undefined: the host's resolvers. */
  dnsUpstream?: string;
}

function parseServiceFlags(v: Record<string, string | boolean | undefined>): ServiceFlags {
  const serviceCidr = String(v['service-cidr'] ?? DEFAULT_SERVICE_CIDR);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(serviceCidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 12 || Number(m[5]) > 28) {
    throw new UsageError(`--service-cidr ${serviceCidr}: want an IPv4 CIDR between /12 and /28, like ${DEFAULT_SERVICE_CIDR}`);
  }
  const clusterDomain = String(v['cluster-domain'] ?? DEFAULT_CLUSTER_DOMAIN).replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain) || clusterDomain.length > 253) {
    throw new UsageError(`--cluster-domain ${clusterDomain}: want a DNS domain, like ${DEFAULT_CLUSTER_DOMAIN}`);
  }
  const dnsUpstream = v['dns-upstream'] === undefined ? undefined : String(v['dns-upstream']);
  if (dnsUpstream !== undefined) {
    try {
      parseUpstreamList(dnsUpstream);
    } catch (err) {
      throw new UsageError(`--dns-upstream ${dnsUpstream}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { serviceCidr, clusterDomain, ...(dnsUpstream !== undefined ? { dnsUpstream } : {}) };
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `--listen HOST:PORT` (IPv6 as `[::1]:6443`); undefined for "none". */
export function parseListen(value: string | undefined): ListenAddress | undefined {
  const v = value ?? DEFAULT_LISTEN;
  if (v === 'none') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen ${v}: want HOST:PORT, like ${DEFAULT_LISTEN}, or "none"`);
  return { host: m[1] ?? m[2], port };
}

/** "peapod" for the default run dir, "peapod-<6 hex>" for any other. */
export function instanceName(runDir: string): string {
  if (runDir === DEFAULT_RUN_DIR) return 'peapod';
  return `peapod-${createHash('sha256').update(runDir).digest('hex').slice(0, 6)}`;
}

function stripSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
