import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import type { DnsTransport, DnsUpstream } from '../../core/ports.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { ClusterZone } from './cluster-zone.js';
import { ClusterDnsResolver } from './cluster-dns-resolver.js';

const zone = new ClusterZone({
  clusterDomain: 'cluster.local',
  serial: 1,
  services: [
    { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] } },
    { metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } },
  ],
  endpointSlices: [],
});

/** An upstream that answers from a table, counting its exchanges; `hold` keeps replies until released. */
class FakeUpstream implements DnsUpstream {
  calls: Array<{ name: string; type: string; transport: DnsTransport }> = [];
  held: Array<() => void> = [];
  hold = false;
  constructor(private readonly answer: (name: string, type: string) => Packet | Error) {}
  async exchange(query: Buffer, transport: DnsTransport): Promise<Buffer> {
    const q = dnsPacket.decode(query).questions![0];
    this.calls.push({ name: q.name, type: q.type, transport });
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    const a = this.answer(q.name, q.type);
    if (a instanceof Error) throw a;
    return dnsPacket.encode({ ...a, type: 'response', id: 4242, questions: [q] });
  }
}

const query = (name: string, type: string, opts: { id?: number; edns?: number } = {}): Buffer =>
  dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: 'IN' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns } as unknown as Answer] : [],
  });

const decode = (b: Buffer | Promise<Buffer> | undefined) => dnsPacket.decode(b as Buffer) as ReturnType<typeof dnsPacket.decode> & { rcode: string };

function setup(answer: (name: string, type: string) => Packet | Error = () => ({ answers: [] })) {
  const clock = new FakeClock();
  const upstream = new FakeUpstream(answer);
  const resolver = new ClusterDnsResolver({ upstream, clock });
  resolver.setZone(zone);
  return { clock, upstream, resolver };
}

test('cluster names are answered synchronously and authoritatively, with the query ID and the question echoed', () => {
  const { resolver, upstream } = setup();
  const out = resolver.handle(query('web.default.svc.cluster.local', 'A', { id: 99 }), 'udp');
  assert.ok(Buffer.isBuffer(out), 'no promise for a zone answer');
  const r = decode(out);
  assert.equal(r.id, 99);
  assert.equal(r.flag_aa, true);
  assert.equal(r.flag_rd, true);
  assert.equal(r.rcode, 'NOERROR');
  assert.deepEqual(r.answers?.map((a) => [a.name, a.type, (a as { data: unknown }).data, (a as { ttl: number }).ttl]), [['web.default.svc.cluster.local', 'A', '10.96.0.20', 5]]);
  assert.equal(upstream.calls.length, 0);
});

test('NXDOMAIN and NODATA carry the zone SOA, whose minimum is the negative TTL', () => {
  const { resolver } = setup();
  const nx = decode(resolver.handle(query('nope.default.svc.cluster.local', 'A'), 'udp') as Buffer);
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.authorities?.[0].type, 'SOA');
  assert.equal((nx.authorities?.[0] as { data: { minimum: number } }).data.minimum, 5);
  const nodata = decode(resolver.handle(query('web.default.svc.cluster.local', 'AAAA'), 'udp') as Buffer);
  assert.equal(nodata.rcode, 'NOERROR');
  assert.equal(nodata.answers?.length, 0);
  assert.equal(nodata.authorities?.[0].type, 'SOA');
});

test('other names are forwarded, then answered from the cache with counted-down TTLs until they expire', async () => {
  const { resolver, upstream, clock } = setup(() => ({ answers: [{ name: 'example.org', type: 'A', ttl: 20, data: '192.0.2.1' }] }));
  const first = decode(await resolver.handle(query('example.org', 'A', { id: 1 }), 'udp'));
  assert.equal(first.id, 1);
  assert.equal(first.flag_aa, false);
  assert.deepEqual(first.answers?.map((a) => (a as { data: string }).data), ['192.0.2.1']);
  clock.advance(5_000);
  const cached = resolver.handle(query('EXAMPLE.org', 'A', { id: 2 }), 'udp');
  assert.ok(Buffer.isBuffer(cached), 'a cache hit is synchronous');
  assert.equal((decode(cached).answers?.[0] as { ttl: number }).ttl, 15);
  assert.equal(decode(cached).id, 2);
  assert.equal(upstream.calls.length, 1);
  clock.advance(15_000);
  await resolver.handle(query('example.org', 'A'), 'udp');
  assert.equal(upstream.calls.length, 2, 'asked again once the TTL ran out');
});

test('TTLs above 30 s are cached for 30 s (CoreDNS cache 30); negative upstream answers for the SOA minimum', async () => {
  const { resolver, upstream, clock } = setup((name) =>
    name === 'big.example'
      ? { answers: [{ name, type: 'A', ttl: 3600, data: '192.0.2.2' }] }
      : { flags: 3, authorities: [{ name: 'example', type: 'SOA', ttl: 60, data: { mname: 'ns', rname: 'h', minimum: 10 } }] },
  );
  await resolver.handle(query('big.example', 'A'), 'udp');
  const nx = decode(await resolver.handle(query('missing.example', 'A'), 'udp'));
  assert.equal(nx.rcode, 'NXDOMAIN');
  clock.advance(9_000);
  assert.ok(Buffer.isBuffer(resolver.handle(query('missing.example', 'A'), 'udp')));
  clock.advance(1_000);
  await resolver.handle(query('missing.example', 'A'), 'udp');
  clock.advance(20_000);
  await resolver.handle(query('big.example', 'A'), 'udp');
  assert.deepEqual(upstream.calls.map((c) => c.name), ['big.example', 'missing.example', 'missing.example', 'big.example']);
});

