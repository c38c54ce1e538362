import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrContains,
  cniArgs,
  firstHost,
  legacyConfList,
  legacyFirewallPlugin,
  podAddress,
  podConfList,
  podPlugins,
  pluginStdin,
  pluginsToDelete,
  runtimeConfigFor,
} from './cni-config.js';

const cfg = { networkName: 'peapod', bridge: 'peapod0', podCidr: '10.90.0.0/16', ipamDir: '/run/peapod/cni/ipam' };
const list = podConfList(cfg);

test('the main chain is bridge (host-local, first address as gateway), portmap; no per-pod firewall or ipMasq', () => {
  assert.deepEqual(list.plugins.map((p) => p.type), ['bridge', 'portmap']);
  const bridge = list.plugins[0] as Record<string, any>;
  assert.equal(bridge.bridge, 'peapod0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, false, "the network's own masquerade chain replaces the per-pod one");
  assert.equal(bridge.hairpinMode, true);
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: '10.90.0.0/16', gateway: '10.90.0.1' }]]);
  assert.equal(bridge.ipam.dataDir, '/run/peapod/cni/ipam');
  assert.deepEqual(legacyFirewallPlugin(), { type: 'firewall', backend: 'iptables' });
});

test('runtimeConfig reaches only plugins whose capabilities ask for it; capabilities are dropped', () => {
  const rc = runtimeConfigFor([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  const prev = { cniVersion: '1.0.0', ips: [{ address: '10.90.0.2/16' }] };
  const bridge = pluginStdin(list, list.plugins[0], rc, undefined);
  const portmap = pluginStdin(list, list.plugins[1], rc, prev);
  assert.equal(bridge.runtimeConfig, undefined);
  assert.equal(bridge.prevResult, undefined);
  assert.equal(bridge.name, 'peapod');
  assert.equal(bridge.cniVersion, '1.0.0');
  assert.deepEqual(portmap.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.equal(portmap.capabilities, undefined);
  assert.deepEqual(portmap.prevResult, prev);
  assert.equal(pluginStdin(list, list.plugins[1], {}, prev).runtimeConfig, undefined);
});

test('CNI_ARGS carries the Kubernetes pod identity', () => {
  assert.equal(
    cniArgs({ namespace: 'ns', podName: 'web', sandboxId: 'abc', podUid: 'u-1' }),
    'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1',
  );
});

test('podAddress picks the sandbox interface address', () => {
  const result = {
    interfaces: [{ name: 'peapod0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/x' }],
    ips: [{ interface: 2, address: '10.90.0.7/16', gateway: '10.90.0.1' }],
  };
  assert.deepEqual(podAddress(result), { ip: '10.90.0.7', gateway: '10.90.0.1' });
  assert.equal(podAddress({}), undefined);
});

test('IPv4 CIDR arithmetic', () => {
  assert.equal(firstHost('10.93.4.0/22'), '10.93.4.1');
  assert.equal(firstHost('10.93.4.77/22'), '10.93.4.1');
  assert.ok(cidrContains('10.93.0.0/16', '10.93.255.254'));
  assert.ok(!cidrContains('10.93.0.0/16', '10.94.0.1'));
  assert.ok(cidrContains('10.93.0.0/24', '10.93.0.2/32'));
});

test('the legacy chain differs from the current one only by the bridge plugin\'s ipMasq', () => {
  const legacy = legacyConfList(cfg);
  assert.equal(legacy.name, list.name);
  assert.deepEqual(legacy.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal(legacy.plugins[0].ipMasq, true);
  assert.deepEqual({ ...legacy.plugins[0], ipMasq: false }, list.plugins[0]);
  assert.deepEqual(legacy.plugins[1], list.plugins[1]);
});

test('a pod without port mappings runs no portmap; one with them runs it after bridge', () => {
  assert.deepEqual(podPlugins(list, runtimeConfigFor([])).map((p) => p.type), ['bridge']);
  const rc = runtimeConfigFor([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(podPlugins(list, rc).map((p) => p.type), ['bridge', 'portmap']);
  assert.deepEqual(podPlugins(list, { portMappings: [] }).map((p) => p.type), ['bridge']);
});

test('DEL replays what the state records; earlier peapods\' states get their whole chain', () => {
  const types = (ps: ReturnType<typeof pluginsToDelete>) => ps.map((p) => `${p.type}${p.ipMasq === true ? '+masq' : ''}`);
  const args = 'IgnoreUnknown=1';
  // This peapod: only the plugins ADD ran, bridge without ipMasq.
  assert.deepEqual(types(pluginsToDelete(cfg, { cniArgs: args, forward: 'network', plugins: ['bridge'] })), ['bridge']);
  assert.deepEqual(types(pluginsToDelete(cfg, { cniArgs: args, forward: 'network', plugins: ['bridge', 'portmap'] })), ['bridge', 'portmap']);
  assert.deepEqual(pluginsToDelete(cfg, { cniArgs: args, plugins: ['bridge'] })[0], list.plugins[0]);
  // Only the netns was made (no ADD began), by this peapod or an earlier one: nothing to undo.
  assert.deepEqual(pluginsToDelete(cfg, { forward: 'network', plugins: [] }), []);
  assert.deepEqual(pluginsToDelete(cfg, { forward: 'network' }), []);
  assert.deepEqual(pluginsToDelete(cfg, {}), []);
  // The peapod with the network FORWARD chain but per-pod ipMasq and portmap always.
  assert.deepEqual(types(pluginsToDelete(cfg, { cniArgs: args, forward: 'network' })), ['bridge+masq', 'portmap']);
  // Before that, the firewall plugin ran last too.
  assert.deepEqual(types(pluginsToDelete(cfg, { cniArgs: args })), ['bridge+masq', 'portmap', 'firewall']);
  assert.deepEqual(pluginsToDelete(cfg, { cniArgs: args })[2], legacyFirewallPlugin());
  // No state, only a netns: undo either kind (the firewall rules go by the sweep by address).
  assert.deepEqual(types(pluginsToDelete(cfg, undefined)), ['bridge+masq', 'portmap']);
});
