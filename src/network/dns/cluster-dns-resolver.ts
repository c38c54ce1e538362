/**
 * @module The cluster DNS server's protocol logic, behind its sockets: one query packet in, one
 * reply packet out. Names of the cluster zone are answered authoritatively from the ClusterZone
 * (NXDOMAIN/NODATA with the zone's SOA, so negative answers carry their TTL); everything else is
 * forwarded to the host's upstream resolvers through the DnsUpstream port, with CoreDNS's cache in
 * front and identical questions in flight sharing one upstream exchange. Zone and cache answers
 * are synchronous (no promise, no I/O). Nothing a client sends can throw out of here: garbage is
 * dropped or answered FORMERR, and a flood of forwards is capped (SERVFAIL beyond the cap).
 */
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { Clock, DnsTransport, DnsUpstream } from '../../core/ports.js';
import type { Logger } from '../../core/logger.js';
import { CLUSTER_TTL_SECONDS, type ClusterZone, type ZoneRRs } from './cluster-zone.js';
import { DnsCache, cacheKey } from './dns-cache.js';

const QR = 1 << 15;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RA = 1 << 7;
const AD = 1 << 5;
const CD = 1 << 4;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODE;

/** What we advertise and accept in EDNS: the DNS flag day 2020 recommendation. */
const EDNS_UDP_SIZE = 1232;
const PLAIN_UDP_SIZE = 512;
const TCP_MAX = 65_535;

export interface ClusterDnsStats {
  queries: number;
  fromZone: number;
  fromCache: number;
  forwarded: number;
  malformed: number;
  upstreamFailures: number;
  overloaded: number;
}

export interface ClusterDnsResolverDeps {
  upstream: DnsUpstream;
  clock: Clock;
  logger?: Logger;
  /** Upstream exchanges in flight at most; queries beyond get SERVFAIL at once. Default 1024. */
  maxInFlight?: number;
  cache?: DnsCache;
}

interface Query {
  id: number;
  flags: number;
  question: Question;
  /** The client's EDNS OPT record, if any. */
  opt?: { udpPayloadSize: number; flag_do: boolean };
  transport: DnsTransport;
}

export class ClusterDnsResolver {
  readonly stats: ClusterDnsStats = { queries: 0, fromZone: 0, fromCache: 0, forwarded: 0, malformed: 0, upstreamFailures: 0, overloaded: 0 };
  private zone: ClusterZone | undefined;
  private readonly cache: DnsCache;
  private readonly inFlight = new Map<string, Promise<DecodedPacket | undefined>>();
  private readonly maxInFlight: number;

  constructor(private readonly deps: ClusterDnsResolverDeps) {
    this.cache = deps.cache ?? new DnsCache(deps.clock);
    this.maxInFlight = deps.maxInFlight ?? 1024;
  }

  /** The zone answers come from from now on (rebuilt by the caller on every Service change). */
  setZone(zone: ClusterZone): void {
    this.zone = zone;
  }

  /**
   * The reply to one query packet: a Buffer when the zone or the cache answers (synchronously), a
   * promise when it is forwarded, undefined when the packet deserves no answer (too short to
   * carry an ID, or itself a response).
   */
  handle(packet: Buffer, transport: DnsTransport): Buffer | Promise<Buffer> | undefined {
    if (packet.length < 12 || (packet.readUInt16BE(2) & QR) !== 0) {
      this.stats.malformed++;
      return undefined;
    }
    this.stats.queries++;
    // A query has one question, no answers or authorities, at most the EDNS OPT record; anything
    // else is refused before dns-packet sees it (its decode allocates per claimed record: a
    // 12-byte header claiming 65535 of each costs it milliseconds).
    if (packet.readUInt16BE(4) !== 1 || packet.readUInt16BE(6) !== 0 || packet.readUInt16BE(8) !== 0 || packet.readUInt16BE(10) > 1) {
      this.stats.malformed++;
      return headerOnlyReply(packet, RCODE.FORMERR);
    }
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(packet);
    } catch {
      this.stats.malformed++;
      return headerOnlyReply(packet, RCODE.FORMERR);
    }
    const opcode = (packet.readUInt16BE(2) >> 11) & 0xf;
    if (opcode !== 0) return headerOnlyReply(packet, RCODE.NOTIMP);
    const questions = decoded.questions ?? [];
    if (questions.length !== 1) return headerOnlyReply(packet, RCODE.FORMERR);
    const opt = (decoded.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize: number; flag_do: boolean } | undefined;
    const query: Query = { id: decoded.id ?? 0, flags: decoded.flags ?? 0, question: questions[0], transport, ...(opt ? { opt } : {}) };
    const q = query.question;
    if ((q.class ?? 'IN') !== 'IN' || q.type === 'AXFR' || q.type === 'IXFR') return this.reply(query, 'REFUSED', { authoritative: false });

