import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../core/types.js';
import { ClusterZone, type ZoneAnswer } from './cluster-zone.js';
import { addressOfReverseName, expandIpv6, reverseName } from './dns-names.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });
const slice = (ns: string, service: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = []): EndpointSlice => ({
  metadata: { namespace: ns, name: `${service}-abc`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

const zone = new ClusterZone({
  clusterDomain: 'cluster.local',
  serial: 1700000000,
  services: [
    svc('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9000 }] }),
    svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    svc('default', 'ext', { type: 'ExternalName', externalName: 'example.com.' }),
    svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    svc('other', 'v6', { clusterIPs: ['fd00::20'], ports: [{ port: 80 }] }),
  ],
  endpointSlices: [
    slice(
      'default',
      'db',
      [
        { addresses: ['10.90.0.7'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.90.0.8'], conditions: {} },
        { addresses: ['10.90.0.9'], hostname: 'db-2', conditions: { ready: false } },
      ],
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    ),
    // Slices of ClusterIP Services never show up as addresses of the Service name.
    slice('default', 'web', [{ addresses: ['10.90.0.3'] }]),
  ],
});

const answerData = (a: ZoneAnswer): unknown[] => {
  assert.equal(a.kind, 'answer', JSON.stringify(a));
  return a.kind === 'answer' ? a.answers.flatMap((rr) => rr.records.map((r) => r.data)) : [];
};

test('a ClusterIP Service answers A with its ClusterIP, case-insensitively, with or without the trailing dot', () => {
  assert.deepEqual(answerData(zone.lookup('web.default.svc.cluster.local', 'A')), ['10.96.0.20']);
  const mixed = zone.lookup('WEB.Default.svc.cluster.local.', 'A');
  assert.equal(mixed.kind === 'answer' && mixed.answers[0].name, 'WEB.Default.svc.cluster.local.', 'the owner name echoes the question');
  assert.deepEqual(zone.lookup('web.default.svc.cluster.local', 'AAAA'), { kind: 'nodata' });
});

test('an IPv6 ClusterIP answers AAAA', () => {
  assert.deepEqual(answerData(zone.lookup('v6.other.svc.cluster.local', 'AAAA')), ['fd00::20']);
  assert.deepEqual(zone.lookup('v6.other.svc.cluster.local', 'A'), { kind: 'nodata' });
});

test('a headless Service answers with its ready endpoints, each also under its hostname or dashed address', () => {
  assert.deepEqual((answerData(zone.lookup('db.default.svc.cluster.local', 'A')) as string[]).sort(), ['10.90.0.7', '10.90.0.8']);
  assert.deepEqual(answerData(zone.lookup('db-0.db.default.svc.cluster.local', 'A')), ['10.90.0.7']);
  assert.deepEqual(answerData(zone.lookup('10-90-0-8.db.default.svc.cluster.local', 'A')), ['10.90.0.8']);
  assert.deepEqual(zone.lookup('db-2.db.default.svc.cluster.local', 'A'), { kind: 'nxdomain' }, 'a not-ready endpoint has no record');
});

test('SRV for named ports: the Service name as target for a ClusterIP, each endpoint for a headless Service', () => {
  assert.deepEqual(answerData(zone.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV')), [
    { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
  ]);
  const db = zone.lookup('_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.deepEqual(
    (answerData(db) as Array<{ target: string; weight: number }>).map((s) => [s.target, s.weight]).sort(),
    [
      ['10-90-0-8.db.default.svc.cluster.local', 50],
      ['db-0.db.default.svc.cluster.local', 50],
    ],
  );
  assert.ok(db.kind === 'answer' && db.additionals.some((a) => a.name === 'db-0.db.default.svc.cluster.local' && a.type === 'A'), 'targets come with their A records');
  assert.deepEqual(zone.lookup('_http._udp.web.default.svc.cluster.local', 'SRV'), { kind: 'nxdomain' });
});

test('PTR for ClusterIPs and headless endpoints; other reverse names fall through to the upstreams', () => {
  assert.deepEqual(answerData(zone.lookup('20.0.96.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
  assert.deepEqual(answerData(zone.lookup('7.0.90.10.in-addr.arpa.', 'PTR')), ['db-0.db.default.svc.cluster.local']);
  assert.deepEqual(answerData(zone.lookup(reverseName('fd00::20')!, 'PTR')), ['v6.other.svc.cluster.local']);
  assert.deepEqual(zone.lookup('1.1.168.192.in-addr.arpa', 'PTR'), { kind: 'outside' });
});

test('ExternalName: a CNAME, chased inside the zone, handed back to be resolved outside it', () => {
  const ext = zone.lookup('ext.default.svc.cluster.local', 'A');
  assert.equal(ext.kind, 'cname');
  assert.equal(ext.kind === 'cname' && ext.target, 'example.com');
  assert.deepEqual(answerData(zone.lookup('alias.default.svc.cluster.local', 'A')), ['web.default.svc.cluster.local', '10.96.0.20']);
  assert.deepEqual(answerData(zone.lookup('ext.default.svc.cluster.local', 'CNAME')), ['example.com']);
});

test('negative answers: names under existing names are NODATA, unknown ones NXDOMAIN, outside names forwarded', () => {
  assert.deepEqual(zone.lookup('default.svc.cluster.local', 'A'), { kind: 'nodata' }, 'an empty non-terminal exists');
  assert.deepEqual(zone.lookup('svc.cluster.local', 'A'), { kind: 'nodata' });
  assert.deepEqual(zone.lookup('nope.default.svc.cluster.local', 'A'), { kind: 'nxdomain' });
  assert.deepEqual(zone.lookup('web.default.svc.cluster.local.default.svc.cluster.local', 'A'), { kind: 'nxdomain' }, 'search-path expansions end fast');
  assert.deepEqual(zone.lookup('example.com', 'A'), { kind: 'outside' });
  assert.deepEqual(zone.lookup('notcluster.local', 'A'), { kind: 'outside' });
  assert.deepEqual(answerData(zone.lookup('cluster.local', 'SOA'))[0], zone.soa);
});

test('pod A records: <dashed-ip>.<ns>.pod.<domain>', () => {
  assert.deepEqual(answerData(zone.lookup('10-90-0-42.default.pod.cluster.local', 'A')), ['10.90.0.42']);
  assert.deepEqual(zone.lookup('10-90-0-999.default.pod.cluster.local', 'A'), { kind: 'nxdomain' });
});

test('reverse names and IPv6 expansion', () => {
  assert.equal(reverseName('10.96.0.1'), '1.0.96.10.in-addr.arpa');
  assert.equal(addressOfReverseName('1.0.96.10.in-addr.arpa.'), '10.96.0.1');
  assert.deepEqual(expandIpv6('fd00::1'), ['fd00', '0000', '0000', '0000', '0000', '0000', '0000', '0001']);
  assert.deepEqual(expandIpv6('::ffff:1.2.3.4')?.slice(-2), ['0102', '0304']);
  assert.equal(expandIpv6('1::2::3'), undefined);
  assert.equal(addressOfReverseName(reverseName('fd00::1')!), 'fd00:0000:0000:0000:0000:0000:0000:0001');
});
