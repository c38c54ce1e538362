/**
 * @module The files the kubelet writes for every pod: /etc/hosts, /etc/resolv.conf and the
 * hostname, and the pod's host port mappings. Pure text from the spec.
 */
import type { Pod } from './types.js';
import type { PortMapping } from './ports.js';

/** The pod's hostname: spec.hostname, else the pod name cut to 63 characters. */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata!.name!;
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

/** The kubelet's managed hosts file (kubelet_pods.go managedHostsFileContent). */
export function podHostsFile(pod: Pod, podIP: string | undefined): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = podHostname(pod);
  if (podIP) {
    const sub = pod.spec?.subdomain;
    const fqdn = sub ? `${hostname}.${sub}.${pod.metadata!.namespace}.svc.cluster.local\t` : '';
    lines.push(`${podIP}\t${fqdn}${hostname}`);
  }
  for (const alias of pod.spec?.hostAliases ?? []) {
    if (alias.ip && alias.hostnames?.length) lines.push(`# Entries added by HostAliases.`, `${alias.ip}\t${alias.hostnames.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * resolv.conf for the pod. There is no cluster DNS on one machine, so ClusterFirst falls back to
 * the host's configuration, as the kubelet does when it has no cluster DNS; nameservers on
 * loopback are dropped because the pod's network namespace cannot reach them.
 */
export function podResolvConf(pod: Pod, hostResolvConf: string): string {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy !== 'None') {
    for (const raw of hostResolvConf.split('\n')) {
      const [key, ...rest] = raw.trim().split(/\s+/);
      if (key === 'nameserver' && rest[0] && !/^127\.|^::1$/.test(rest[0])) nameservers.push(rest[0]);
      else if (key === 'search') searches = rest;
      else if (key === 'options') options = rest;
    }
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    nameservers = [...nameservers, ...(cfg.nameservers ?? [])];
    searches = [...searches, ...(cfg.searches ?? [])];
    for (const o of cfg.options ?? []) {
      const entry = o.value !== undefined ? `${o.name}:${o.value}` : o.name ?? '';
      options = [...options.filter((x) => x.split(':')[0] !== o.name), entry];
    }
  }
  const out: string[] = [];
  if (searches.length) out.push(`search ${[...new Set(searches)].slice(0, 32).join(' ')}`);
  for (const ns of [...new Set(nameservers)].slice(0, 3)) out.push(`nameserver ${ns}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
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