    const zone = this.zone;
    const found = zone ? zone.lookup(q.name, q.type) : ({ kind: 'outside' } as const);
    switch (found.kind) {
      case 'answer':
        this.stats.fromZone++;
        return this.reply(query, 'NOERROR', { answers: toAnswers(found.answers), additionals: toAnswers(found.additionals) });
      case 'nodata':
        this.stats.fromZone++;
        return this.reply(query, 'NOERROR', { authorities: [this.soaAnswer(zone!)] });
      case 'nxdomain':
        this.stats.fromZone++;
        return this.reply(query, 'NXDOMAIN', { authorities: [this.soaAnswer(zone!)] });
      case 'cname': {
        // An ExternalName: the CNAME, followed by the target's records from the upstreams.
        this.stats.fromZone++;
        const cname = toAnswers(found.answers);
        return this.forward(query, { name: found.target, type: q.type, class: 'IN' }, cname);
      }
      case 'outside':
        return this.forward(query, q, []);
    }
  }

  private soaAnswer(zone: ClusterZone): Answer {
    return { name: zone.domain, type: 'SOA', ttl: CLUSTER_TTL_SECONDS, class: 'IN', data: zone.soa };
  }

  /** From the cache when it has the answer (synchronously), else from the upstreams. */
  private forward(query: Query, asked: Question, prefix: Answer[]): Buffer | Promise<Buffer> {
    const dnssec = query.opt?.flag_do === true;
    const key = `${cacheKey(asked.name, asked.type)}${dnssec ? '|do' : ''}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.fromCache++;
      return this.reply(query, hit.rcode as Rcode, { answers: [...prefix, ...hit.answers], authorities: hit.authorities, authoritative: false });
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      if (this.inFlight.size >= this.maxInFlight) {
        this.stats.overloaded++;
        return this.reply(query, 'SERVFAIL', { authoritative: false });
      }
      this.stats.forwarded++;
      pending = this.exchange(query, asked, key, dnssec);
      this.inFlight.set(key, pending);
      void pending.finally(() => this.inFlight.delete(key));
    }
    return pending.then((upstream) => {
      if (!upstream) return this.reply(query, 'SERVFAIL', { authoritative: false });
      const rcode = ((upstream as { rcode?: string }).rcode ?? 'NOERROR') as Rcode;
      return this.reply(query, rcode in RCODE ? rcode : 'SERVFAIL', {
        answers: [...prefix, ...(upstream.answers ?? [])],
        authorities: upstream.authorities ?? [],
        additionals: (upstream.additionals ?? []).filter((a) => a.type !== 'OPT'),
        authoritative: false,
        truncated: upstream.flag_tc,
        extraFlags: upstream.flags! & AD,
      });
    });
  }

  /** One upstream exchange; undefined (SERVFAIL) when it fails or the reply does not match. */
  private async exchange(query: Query, asked: Question, key: string, dnssec: boolean): Promise<DecodedPacket | undefined> {
    const out = dnsPacket.encode({
      type: 'query',
      id: 0,
      flags: RD | (query.flags & CD),
      questions: [{ name: asked.name, type: asked.type, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, flags: dnssec ? dnsPacket.DNSSEC_OK : 0 } as unknown as Answer],
    });
    try {
      const raw = await this.deps.upstream.exchange(out, query.transport);
      const reply = dnsPacket.decode(raw);
      const rq = reply.questions?.[0];
      if (!rq || rq.name.toLowerCase() !== asked.name.toLowerCase().replace(/\.$/, '') || rq.type !== asked.type) throw new Error('reply for another question');
      this.cache.put(key, reply);
      return reply;
    } catch (err) {
      this.stats.upstreamFailures++;
      this.deps.logger?.debug('cluster DNS: upstream failed', { name: asked.name, type: asked.type, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  private reply(
    query: Query,
    rcode: Rcode,
    parts: { answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[]; authoritative?: boolean; truncated?: boolean; extraFlags?: number },
  ): Buffer {
    const flags = (parts.authoritative === false ? 0 : AA) | (query.flags & (RD | CD)) | RA | (parts.truncated ? TC : 0) | (parts.extraFlags ?? 0) | RCODE[rcode];
    const opt = query.opt ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, flags: 0 } as unknown as Answer] : [];
    const packet: Packet = {
      type: 'response',
      id: query.id,
      flags,
      questions: [query.question],
      answers: parts.answers ?? [],
      authorities: parts.authorities ?? [],
      additionals: [...(parts.additionals ?? []), ...opt],
    };
    const limit = query.transport === 'tcp' ? TCP_MAX : query.opt ? Math.min(Math.max(query.opt.udpPayloadSize, PLAIN_UDP_SIZE), EDNS_UDP_SIZE) : PLAIN_UDP_SIZE;
    let buf = encodeSafely(packet);
    if (!buf || buf.length > limit) {
      // Too big for this transport: the header says so and the client asks again over TCP.
      buf = encodeSafely({ ...packet, flags: flags | TC, answers: [], authorities: [], additionals: opt }) ?? headerOnlyReplyFor(query.id, flags, RCODE.SERVFAIL);
    }
    return buf;
  }
}

function toAnswers(rrs: readonly ZoneRRs[]): Answer[] {
  const out: Answer[] = [];
  for (const rr of rrs) for (const r of rr.records) out.push({ name: rr.name, type: r.type, ttl: CLUSTER_TTL_SECONDS, class: 'IN', data: r.data } as Answer);
  return out;
}

function encodeSafely(packet: Packet): Buffer | undefined {
  try {
    return dnsPacket.encode(packet);
  } catch {
    return undefined;
  }
}

/** A reply of only the header (ID, opcode and RD kept), for queries that cannot be parsed. */
function headerOnlyReply(query: Buffer, rcode: number): Buffer {
  const flags = query.readUInt16BE(2);
  return headerOnlyReplyFor(query.readUInt16BE(0), (flags & ((0xf << 11) | RD | CD)) | RA, rcode);
}

function headerOnlyReplyFor(id: number, flags: number, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE((QR | (flags & ~0xf & 0x7fff) | rcode) & 0xffff, 2);
  return out;
}
