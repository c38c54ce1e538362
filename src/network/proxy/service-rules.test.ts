import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../core/types.js';
import { computeServiceRules, MAPS, usableEndpoints, type ProxyConfig } from './service-rules.js';
import { fullSyncScript, needsFullSync, partialSyncScript } from './nft-script.js';

const cfg: ProxyConfig = { table: 'peapod-abc123', bridge: 'pp0', podCidr: '10.90.0.0/16', serviceCidr: '10.96.0.0/16', nodeName: 'node1' };

const svc = (name: string, spec: Service['spec']): Service => ({ metadata: { namespace: 'default', name }, spec: { clusterIP: '10.96.0.20', ...spec } });
type Ep = NonNullable<EndpointSlice['endpoints']>[number];
const ep = (ip: string, conditions: Ep['conditions'] = { ready: true }, nodeName = 'node1'): Ep => ({ addresses: [ip], conditions, nodeName });
const slice = (service: string, endpoints: Ep[], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice => ({
  metadata: { namespace: 'default', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const web = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
const chainOf = (verdict: string | undefined): string => verdict!.replace(/^goto /, '');

test('a ClusterIP with two ready endpoints: one map element, one random DNAT over both; not-ready endpoints left out', () => {
  const m = computeServiceRules(cfg, [web], [slice('web', [ep('10.90.0.5'), ep('10.90.0.6'), ep('10.90.0.7', { ready: false })])]);
  const verdict = m.maps.get(MAPS.serviceIps)!.get('10.96.0.20 . tcp . 80');
  assert.match(verdict!, /^goto service-[A-Z2-7]{8}-default\/web\/tcp\/http$/);
  const rules = m.chains.get(chainOf(verdict))!;
  assert.equal(rules[0], 'ip daddr 10.96.0.20 meta l4proto tcp th dport 80 ip saddr != 10.90.0.0/16 jump mark-for-masquerade', 'the host is masqueraded');
  assert.equal(rules[1], 'meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.90.0.5 . 8080, 1 : 10.90.0.6 . 8080 }', 'to the named targetPort');
  assert.equal(m.chains.size, 1, 'no chain per endpoint without affinity');
  assert.deepEqual([...m.hairpin].sort(), ['10.90.0.5 . 10.90.0.5', '10.90.0.6 . 10.90.0.6'], 'an endpoint reaching itself is masqueraded');
  assert.ok(![...m.chains.values()].flat().some((r) => r.includes('10.90.0.7')));
  assert.deepEqual([...m.clusterIps], ['10.96.0.20']);
});

test('no usable endpoint: rejected through the no-endpoint map, never in service-ips', () => {
  const m = computeServiceRules(cfg, [web], [slice('web', [ep('10.90.0.5', { ready: false })])]);
  assert.equal(m.maps.get(MAPS.serviceIps)!.size, 0);
  assert.equal(m.maps.get(MAPS.noEndpointServices)!.get('10.96.0.20 . tcp . 80'), 'goto reject-chain');
  assert.equal(m.chains.size, 0);
});

test('serving-and-terminating endpoints are used only when none is ready', () => {
  const port = web.spec!.ports![0];
  const terminating = ep('10.90.0.8', { ready: false, serving: true, terminating: true });
  assert.deepEqual(usableEndpoints(port, [slice('web', [terminating])], 'node1').map((e) => e.ip), ['10.90.0.8']);
  assert.deepEqual(usableEndpoints(port, [slice('web', [terminating, ep('10.90.0.9')])], 'node1').map((e) => e.ip), ['10.90.0.9']);
  assert.deepEqual(usableEndpoints(port, [slice('web', [ep('10.90.0.10', { ready: false, serving: false, terminating: true })])], 'node1'), []);
  assert.deepEqual(usableEndpoints(port, [slice('web', [ep('10.90.0.11', {})])], 'node1').map((e) => e.ip), ['10.90.0.11'], 'ready unset means ready');
});

test('headless and ExternalName Services get no rules; ports map by name and protocol, UDP and SCTP included', () => {
  const dns = svc('dns', {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'sig', port: 7000, protocol: 'SCTP' },
    ],
  });
  const m = computeServiceRules(
    cfg,
    [svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }), svc('ext', { type: 'ExternalName', externalName: 'x.example', clusterIP: undefined }), dns],
    [
      slice('headless', [ep('10.90.0.5')], [{ port: 80 }]),
      slice('dns', [ep('10.90.0.1')], [
        { name: 'dns', port: 5353, protocol: 'UDP' },
        { name: 'dns-tcp', port: 5354, protocol: 'TCP' },
        { name: 'sig', port: 7001, protocol: 'SCTP' },
      ]),
    ],
  );
  assert.deepEqual([...m.maps.get(MAPS.serviceIps)!.keys()].sort(), ['10.96.0.10 . sctp . 7000', '10.96.0.10 . tcp . 53', '10.96.0.10 . udp . 53']);
  const dnats = [...m.chains.values()].flat().filter((r) => r.includes('dnat'));
  assert.deepEqual(dnats.sort(), ['meta l4proto sctp dnat to 10.90.0.1:7001', 'meta l4proto tcp dnat to 10.90.0.1:5354', 'meta l4proto udp dnat to 10.90.0.1:5353']);
});

