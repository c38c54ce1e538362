/**
 * @module The files the kubelet writes for every pod: /etc/hosts, /etc/resolv.conf and the
 * hostname (spec/pod-semantics.md §9; kubelet_pods.go and network/dns/dns.go), and the pod's
 * host port mappings. Pure text from the spec and the node's own files.
 */
import type { Pod } from './types.js';
import type { PortMapping } from './ports.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** validation.go: MaxDNSNameservers, MaxDNSSearchPathsExpanded, MaxDNSSearchListCharsExpanded. */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_DNS_SEARCH_DOMAIN = 253;
/** The kernel's limit on a UTS hostname (HOST_NAME_MAX + 1 in the kubelet's check). */
export const MAX_FQDN_HOSTNAME = 64;

export interface PodDnsOptions {
  /** kubelet clusterDomain. */
  clusterDomain?: string;
  /** kubelet clusterDNS; empty: there is no cluster DNS (ClusterFirst falls back to Default). */
  clusterDNS?: string[];
  /** The node's hostname (hostNetwork pods take it). */
  nodeHostname?: string;
}

/** A Warning event the kubelet records while forming the pod's files. */
export interface PodFileWarning {
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

const podRef = (pod: Pod): string => `${pod.metadata!.name}_${pod.metadata!.namespace}(${pod.metadata!.uid})`;

/**
 * The pod's hostname: the node's for hostNetwork pods, else spec.hostname or the pod name, cut
 * to 63 characters without trailing '-'/'.' (truncatePodHostnameIfNeeded).
 */
export function podHostname(pod: Pod, opts: PodDnsOptions = {}): string {
  if (pod.spec?.hostNetwork && opts.nodeHostname) return opts.nodeHostname;
  const name = pod.spec?.hostname || pod.metadata!.name!;
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

/** `<subdomain>.<ns>.svc.<clusterDomain>`, or undefined without a subdomain. */
export function podDomain(pod: Pod, opts: PodDnsOptions = {}): string | undefined {
  const sub = pod.spec?.subdomain;
  if (!sub || pod.spec?.hostNetwork) return undefined;
  return `${sub}.${pod.metadata!.namespace}.svc.${opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN}`;
}

/**
 * What the sandbox's UTS namespace is named: the hostname, or the FQDN with setHostnameAsFQDN.
 * An FQDN over 64 characters cannot be a kernel hostname: the sandbox fails with this error.
 */
export function podUtsHostname(pod: Pod, opts: PodDnsOptions = {}): string {
  const hostname = podHostname(pod, opts);
  const domain = podDomain(pod, opts);
  if (!pod.spec?.setHostnameAsFQDN || !domain) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > MAX_FQDN_HOSTNAME) {
    throw new Error(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${MAX_FQDN_HOSTNAME} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}

function hostAliasesBlock(pod: Pod): string {
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/**
 * The pod's /etc/hosts: the managed file (managedHostsFileContent) with one line per pod IP, or
 * for hostNetwork pods the node's own file under its header (nodeHostsFileContent); then the
 * hostAliases block.
 */
export function podHostsFile(pod: Pod, podIPs: string | readonly string[] | undefined, opts: PodDnsOptions & { nodeHosts?: string } = {}): string {
  if (pod.spec?.hostNetwork) {
    const node = opts.nodeHosts ?? '';
    const body = node === '' || node.endsWith('\n') ? node : `${node}\n`;
    return `# Kubernetes-managed hosts file (host network).\n${body}${hostAliasesBlock(pod)}`;
  }
  let out =
    '# Kubernetes-managed hosts file.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  const hostname = podHostname(pod, opts);
  const domain = podDomain(pod, opts);
  const ips = podIPs === undefined ? [] : typeof podIPs === 'string' ? [podIPs] : podIPs;
  for (const ip of ips) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliasesBlock(pod);
}

export interface ResolvConfParts {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** nameserver/search/options of a resolv.conf text (the last search line wins, as in libc). */
export function parseResolvConf(text: string): ResolvConfParts {
  const out: ResolvConfParts = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search') out.searches = rest.map((s) => (s === '.' ? s : s.replace(/\.$/, '')));
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The dnsPolicy after hostNetwork and a missing cluster DNS are taken into account (getPodDNSType). */
function effectivePolicy(pod: Pod, opts: PodDnsOptions, warnings: PodFileWarning[]): 'Cluster' | 'Host' | 'None' {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'None';
  if (policy === 'Default' || (policy === 'ClusterFirst' && pod.spec?.hostNetwork)) return 'Host';
  if ((opts.clusterDNS ?? []).length > 0) return 'Cluster';
  warnings.push({
    reason: 'MissingClusterDNS',
    message: `pod: "${podRef(pod)}". kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`,
  });
  return 'Host';
}

/**
 * The pod's DNS configuration (dns.go GetPodDNS): by dnsPolicy, then dnsConfig merged in, then
 * the limits, with the Warning events the kubelet records. Without a cluster DNS ClusterFirst
 * falls back to Default (the node's resolver file). Nameservers on loopback are dropped for pods
 * in their own network namespace, which cannot reach the node's local stub resolver.
 */
export function podDnsConfig(pod: Pod, hostResolvConf: string, opts: PodDnsOptions = {}): ResolvConfParts & { warnings: PodFileWarning[] } {
  const warnings: PodFileWarning[] = [];
  const host = parseResolvConf(hostResolvConf);
  const cd = opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  let parts: ResolvConfParts;
  switch (effectivePolicy(pod, opts, warnings)) {
    case 'None':
      parts = { nameservers: [], searches: [], options: [] };
      break;
    case 'Cluster': {
      const ns = pod.metadata!.namespace;
      parts = { nameservers: [...opts.clusterDNS!], searches: unique([`${ns}.svc.${cd}`, `svc.${cd}`, cd, ...host.searches]), options: ['ndots:5'] };
      break;
    }
    case 'Host': {
      const loopback = (ip: string) => /^127\./.test(ip) || ip === '::1';
      const nameservers = pod.spec?.hostNetwork ? host.nameservers : host.nameservers.filter((ip) => !loopback(ip));
      parts = { nameservers, searches: host.searches, options: host.options };
    }
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    parts.nameservers = unique([...parts.nameservers, ...(cfg.nameservers ?? [])]);
    parts.searches = unique([...parts.searches, ...(cfg.searches ?? [])]);
    const merged = new Map<string, string>();
    for (const o of parts.options) {
      const i = o.indexOf(':');
      merged.set(i < 0 ? o : o.slice(0, i), i < 0 ? '' : o.slice(i + 1));
    }
    for (const o of cfg.options ?? []) if (o.name) merged.set(o.name, o.value ?? '');
    parts.options = [...merged].map(([k, v]) => (v === '' ? k : `${k}:${v}`));
  }
  if (parts.nameservers.length > MAX_DNS_NAMESERVERS) {
    parts.nameservers = parts.nameservers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${parts.nameservers.join(' ')}`,
    });
  }
  const searches = fitSearches(parts.searches);
  if (searches.length !== parts.searches.length) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
  }
  parts.searches = searches;
  return { ...parts, warnings };
}

/** formDNSSearchFitsLimits: at most 32 paths, none over 253 characters, the line ≤ 2048. */
function fitSearches(all: readonly string[]): string[] {
  const out = all.slice(0, MAX_DNS_SEARCH_PATHS).filter((s) => s.length <= MAX_DNS_SEARCH_DOMAIN);
  while (out.length > 0 && out.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) out.pop();
  return out;
}

/** resolv.conf text as the runtime writes it: search, nameservers, options. */
export function formatResolvConf(parts: ResolvConfParts): string {
  let out = '';
  if (parts.searches.length) out += `search ${parts.searches.join(' ')}\n`;
  for (const ns of parts.nameservers) out += `nameserver ${ns}\n`;
  if (parts.options.length) out += `options ${parts.options.join(' ')}\n`;
  return out;
}

/** The pod's /etc/resolv.conf (see podDnsConfig). */
export function podResolvConf(pod: Pod, hostResolvConf: string, opts: PodDnsOptions = {}): string {
  return formatResolvConf(podDnsConfig(pod, hostResolvConf, opts));
}

/** Every hostPort of the pod's containers (init and app), as CNI's portmap wants them. */
export function podPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const mapping: PortMapping = {
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'],
      };
      if (p.hostIP) mapping.hostIP = p.hostIP;
      out.push(mapping);
    }
  }
  return out;
}
