import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from './types.js';
import { podDnsConfig, podHostname, podHostsFile, podResolvConf, podUtsHostname } from './pod-files.js';

const pod = (spec: Partial<PodSpec> = {}, name = 'web-0', namespace = 'default'): Pod => ({
  metadata: { name, namespace, uid: 'u1' },
  spec: { containers: [{ name: 'c' }], ...spec },
});

const header =
  '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('hostname', () => {
  test('pod name, spec.hostname, truncation to 63 without trailing - or .', () => {
    assert.equal(podHostname(pod()), 'web-0');
    assert.equal(podHostname(pod({ hostname: 'web' })), 'web');
    const long = `${'a'.repeat(61)}-.bbbb`;
    assert.equal(podHostname(pod({}, long)), 'a'.repeat(61));
  });
  test('hostNetwork takes the node hostname', () => {
    assert.equal(podHostname(pod({ hostNetwork: true, hostname: 'x' }), { nodeHostname: 'vm' }), 'vm');
  });
  test('setHostnameAsFQDN names the UTS namespace with the FQDN; over 64 characters fails', () => {
    assert.equal(podUtsHostname(pod({ hostname: 'web', subdomain: 'sub' })), 'web');
    assert.equal(podUtsHostname(pod({ hostname: 'web', subdomain: 'sub', setHostnameAsFQDN: true })), 'web.sub.default.svc.cluster.local');
    assert.equal(podUtsHostname(pod({ hostname: 'web', setHostnameAsFQDN: true })), 'web');
    assert.equal(podUtsHostname(pod({ hostname: 'h'.repeat(34), subdomain: 'sub', setHostnameAsFQDN: true })).length, 64);
    assert.throws(
      () => podUtsHostname(pod({ hostname: 'h'.repeat(40), subdomain: 'sub', setHostnameAsFQDN: true })),
      /FQDN h+\.sub\.default\.svc\.cluster\.local is too long \(64 characters is the max, 70 characters requested\)/,
    );
  });
});

describe('/etc/hosts', () => {
  test('§14.42: hostname, subdomain and hostAliases', () => {
    const p = pod({ hostname: 'web', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }] });
    assert.equal(
      podHostsFile(p, '10.91.0.5'),
      `${header}10.91.0.5\tweb.sub.default.svc.cluster.local\tweb\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n`,
    );
  });
  test('no subdomain, several IPs, no aliases, no IP yet', () => {
    assert.equal(podHostsFile(pod(), ['10.91.0.5', 'fd00::5']), `${header}10.91.0.5\tweb-0\nfd00::5\tweb-0\n`);
    assert.equal(podHostsFile(pod(), undefined), header);
  });
  test('hostNetwork: the node file under its own header, then the aliases', () => {
    const p = pod({ hostNetwork: true, hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo'] }] });
    assert.equal(
      podHostsFile(p, '192.168.1.2', { nodeHosts: '127.0.0.1 localhost\n192.168.1.2 vm' }),
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.2 vm\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\n',
    );
  });
});

describe('/etc/resolv.conf', () => {
  const node = '# generated\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nsearch corp.example. lab\noptions edns0 ndots:1\n';

  test('§14.43 ClusterFirst with a cluster DNS: cluster search first, node search after, ndots:5', () => {
    assert.equal(
      podResolvConf(pod({}, 'p', 'team'), node, { clusterDNS: ['10.96.0.10'] }),
      'search team.svc.cluster.local svc.cluster.local cluster.local corp.example lab\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });
  test('ClusterFirstWithHostNet uses the cluster DNS even on the host network', () => {
    const p = pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'p', 'team');
    assert.match(podResolvConf(p, node, { clusterDNS: ['10.96.0.10'] }), /^search team\.svc\.cluster\.local .*\nnameserver 10\.96\.0\.10\noptions ndots:5\n$/);
  });
  test('ClusterFirst without a cluster DNS falls back to Default with MissingClusterDNS', () => {
    const r = podDnsConfig(pod({}, 'p'), node);
    assert.deepEqual([r.nameservers, r.searches, r.options], [['10.255.255.53'], ['corp.example', 'lab'], ['edns0', 'ndots:1']]);
    assert.deepEqual(r.warnings, [
      {
        reason: 'MissingClusterDNS',
        message: 'pod: "p_default(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
      },
    ]);
  });
  test('Default and ClusterFirst+hostNetwork: the node file; loopback kept only on the host network', () => {
    assert.equal(podResolvConf(pod({ dnsPolicy: 'Default' }), node, { clusterDNS: ['10.96.0.10'] }), 'search corp.example lab\nnameserver 10.255.255.53\noptions edns0 ndots:1\n');
    const r = podDnsConfig(pod({ hostNetwork: true }), node, { clusterDNS: ['10.96.0.10'] });
    assert.deepEqual(r.nameservers, ['10.255.255.53', '127.0.0.53']);
    assert.deepEqual(r.warnings, []);
  });
  test('§14.43 None + dnsConfig: exactly those', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }] } });
    assert.equal(podResolvConf(p, node), 'search a.b\nnameserver 1.1.1.1\noptions ndots:2\n');
  });
  test('dnsConfig merges: duplicates removed, options by name with the pod value winning', () => {
    const p = pod({
      dnsPolicy: 'Default',
      dnsConfig: { nameservers: ['10.255.255.53', '9.9.9.9'], searches: ['lab', 'x.y'], options: [{ name: 'ndots', value: '3' }, { name: 'rotate' }] },
    });
    assert.equal(podResolvConf(p, node), 'search corp.example lab x.y\nnameserver 10.255.255.53\nnameserver 9.9.9.9\noptions edns0 ndots:3 rotate\n');
  });
  test('limits: 3 nameservers, 32 searches, 253 per domain, 2048 per line, each with DNSConfigForming', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`) } });
    const r = podDnsConfig(p, '');
    assert.deepEqual(r.nameservers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.equal(r.searches.length, 32);
    assert.deepEqual(
      r.warnings.map((w) => w.reason),
      ['DNSConfigForming', 'DNSConfigForming'],
    );
    assert.equal(r.warnings[0]!.message, 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3');
    const long = 'x'.repeat(254);
    const wide = Array.from({ length: 10 }, (_, i) => `${'y'.repeat(240)}${i}.z`);
    const q = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['ok', long, ...wide] } }), '');
    assert.ok(!q.searches.includes(long));
    assert.ok(q.searches.join(' ').length <= 2048);
    assert.equal(q.searches[0], 'ok');
    assert.equal(q.searches.length, 1 + 8);
  });
});