test('NodePort with externalTrafficPolicy Cluster: masqueraded, then the cluster chain', () => {
  const np = svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
  const m = computeServiceRules(cfg, [np], [slice('np', [ep('10.90.0.5')])]);
  const ext = chainOf(m.maps.get(MAPS.serviceNodeports)!.get('tcp . 30080'));
  assert.match(ext, /^external-/);
  assert.deepEqual(m.chains.get(ext), ['jump mark-for-masquerade', `goto ${chainOf(m.maps.get(MAPS.serviceIps)!.get('10.96.0.20 . tcp . 80'))}`]);
});

test('externalTrafficPolicy Local: outside sources keep their address and reach only this node\'s endpoints; none here: drop', () => {
  const np = svc('np', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30081 }] });
  const m = computeServiceRules(cfg, [np], [slice('np', [ep('10.90.0.5'), ep('10.90.0.6', { ready: true }, 'other-node')])]);
  const ext = m.chains.get(chainOf(m.maps.get(MAPS.serviceNodeports)!.get('tcp . 30081')))!;
  assert.equal(ext.length, 4);
  assert.match(ext[0], /^ip saddr 10\.90\.0\.0\/16 goto service-/);
  assert.equal(ext[1], 'fib saddr type local jump mark-for-masquerade');
  assert.match(ext[3], /^goto local-/);
  const local = m.chains.get(ext[3].slice(5))!;
  assert.equal(local.length, 1);
  assert.deepEqual(local, ['meta l4proto tcp dnat to 10.90.0.5:8080']);
  const none = computeServiceRules(cfg, [np], [slice('np', [ep('10.90.0.6', { ready: true }, 'other-node')])]);
  assert.equal(none.maps.get(MAPS.noEndpointNodeports)!.get('tcp . 30081'), 'drop');
});

test('internalTrafficPolicy Local: the ClusterIP leads to local endpoints only, and drops without one', () => {
  const s = svc('itp', { internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80 }] });
  const m = computeServiceRules(cfg, [s], [slice('itp', [ep('10.90.0.5'), ep('10.90.0.6', { ready: true }, 'other-node')])]);
  const target = chainOf(m.maps.get(MAPS.serviceIps)!.get('10.96.0.20 . tcp . 80'));
  assert.match(target, /^local-/);
  assert.deepEqual(m.chains.get(target), ['meta l4proto tcp dnat to 10.90.0.5:8080']);
  const none = computeServiceRules(cfg, [s], [slice('itp', [ep('10.90.0.6', { ready: true }, 'other-node')])]);
  assert.equal(none.maps.get(MAPS.noEndpointServices)!.get('10.96.0.20 . tcp . 80'), 'drop');
});

