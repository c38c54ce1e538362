/**
 * @module The cluster's DNS zone as kube-dns and CoreDNS's kubernetes plugin define it (the
 * Kubernetes DNS specification), built from Services and EndpointSlices: A/AAAA for
 * `<svc>.<ns>.svc.<domain>` (the ClusterIPs, or a headless Service's ready endpoint addresses),
 * `<hostname>.<svc>.<ns>.svc.<domain>` for endpoints with a hostname (StatefulSet pods) and
 * `<dashed-ip>.<svc>...` for the others, SRV for named ports, PTR for ClusterIPs and headless
 * endpoints, CNAME for ExternalName Services, and `<a-b-c-d>.<ns>.pod.<domain>` (CoreDNS's
 * "pods insecure"). Pure: built once per change, then looked up per query.
 */
import type { EndpointSlice, Service } from '../../core/types.js';
import { addressOfDashedLabel, dashedAddress, isInZone, isIpv4, normalizeName, reverseName } from './dns-names.js';

/** CoreDNS's kubernetes plugin default: records and negative answers live 5 s. */
export const CLUSTER_TTL_SECONDS = 5;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type ZoneRecordType = 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'SRV' | 'SOA' | 'NS';

export interface SrvTarget {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export type ZoneRecord =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; data: string }
  | { type: 'SRV'; data: SrvTarget }
  | { type: 'SOA'; data: SoaRecord };

export interface SoaRecord {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** The owner name (as asked), its records, and records for the additional section. */
export interface ZoneRRs {
  name: string;
  type: ZoneRecordType;
  records: ZoneRecord[];
}

export type ZoneAnswer =
  /** Records of the asked type (and, for SRV, the targets' addresses as additionals). */
  | { kind: 'answer'; answers: ZoneRRs[]; additionals: ZoneRRs[] }
  /** An ExternalName CNAME whose target is outside the zone: the caller resolves the target. */
  | { kind: 'cname'; answers: ZoneRRs[]; target: string }
  /** The name exists without records of that type: NOERROR with the SOA. */
  | { kind: 'nodata' }
  /** The name does not exist in the zone: NXDOMAIN with the SOA. */
  | { kind: 'nxdomain' }
  /** Not ours: forward it. */
  | { kind: 'outside' };

export interface ClusterZoneInput {
  clusterDomain: string;
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  /** SOA serial: changes with every rebuild (seconds since the epoch, as CoreDNS). */
  serial: number;
}

type RecordsByType = Map<ZoneRecordType, ZoneRecord[]>;

export class ClusterZone {
  readonly domain: string;
  readonly soa: SoaRecord;
  private readonly names = new Map<string, RecordsByType>();

  constructor(input: ClusterZoneInput) {
    this.domain = normalizeName(input.clusterDomain);
    this.soa = {
      mname: `ns.dns.${this.domain}`,
      rname: `hostmaster.${this.domain}`,
      serial: input.serial >>> 0,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: CLUSTER_TTL_SECONDS,
    };
    this.add(this.domain, { type: 'SOA', data: this.soa });
    this.add(this.domain, { type: 'NS', data: `ns.dns.${this.domain}` });
    const slicesByService = groupSlices(input.endpointSlices);
    for (const svc of input.services) this.addService(svc, slicesByService.get(serviceKey(svc.metadata?.namespace, svc.metadata?.name)) ?? []);
  }

  /** Number of owner names indexed (for logs and tests). */
  get size(): number {
    return this.names.size;
  }