test('identical questions in flight share one upstream exchange; a failing upstream gives SERVFAIL, not cached', async () => {
  let fail = true;
  const { resolver, upstream } = setup(() => (fail ? new Error('timeout') : { answers: [{ name: 'x.example', type: 'A', ttl: 30, data: '192.0.2.3' }] }));
  upstream.hold = true;
  const a = resolver.handle(query('x.example', 'A', { id: 1 }), 'udp');
  const b = resolver.handle(query('x.example', 'A', { id: 2 }), 'udp');
  await new Promise((r) => setImmediate(r));
  assert.equal(upstream.calls.length, 1);
  for (const release of upstream.held) release();
  upstream.hold = false;
  const [ra, rb] = [decode(await a), decode(await b)];
  assert.deepEqual([ra.id, ra.rcode, rb.id, rb.rcode], [1, 'SERVFAIL', 2, 'SERVFAIL']);
  fail = false;
  assert.equal(decode(await resolver.handle(query('x.example', 'A'), 'udp')).rcode, 'NOERROR');
  assert.equal(upstream.calls.length, 2);
});

test('an ExternalName answers its CNAME followed by the target resolved upstream', async () => {
  const { resolver, upstream } = setup((name) => ({ answers: [{ name, type: 'A', ttl: 30, data: '192.0.2.9' }] }));
  const r = decode(await resolver.handle(query('ext.default.svc.cluster.local', 'A'), 'udp'));
  assert.deepEqual(
    r.answers?.map((a) => [a.name, a.type, (a as { data: string }).data]),
    [
      ['ext.default.svc.cluster.local', 'CNAME', 'example.com'],
      ['example.com', 'A', '192.0.2.9'],
    ],
  );
  assert.deepEqual(upstream.calls, [{ name: 'example.com', type: 'A', transport: 'udp' }]);
});

test('a TCP query is forwarded over TCP; an answer too big for UDP comes back truncated', async () => {
  const many = Array.from({ length: 30 }, (_, i) => ({ name: 'many.example', type: 'A' as const, ttl: 30, data: `192.0.2.${i}` }));
  const { resolver, upstream } = setup(() => ({ answers: many }));
  const udp = decode(await resolver.handle(query('many.example', 'A'), 'udp'));
  assert.equal(udp.flag_tc, true);
  assert.equal(udp.answers?.length, 0);
  const edns = decode(resolver.handle(query('many.example', 'A', { edns: 4096 }), 'udp') as Buffer);
  assert.equal(edns.flag_tc, false, "30 A records fit in 1232 bytes");
  const tcp = decode(resolver.handle(query('many.example', 'A'), 'tcp') as Buffer);
  assert.equal(tcp.answers?.length, 30);
  assert.equal(upstream.calls[0].transport, 'udp');
});

test('garbage never throws: short packets and responses are dropped, unparsable ones get FORMERR, other opcodes NOTIMP', () => {
  const { resolver } = setup();
  assert.equal(resolver.handle(Buffer.from([1, 2, 3]), 'udp'), undefined);
  const response = query('web.default.svc.cluster.local', 'A');
  response[2] |= 0x80;
  assert.equal(resolver.handle(response, 'udp'), undefined, 'a response is never answered (no reflection loops)');
  const cut = query('web.default.svc.cluster.local', 'A').subarray(0, 20);
  assert.equal(decode(resolver.handle(cut, 'udp')).rcode, 'FORMERR');
  const notify = query('web.default.svc.cluster.local', 'A');
  notify[2] = (notify[2] & 0x87) | (4 << 3);
  assert.equal(decode(resolver.handle(notify, 'udp')).rcode, 'NOTIMP');
  const claims = Buffer.from([0, 9, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0x61]);
  const r = decode(resolver.handle(claims, 'udp'));
  assert.deepEqual([r.id, r.rcode], [9, 'FORMERR'], 'a header claiming 65535 records of each section is refused from the header');
  for (let i = 0; i < 2000; i++) {
    const junk = Buffer.from(Array.from({ length: 12 + (i % 80) }, (_, j) => (i * 31 + j * 17) & 0xff));
    junk[2] &= 0x7f;
    resolver.handle(junk, 'udp');
  }
  assert.ok(resolver.stats.malformed > 0);
});

test('beyond the in-flight cap, new forwards get SERVFAIL at once', async () => {
  const clock = new FakeClock();
  const upstream = new FakeUpstream(() => ({ answers: [] }));
  upstream.hold = true;
  const resolver = new ClusterDnsResolver({ upstream, clock, maxInFlight: 2 });
  resolver.setZone(zone);
  void resolver.handle(query('a.example', 'A'), 'udp');
  void resolver.handle(query('b.example', 'A'), 'udp');
  const third = resolver.handle(query('c.example', 'A'), 'udp');
  assert.ok(Buffer.isBuffer(third));
  assert.equal(decode(third).rcode, 'SERVFAIL');
  assert.equal(resolver.stats.overloaded, 1);
  for (const release of upstream.held) release();
});
