/**
 * Root e2e for the Service rules against the real kernel: ServiceProxy's full and partial
 * transactions through adapters/nft are accepted by nft, the table then holds what the model
 * says, a refused transaction changes nothing, and the table is gone afterwards. Uses its own
 * table name and a TEST-NET service range no traffic goes to; removes the table even on failure.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NftRuleset, listTables } from '../../src/adapters/nft/nft-ruleset.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { EndpointSlice, Service } from '../../src/core/types.js';
import { ServiceProxy } from '../../src/network/proxy/service-proxy.js';
import type { ProxyConfig } from '../../src/network/proxy/service-rules.js';
import { requireRoot } from './helpers/test-daemon.js';

requireRoot();
const table = `peapod-t${randomBytes(3).toString('hex')}`;
const cfg: ProxyConfig = { table, bridge: `pt${randomBytes(3).toString('hex')}`, podCidr: '198.18.0.0/24', serviceCidr: '198.18.100.0/24', nodeName: 'test' };
const rules = new NftRuleset(table);
// systemClock's timers are unref'd (they never hold the daemon): hold the loop while tests wait on them.
const keepAlive = setInterval(() => undefined, 1000);
after(async () => {
  clearInterval(keepAlive);
  await rules.remove();
});

const listing = (): string => execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
const svc = (name: string, ip: string, extra: Service['spec'] = {}): Service => ({
  metadata: { namespace: 'default', name },
  spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...extra },
});
const slice = (service: string, ips: string[]): EndpointSlice => ({
  metadata: { namespace: 'default', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'test' })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

test('full, then partial syncs: the kernel takes them and holds what the model says', async () => {
  const proxy = new ServiceProxy({ config: cfg, rules, clock: systemClock, logger: silentLogger });
  const sticky = svc('sticky', '198.18.100.11', { sessionAffinity: 'ClientIP', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30999 }] });
  proxy.update([svc('web', '198.18.100.10'), sticky], [slice('web', ['198.18.0.5', '198.18.0.6']), slice('sticky', ['198.18.0.7'])]);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'full');
  let out = listing();
  assert.match(out, /198\.18\.100\.10 \. tcp \. 80 : goto service-\S+-default\/web\/tcp\/http/);
  assert.match(out, /tcp \. 30999 : goto external-/);
  assert.match(out, /198\.18\.0\.6 \. 8080/);
  assert.match(out, /set affinity-/);

  // One endpoint goes, a Service goes: a partial sync, and the kernel's table follows.
  proxy.update([svc('web', '198.18.100.10')], [slice('web', ['198.18.0.5'])]);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'partial');
  out = listing();
  assert.doesNotMatch(out, /198\.18\.0\.6/);
  assert.doesNotMatch(out, /sticky|affinity|30999/);
  assert.match(out, /dnat to 198\.18\.0\.5:8080/);
  await proxy.stop();
});

test('a transaction the kernel refuses changes nothing; the table is removed idempotently', async () => {
  const before = listing();
  await assert.rejects(rules.apply(`add element ip ${table} service-ips { 198.18.100.20 . tcp . 80 : goto no-such-chain }\n`), /nft -f failed/);
  assert.equal(listing(), before);
  await rules.remove();
  await rules.remove();
  assert.ok(!(await listTables()).includes(`ip ${table}`));
});

test('1,000 Services × 2 endpoints in one transaction, then one Service changed in a partial one', async () => {
  const proxy = new ServiceProxy({ config: { ...cfg, serviceCidr: '198.18.96.0/20', podCidr: '198.19.0.0/16' }, rules, clock: systemClock, logger: silentLogger });
  const services = Array.from({ length: 1000 }, (_, i) => svc(`s${i}`, `198.18.${96 + (i >> 8)}.${i & 255}`));
  const slices = services.map((s, i) => slice(s.metadata!.name!, [`198.19.${i >> 7}.${(i & 127) * 2}`, `198.19.${i >> 7}.${(i & 127) * 2 + 1}`]));
  proxy.update(services, slices);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'full');
  const changed = [...slices];
  changed[500] = slice('s500', ['198.19.3.232']);
  proxy.update(services, changed);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'partial');
  assert.match(listing(), /dnat to 198\.19\.3\.232:8080/);
  await proxy.stop();
});
