// The DNS sockets and the forwarder on loopback, with a local fake upstream (nothing leaves the machine).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { silentLogger } from '../../core/logger.js';
import { systemClock } from '../system/system-clock.js';
import { ClusterZone } from '../../network/dns/cluster-zone.js';
import { ClusterDnsResolver } from '../../network/dns/cluster-dns-resolver.js';
import { listenDns } from './dns-server.js';
import { DnsForwarder, questionSection } from './dns-forwarder.js';
import { parseUpstreamList, upstreamServers } from './host-resolvers.js';

type Reply = DecodedPacket & { rcode: string };

/** A fake upstream on 127.0.0.1: answers A 192.0.2.<n> over UDP and TCP, n counting its queries. */
async function fakeUpstream() {
  let n = 0;
  const answer = (msg: Buffer): Buffer => {
    const q = dnsPacket.decode(msg);
    n++;
    return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ name: q.questions![0].name, type: 'A', ttl: 60, data: `192.0.2.${n}` }] });
  };
  const udp = createSocket('udp4');
  udp.on('message', (msg, r) => udp.send(answer(msg), r.port, r.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  const tcp = createServer((c) =>
    c.on('data', (d: Buffer) => {
      const reply = answer(d.subarray(2));
      const len = Buffer.alloc(2);
      len.writeUInt16BE(reply.length);
      c.end(Buffer.concat([len, reply]));
    }),
  );
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  return { port, count: () => n, close: () => (udp.close(), tcp.close()) };
}

const upstream = await fakeUpstream();
const forwarder = new DnsForwarder({ servers: [{ host: '127.0.0.1', port: upstream.port }], timeoutMs: 500 });
const resolver = new ClusterDnsResolver({ upstream: forwarder, clock: systemClock });
resolver.setZone(
  new ClusterZone({
    clusterDomain: 'cluster.local',
    serial: 1,
    services: [{ metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20' } }],
    endpointSlices: [],
  }),
);
const server = await listenDns({ host: '127.0.0.1', port: 0, handler: (q, t) => resolver.handle(q, t), logger: silentLogger });
after(async () => {
  await server.close();
  forwarder.close();
  upstream.close();
});

const client = createSocket('udp4');
await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
after(() => client.close());

function askUdp(name: string, id = 1): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UDP answer for ${name}`)), 3000);
    const onMessage = (msg: Buffer) => {
      const r = dnsPacket.decode(msg) as Reply;
      if (r.id !== id) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(r);
    };
    client.on('message', onMessage);
    client.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), server.port, '127.0.0.1');
  });
}

function askTcp(names: string[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(server.port, '127.0.0.1');
    const out: Reply[] = [];
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('connect', () => {
      // Pipelined, as RFC 7766 allows: both queries in one write.
      sock.write(Buffer.concat(names.map((name, i) => dnsPacket.streamEncode({ type: 'query', id: i + 1, questions: [{ name, type: 'A' }] }))));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Reply);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === names.length) {
        sock.end();
        resolve(out.sort((a, b) => a.id! - b.id!));
      }
    });
  });
}

const data = (r: Reply): string[] => (r.answers ?? []).map((a) => String((a as { data: unknown }).data));

test('UDP: cluster names from the zone, other names through the upstream and then the cache', async () => {
  assert.deepEqual(data(await askUdp('web.default.svc.cluster.local')), ['10.96.0.20']);
  const before = upstream.count();
  assert.deepEqual(data(await askUdp('example.org', 2)), [`192.0.2.${before + 1}`]);
  assert.deepEqual(data(await askUdp('example.org', 3)), [`192.0.2.${before + 1}`], 'the second answer is the cached one');
  assert.equal(upstream.count(), before + 1);
});

test('TCP: pipelined queries on one connection, forwarded over TCP', async () => {
  const [a, b] = await askTcp(['web.default.svc.cluster.local', 'tcp-only.example']);
  assert.deepEqual(data(a), ['10.96.0.20']);
  assert.equal(b.rcode, 'NOERROR');
  assert.equal(data(b).length, 1);
});

test('a flood of garbage and of queries does not stop the server', async () => {
  const flood = createSocket('udp4');
  await new Promise<void>((r) => flood.bind(0, '127.0.0.1', r));
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 3000; i++) {
    const junk = Buffer.from(Array.from({ length: 1 + (i % 300) }, (_, j) => (i * 7 + j * 13) & 0xff));
    const q = dnsPacket.encode({ type: 'query', id: i, questions: [{ name: `n${i % 50}.flood.example`, type: 'A' }] });
    sends.push(new Promise((r) => flood.send(i % 2 ? junk : q, server.port, '127.0.0.1', () => r())));
  }
  await Promise.all(sends);
  flood.close();
  // A half-open TCP connection sending a bogus length is cut; the server keeps serving.
  const bad = connect(server.port, '127.0.0.1');
  await new Promise((r) => bad.on('connect', r));
  bad.write(Buffer.from([0, 0, 1, 2]));
  await new Promise((r) => bad.on('close', r));
  assert.deepEqual(data(await askUdp('web.default.svc.cluster.local', 4242)), ['10.96.0.20']);
  assert.deepEqual(data((await askTcp(['web.default.svc.cluster.local']))[0]), ['10.96.0.20']);
});

test('a reply is taken only from the server asked, with the ID and the question sent', async () => {
  // An "upstream" that answers with the wrong question: the exchange times out rather than take it.
  const liar = createSocket('udp4');
  liar.on('message', (msg, r) => {
    const q = dnsPacket.decode(msg);
    liar.send(dnsPacket.encode({ type: 'response', id: q.id, questions: [{ name: 'evil.example', type: 'A' }], answers: [] }), r.port, r.address);
  });
  await new Promise<void>((r) => liar.bind(0, '127.0.0.1', r));
  const f = new DnsForwarder({ servers: [{ host: '127.0.0.1', port: liar.address().port }], timeoutMs: 200 });
  const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'good.example', type: 'A' }] });
  await assert.rejects(f.exchange(query, 'udp'), /no answer/);
  f.close();
  liar.close();
});

test('question sections compare case-insensitively; upstream lists parse', () => {
  const a = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'Example.ORG', type: 'A' }] });
  const b = dnsPacket.encode({ type: 'query', id: 2, questions: [{ name: 'example.org', type: 'A' }] });
  assert.ok(questionSection(a)!.equals(questionSection(b)!));
  assert.deepEqual(parseUpstreamList('127.0.0.1:5353, 10.0.0.2,[fd00::1]:53'), [
    { host: '127.0.0.1', port: 5353 },
    { host: '10.0.0.2', port: 53 },
    { host: 'fd00::1', port: 53 },
  ]);
  assert.throws(() => parseUpstreamList('dns.example'), /want IP/);
  assert.deepEqual(upstreamServers('nameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n'), [{ host: '10.0.0.2', port: 53 }]);
});
