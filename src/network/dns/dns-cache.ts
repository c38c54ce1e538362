/**
 * @module The cache of forwarded answers (CoreDNS's `cache 30` in the default Corefile): positive
 * answers for their smallest TTL, negative ones (NXDOMAIN, NODATA) for the SOA's minimum, both at
 * most 30 s; SERVFAIL, REFUSED and truncated replies are not kept. Hits come back with their TTLs
 * counted down. Bounded: the oldest entries go first when it is full. Pure, on the given clock.
 */
import type { Answer, DecodedPacket } from 'dns-packet';
import type { Clock } from '../../core/ports.js';

export interface DnsCacheOptions {
  maxEntries?: number;
  maxTtlSeconds?: number;
}

interface Entry {
  storedAt: number;
  ttlSeconds: number;
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
}

export interface CachedReply {
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
}

export function cacheKey(name: string, type: string, klass = 'IN'): string {
  return `${name.toLowerCase().replace(/\.$/, '')}|${type}|${klass}`;
}

const ttlOf = (a: Answer): number => ('ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0);

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxTtlSeconds: number;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    opts: DnsCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxTtlSeconds = opts.maxTtlSeconds ?? 30;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keeps an upstream reply if it is cacheable; returns whether it did. */
  put(key: string, reply: DecodedPacket): boolean {
    const rcode = (reply as { rcode?: string }).rcode ?? 'NOERROR';
    if (reply.flag_tc || (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN')) return false;
    const answers = (reply.answers ?? []).filter((a) => a.type !== 'OPT');
    const authorities = (reply.authorities ?? []).filter((a) => a.type !== 'OPT');
    let ttl: number;
    if (rcode === 'NOERROR' && answers.length > 0) {
      ttl = Math.min(...answers.map(ttlOf));
    } else {
      // RFC 2308: a negative answer lives for min(SOA TTL, SOA minimum); without a SOA, not at all.
      const soa = authorities.find((a) => a.type === 'SOA');
      if (!soa || soa.type !== 'SOA') return false;
      ttl = Math.min(ttlOf(soa), soa.data.minimum ?? 0);
    }
    ttl = Math.min(ttl, this.maxTtlSeconds);
    if (!(ttl > 0)) return false;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { storedAt: this.clock.now(), ttlSeconds: ttl, rcode, answers, authorities });
    return true;
  }

  /** The reply with TTLs lowered by the time it spent here, or undefined once it expired. */
  get(key: string): CachedReply | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const age = Math.floor((this.clock.now() - e.storedAt) / 1000);
    if (age >= e.ttlSeconds) {
      this.entries.delete(key);
      return undefined;
    }
    const age1 = (a: Answer): Answer => ('ttl' in a ? ({ ...a, ttl: Math.max(0, Math.min(ttlOf(a), e.ttlSeconds) - age) } as Answer) : a);
    return { rcode: e.rcode, answers: e.answers.map(age1), authorities: e.authorities.map(age1) };
  }
}
