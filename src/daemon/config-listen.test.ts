import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListen, parseNodeFlags, UsageError } from './config.js';

test('--listen parses HOST:PORT, [v6]:PORT and none; defaults to 127.0.0.1:6443', () => {
  assert.deepEqual(parseListen(undefined), { host: '127.0.0.1', port: 6443 });
  assert.deepEqual(parseListen('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  assert.deepEqual(parseListen('[::1]:7443'), { host: '::1', port: 7443 });
  assert.deepEqual(parseListen('localhost:1'), { host: 'localhost', port: 1 });
  assert.equal(parseListen('none'), undefined);
  for (const bad of ['6443', '127.0.0.1', '127.0.0.1:70000', ':6443', '::1:6443', 'a b:1']) {
    assert.throws(() => parseListen(bad), UsageError, bad);
  }
  assert.deepEqual(parseNodeFlags(['--listen', '127.0.0.1:0']).listen, { host: '127.0.0.1', port: 0 });
  assert.throws(() => parseNodeFlags(['--listen', 'nope']), UsageError);
});

test('--service-cidr, --cluster-domain and --dns-upstream: defaults, and bad values refused naming the flag', () => {
  assert.deepEqual(parseNodeFlags([]).services, { serviceCidr: '10.96.0.0/16', clusterDomain: 'cluster.local' });
  assert.deepEqual(parseNodeFlags(['--service-cidr', '10.100.0.0/24', '--cluster-domain', 'corp.local.', '--dns-upstream', '127.0.0.1:5353']).services, {
    serviceCidr: '10.100.0.0/24',
    clusterDomain: 'corp.local',
    dnsUpstream: '127.0.0.1:5353',
  });
  assert.throws(() => parseNodeFlags(['--service-cidr', '10.96.0.0/8']), /--service-cidr 10\.96\.0\.0\/8/);
  assert.throws(() => parseNodeFlags(['--service-cidr', 'nope']), UsageError);
  assert.throws(() => parseNodeFlags(['--cluster-domain', 'Bad_Domain']), /--cluster-domain/);
  assert.throws(() => parseNodeFlags(['--dns-upstream', 'dns.example']), /--dns-upstream dns\.example: .*want IP/);
});
