import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceRuleWriter } from '../../core/ports.js';
import { silentLogger } from '../../core/logger.js';
import type { EndpointSlice, Service } from '../../core/types.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { ServiceProxy } from './service-proxy.js';
import { computeServiceRules, type ProxyConfig, type ServiceRulesMemo } from './service-rules.js';

const cfg: ProxyConfig = { table: 'peapod', bridge: 'peapod0', podCidr: '10.90.0.0/16', serviceCidr: '10.96.0.0/16', nodeName: 'n' };

class FakeRules implements ServiceRuleWriter {
  scripts: string[] = [];
  failNext = false;
  hold: (() => void) | undefined;
  async apply(script: string): Promise<void> {
    if (this.hold === undefined && this.holdNext) await new Promise<void>((r) => (this.hold = r));
    this.holdNext = false;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('nft: No such file or directory');
    }
    this.scripts.push(script);
  }
  holdNext = false;
  async remove(): Promise<void> {}
}

const svc = (name: string, ip: string, rv = '1'): Service => ({ metadata: { namespace: 'default', name, uid: `u-${name}`, resourceVersion: rv }, spec: { clusterIP: ip, ports: [{ port: 80 }] } });
const slice = (service: string, ips: string[], rv = '1'): EndpointSlice => ({
  metadata: { namespace: 'default', name: `${service}-x`, uid: `s-${service}`, resourceVersion: rv, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip] })),
  ports: [{ port: 8080 }],
});
const settle = () => new Promise((r) => setImmediate(r));

test('first sync is full, later ones partial; nothing is written when nothing changed', async () => {
  const clock = new FakeClock();
  const rules = new FakeRules();
  const proxy = new ServiceProxy({ config: cfg, rules, clock, logger: silentLogger });
  proxy.update([svc('web', '10.96.0.20')], [slice('web', ['10.90.0.5'])]);
  clock.advance(0);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'full');
  assert.match(rules.scripts[0], /^add table ip peapod\ndelete table ip peapod\n/);
  proxy.update([svc('web', '10.96.0.20')], [slice('web', ['10.90.0.5', '10.90.0.6'], '2')]);
  clock.advance(0);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'partial');
  assert.doesNotMatch(rules.scripts[1], /table/);
  proxy.update([svc('web', '10.96.0.20')], [slice('web', ['10.90.0.5', '10.90.0.6'], '2')]);
  clock.advance(0);
  await proxy.whenSynced();
  assert.equal(proxy.lastSync?.kind, 'none');
  assert.equal(rules.scripts.length, 2);
});

test('updates during a sync are folded into one next sync, none lost', async () => {
  const clock = new FakeClock();
  const rules = new FakeRules();
  const proxy = new ServiceProxy({ config: cfg, rules, clock, logger: silentLogger });
  rules.holdNext = true;
  proxy.update([svc('a', '10.96.0.1')], []);
  clock.advance(0);
  await settle();
  assert.ok(rules.hold, 'the first sync is in the writer');
  proxy.update([svc('a', '10.96.0.1'), svc('b', '10.96.0.2')], []);
  proxy.update([svc('a', '10.96.0.1'), svc('b', '10.96.0.2'), svc('c', '10.96.0.3')], []);
  const synced = proxy.whenSynced();
  rules.hold!();
  await settle();
  clock.advance(0);
  await synced;
  assert.equal(rules.scripts.length, 2, 'one sync for both later updates');
  assert.match(rules.scripts[1], /10\.96\.0\.2 \. tcp \. 80 : goto reject-chain/);
  assert.match(rules.scripts[1], /10\.96\.0\.3 \. tcp \. 80 : goto reject-chain/);
});

test('a failed sync is retried after the retry delay, as a full one', async () => {
  const clock = new FakeClock();
  const rules = new FakeRules();
  const proxy = new ServiceProxy({ config: cfg, rules, clock, logger: silentLogger, retryMs: 1000 });
  proxy.update([svc('web', '10.96.0.20')], []);
  clock.advance(0);
  await proxy.whenSynced();
  proxy.update([svc('web', '10.96.0.20')], [slice('web', ['10.90.0.5'])]);
  rules.failNext = true;
  clock.advance(0);
  await proxy.whenSynced();
  assert.equal(rules.scripts.length, 1, 'the failed partial sync wrote nothing');
  clock.advance(999);
  await settle();
  assert.equal(rules.scripts.length, 1);
  clock.advance(1);
  await settle();
  await proxy.whenSynced();
  assert.equal(rules.scripts.length, 2);
  assert.match(rules.scripts[1], /^add table ip peapod\ndelete table ip peapod/, 'what the kernel holds is unknown: the whole table again');
});

test('the hourly full resync rewrites the table', async () => {
  const clock = new FakeClock();
  const rules = new FakeRules();
  const proxy = new ServiceProxy({ config: cfg, rules, clock, logger: silentLogger, fullResyncMs: 3_600_000 });
  proxy.start();
  proxy.update([svc('web', '10.96.0.20')], []);
  clock.advance(0);
  await proxy.whenSynced();
  clock.advance(3_600_000);
  await settle();
  await proxy.whenSynced();
  assert.equal(rules.scripts.length, 2);
  assert.match(rules.scripts[1], /^add table ip peapod/);
  await proxy.stop();
});

test('the memo recomputes only the Services whose objects changed', () => {
  const memo: ServiceRulesMemo = new Map();
  const a = svc('a', '10.96.0.1');
  const b = svc('b', '10.96.0.2');
  computeServiceRules(cfg, [a, b], [slice('a', ['10.90.0.5']), slice('b', ['10.90.0.6'])], memo);
  const partA = memo.get('default/a')!.part;
  const partB = memo.get('default/b')!.part;
  const m = computeServiceRules(cfg, [a, b], [slice('a', ['10.90.0.5']), slice('b', ['10.90.0.7'], '2')], memo);
  assert.equal(memo.get('default/a')!.part, partA, 'a kept');
  assert.notEqual(memo.get('default/b')!.part, partB, 'b recomputed');
  assert.ok([...m.chains.values()].flat().some((r) => r.includes('10.90.0.7:8080')));
  computeServiceRules(cfg, [a], [slice('a', ['10.90.0.5'])], memo);
  assert.deepEqual([...memo.keys()], ['default/a'], 'deleted Services leave the memo');
});
