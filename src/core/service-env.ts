/**
 * @module The Service variables the kubelet gives every container (getServiceEnvVarMap and
 * envvars.FromServices): `KUBERNETES_SERVICE_HOST/PORT` and friends for the `kubernetes`
 * Service of the default namespace always, and with enableServiceLinks (the default) the same
 * set for every Service of the pod's namespace (`<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`,
 * `<NAME>_SERVICE_PORT_<PORTNAME>`, the Docker-link style `<NAME>_PORT_<port>_<PROTO>...`).
 * Headless and ExternalName Services have none. Pure.
 */
import type { Pod, Service } from './types.js';

const MASTER_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

const envName = (svc: string): string => svc.toUpperCase().replace(/-/g, '_');
const hasClusterIP = (s: Service): boolean => !!s.spec?.clusterIP && s.spec.clusterIP !== 'None';

/** The Services whose variables a pod gets. */
export function servicesForEnv(pod: Pod, services: readonly Service[]): Service[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const byName = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata?.name ?? '';
    if (s.metadata?.namespace === MASTER_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (s.metadata?.namespace === ns && links) {
      byName.set(name, s);
    }
  }
  return [...byName.values()];
}

/** envvars.FromServices, sorted by name. */
export function serviceEnvironment(pod: Pod, services: readonly Service[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  const add = (name: string, value: string): void => void out.push({ name, value });
  for (const s of servicesForEnv(pod, services)) {
    const name = envName(s.metadata!.name!);
    const host = s.spec!.clusterIP!;
    const ports = s.spec?.ports ?? [];
    add(`${name}_SERVICE_HOST`, host);
    if (ports.length > 0) add(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) add(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    ports.forEach((p, i) => {
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${protocol}://${host.includes(':') ? `[${host}]` : host}:${p.port}`;
      const prefix = `${name}_PORT_${p.port}_${protocol.toUpperCase()}`;
      if (i === 0) add(`${name}_PORT`, url);
      add(prefix, url);
      add(`${prefix}_PROTO`, protocol);
      add(`${prefix}_PORT`, String(p.port));
      add(`${prefix}_ADDR`, host);
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