  lookup(qname: string, qtype: string): ZoneAnswer {
    const name = normalizeName(qname);
    if (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa')) return this.lookupReverse(qname, name, qtype);
    if (!isInZone(name, this.domain)) return { kind: 'outside' };
    const pod = this.podRecord(name);
    const rrs = pod ?? this.names.get(name);
    if (!rrs) return { kind: 'nxdomain' };
    const cname = rrs.get('CNAME');
    if (cname && qtype !== 'CNAME') {
      const answers = [{ name: qname, type: 'CNAME' as const, records: cname }];
      const target = (cname[0].data as string).toLowerCase();
      if (!isInZone(target, this.domain)) return { kind: 'cname', answers, target };
      const inner = this.lookup(target, qtype);
      if (inner.kind === 'answer') return { kind: 'answer', answers: [...answers, ...inner.answers], additionals: inner.additionals };
      return inner.kind === 'nxdomain' || inner.kind === 'nodata' ? { kind: 'answer', answers, additionals: [] } : inner;
    }
    const types: ZoneRecordType[] = qtype === 'ANY' ? [...rrs.keys()] : rrs.has(qtype as ZoneRecordType) ? [qtype as ZoneRecordType] : [];
    if (types.length === 0) return { kind: 'nodata' };
    const answers = types.map((type) => ({ name: qname, type, records: rrs.get(type)! }));
    const additionals: ZoneRRs[] = [];
    for (const rr of answers) {
      if (rr.type !== 'SRV') continue;
      for (const srv of rr.records) {
        const target = (srv.data as SrvTarget).target;
        for (const t of ['A', 'AAAA'] as const) {
          const addrs = this.names.get(target)?.get(t);
          if (addrs && !additionals.some((a) => a.name === target && a.type === t)) additionals.push({ name: target, type: t, records: addrs });
        }
      }
    }
    return { kind: 'answer', answers, additionals };
  }

  /** PTRs we know; anything else under the reverse zones falls through to the upstreams (CoreDNS's `fallthrough in-addr.arpa ip6.arpa`). */
  private lookupReverse(qname: string, name: string, qtype: string): ZoneAnswer {
    const rrs = this.names.get(name);
    if (!rrs) return { kind: 'outside' };
    if (qtype !== 'PTR' && qtype !== 'ANY') return { kind: 'nodata' };
    return { kind: 'answer', answers: [{ name: qname, type: 'PTR', records: rrs.get('PTR')! }], additionals: [] };
  }

  /** `1-2-3-4.<ns>.pod.<domain>`: answered for any namespace and address, unverified (CoreDNS "pods insecure"). */
  private podRecord(name: string): RecordsByType | undefined {
    const labels = name.slice(0, -(this.domain.length + 1)).split('.');
    if (labels.length !== 3 || labels[2] !== 'pod') return undefined;
    const ip = addressOfDashedLabel(labels[0]);
    return ip ? new Map([['A', [{ type: 'A', data: ip }]]]) : undefined;
  }

  private add(owner: string, record: ZoneRecord): void {
    const name = normalizeName(owner);
    let rrs = this.names.get(name);
    if (!rrs) {
      rrs = new Map();
      this.names.set(name, rrs);
      // Every ancestor inside the zone exists (an empty non-terminal): NODATA there, not NXDOMAIN.
      for (let parent = name; parent !== this.domain && parent.includes('.'); ) {
        parent = parent.slice(parent.indexOf('.') + 1);
        if (!isInZone(parent, this.domain) || this.names.has(parent)) break;
        this.names.set(parent, new Map());
      }
    }
    const list = rrs.get(record.type);
    if (!list) rrs.set(record.type, [record]);
    else if (!list.some((r) => sameRecord(r, record))) list.push(record);
  }

  private addPtr(ip: string, target: string): void {
    const rev = reverseName(ip);
    if (rev) this.add(rev, { type: 'PTR', data: target });
  }

  private addService(svc: Service, slices: readonly EndpointSlice[]): void {
    const ns = svc.metadata?.namespace;
    const svcName = svc.metadata?.name;
    if (!ns || !svcName) return;
    const base = `${svcName}.${ns}.svc.${this.domain}`;
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      if (spec.externalName) this.add(base, { type: 'CNAME', data: normalizeName(spec.externalName) });
      return;
    }
    const clusterIPs = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    if (clusterIPs.length > 0 && clusterIPs[0] !== 'None') {
      for (const ip of clusterIPs) {
        this.add(base, { type: isIpv4(ip) ? 'A' : 'AAAA', data: ip });
        this.addPtr(ip, base);
      }
      for (const p of spec.ports ?? []) {
        const srv: ZoneRecord = { type: 'SRV', data: { priority: 0, weight: 100, port: p.port, target: base } };
        if (p.name) this.add(`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`, srv);
        this.add(base, srv);
      }
      return;
    }
    // Headless: the endpoints themselves, ready ones only (the controller marks every endpoint
    // ready when the Service publishes not-ready addresses).
    const srvs = new Map<string, SrvTarget[]>();
    for (const slice of slices) {
      if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) {
          const host = `${ep.hostname || dashedAddress(ip)}.${base}`;
          const rtype = isIpv4(ip) ? 'A' : 'AAAA';
          this.add(base, { type: rtype, data: ip });
          this.add(host, { type: rtype, data: ip });
          this.addPtr(ip, host);
          for (const p of slice.ports ?? []) {
            if (p.port === undefined) continue;
            const target = { priority: 0, weight: 0, port: p.port, target: host };
            const owners = [base, ...(p.name ? [`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`] : [])];
            for (const owner of owners) {
              const list = srvs.get(owner) ?? [];
              if (!list.some((t) => t.port === target.port && t.target === target.target)) list.push(target);
              srvs.set(owner, list);
            }
          }
        }
      }
    }
    // CoreDNS spreads the weight: 100 / number of targets.
    for (const [owner, list] of srvs) {
      const weight = Math.floor(100 / list.length);
      for (const t of list) this.add(owner, { type: 'SRV', data: { ...t, weight } });
    }
  }
}

const serviceKey = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

/** A Service's slices, found by their `kubernetes.io/service-name` label. */
export function groupSlices(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = serviceKey(s.metadata?.namespace, svc);
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

function sameRecord(a: ZoneRecord, b: ZoneRecord): boolean {
  if (a.type !== b.type) return false;
  if (typeof a.data === 'string' || typeof b.data === 'string') return a.data === b.data;
  return JSON.stringify(a.data) === JSON.stringify(b.data);
}
