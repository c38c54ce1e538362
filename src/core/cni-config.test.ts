import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, cniArgs, firstHost, legacyFirewallPlugin, podAddress, podConfList, pluginStdin, runtimeConfigFor } from './cni-config.js';

const list = podConfList({ networkName: 'peapod', bridge: 'peapod0', podCidr: '10.90.0.0/16', ipamDir: '/run/peapod/cni/ipam' });

test('the main chain is bridge (host-local, first address as gateway), portmap; no per-pod firewall', () => {
  assert.deepEqual(list.plugins.map((p) => p.type), ['bridge', 'portmap']);
  const bridge = list.plugins[0] as Record<string, any>;
  assert.equal(bridge.bridge, 'peapod0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
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