test('sessionAffinity ClientIP: a timed set per endpoint, checked before the random pick, refreshed on the way through', () => {
  const s = svc('sticky', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ name: 'http', port: 80 }] });
  const m = computeServiceRules(cfg, [s], [slice('sticky', [ep('10.90.0.5'), ep('10.90.0.6')])]);
  assert.deepEqual([...m.affinitySets.values()], [600, 600]);
  const svcRules = m.chains.get(chainOf(m.maps.get(MAPS.serviceIps)!.get('10.96.0.20 . tcp . 80')))!;
  assert.match(svcRules[1], /^ip saddr @affinity-\S+__10\.90\.0\.5\/8080 goto endpoint-\S+__10\.90\.0\.5\/8080$/);
  assert.match(svcRules[3], /^numgen random mod 2/);
  const epRules = [...m.chains].find(([n]) => n.startsWith('endpoint-') && n.endsWith('10.90.0.6/8080'))![1];
  assert.match(epRules[0], /^update @affinity-\S+ \{ ip saddr \}$/);
  assert.equal(epRules[1], 'meta l4proto tcp dnat to 10.90.0.6:8080');
  const longer = computeServiceRules(cfg, [{ ...s, spec: { ...s.spec, sessionAffinityConfig: { clientIP: { timeoutSeconds: 900 } } } }], [slice('sticky', [ep('10.90.0.5'), ep('10.90.0.6')])]);
  assert.ok(needsFullSync(m, longer), 'a new timeout needs the sets remade');
});

test('the full script replaces the table in one transaction; the partial one touches only the Service that changed', () => {
  const other = svc('other', { clusterIP: '10.96.0.30', ports: [{ name: 'http', port: 80 }] });
  const slices = [slice('web', [ep('10.90.0.5'), ep('10.90.0.6')]), slice('other', [ep('10.90.0.9')])];
  const before = computeServiceRules(cfg, [web, other], slices);
  const full = fullSyncScript(cfg, before);
  assert.match(full, /^add table ip peapod-abc123\ndelete table ip peapod-abc123\ntable ip peapod-abc123 \{/);
  assert.match(full, /iifname "pp0" jump services/);
  const elements = full.split('\n').filter((l) => l.startsWith('add element ip peapod-abc123 service-ips {'));
  assert.equal(elements.length, 1);
  assert.match(elements[0], /10\.96\.0\.30 \. tcp \. 80 : goto service-\S+, 10\.96\.0\.20 \. tcp \. 80 : goto service-\S+ \}$/);
  assert.equal(partialSyncScript(cfg, before, computeServiceRules(cfg, [web, other], slices)), undefined, 'nothing changed, nothing to do');

  // web loses an endpoint: its service chain is rewritten and the endpoint leaves the hairpin set; nothing of "other" moves.
  const after = computeServiceRules(cfg, [web, other], [slice('web', [ep('10.90.0.5')]), slices[1]]);
  const partial = partialSyncScript(cfg, before, after)!;
  assert.ok(!partial.includes('other'), partial);
  const lines = partial.trim().split('\n');
  assert.match(lines[0], /^flush chain ip peapod-abc123 service-\S+-default\/web\/tcp\/http$/);
  assert.equal(lines[lines.length - 1], 'delete element ip peapod-abc123 hairpin-endpoints { 10.90.0.6 . 10.90.0.6 }');
  assert.equal(lines.length, 4, partial);

  // other goes away: its map element and ClusterIP go before its chains.
  const gone = partialSyncScript(cfg, before, computeServiceRules(cfg, [web], [slices[0]]))!.trim().split('\n');
  const elem = gone.findIndex((l) => l.startsWith('delete element ip peapod-abc123 service-ips { 10.96.0.30 . tcp . 80 }'));
  const chain = gone.findIndex((l) => l.startsWith('delete chain') && l.includes('default/other'));
  assert.ok(elem >= 0 && chain > elem, gone.join('\n'));
  assert.ok(gone.includes('delete element ip peapod-abc123 cluster-ips { 10.96.0.30 }'));
});

test('cost per Service stays flat: 1,000 Services make one element each in one map, in statements of 1,000', () => {
  const services = Array.from({ length: 1000 }, (_, i) => svc(`s${i}`, { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80 }] }));
  const slices = services.map((s, i) => slice(s.metadata!.name!, [ep(`10.90.${i >> 7}.${(i & 127) * 2}`), ep(`10.90.${i >> 7}.${(i & 127) * 2 + 1}`)]));
  const m = computeServiceRules(cfg, services, slices);
  assert.equal(m.maps.get(MAPS.serviceIps)!.size, 1000);
  assert.equal(m.chains.size, 1000);
  const script = fullSyncScript(cfg, m);
  assert.equal(script.split('\n').filter((l) => l.startsWith('add element ip peapod-abc123 service-ips')).length, 1);
});
