import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardChainName, masqueradeChainName } from '../../core/cni-iptables.js';
import { conmonMatches, iptablesChainsFor, iptablesLinesFor } from './host-leaks.js';

test('conmonMatches needs conmon as argv[0] and an argument inside the run dir', () => {
  const args = ['/usr/bin/conmon', '-c', 'abc', '--exit-dir', '/run/pp-1/exits', '-r', '/usr/sbin/runc'];
  assert.ok(conmonMatches(args, '/run/pp-1'));
  assert.ok(!conmonMatches(args, '/run/pp'), 'a run dir that is only a string prefix does not match');
  assert.ok(!conmonMatches(['/usr/bin/sleep', '/run/pp-1/exits'], '/run/pp-1'));
  assert.ok(!conmonMatches([], '/run/pp-1'));
});

test('iptablesLinesFor picks rules tagged with the exact network name', () => {
  const dump = [
    '*nat',
    ':CNI-abc - [0:0]',
    '-A POSTROUTING -s 10.91.0.5/32 -m comment --comment "name: \\"pp-1\\" id: \\"c1\\"" -j CNI-abc',
    '-A POSTROUTING -s 10.92.0.5/32 -m comment --comment "name: \\"pp-10\\" id: \\"c2\\"" -j CNI-def',
    '-A CNI-DN-xyz -m comment --comment "dnat name: \\"pp-1\\" id: \\"c1\\"" -j DNAT',
    'COMMIT',
  ].join('\n');
  const lines = iptablesLinesFor(dump, 'pp-1');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.includes('c1')));
});

test("the network's FORWARD chain and jump are found, another network's are not", () => {
  const ours = forwardChainName('pp-1');
  const theirs = forwardChainName('pp-10');
  const dump = [
    '*filter',
    `:${ours} - [0:0]`,
    `:${theirs} - [0:0]`,
    `-A FORWARD -m comment --comment "peapod forward name: \\"pp-1\\"" -j ${ours}`,
    `-A FORWARD -m comment --comment "peapod forward name: \\"pp-10\\"" -j ${theirs}`,
    'COMMIT',
  ].join('\n');
  assert.deepEqual(iptablesChainsFor(dump, 'pp-1'), [ours]);
  assert.deepEqual(iptablesLinesFor(dump, 'pp-1'), [dump.split('\n')[3]]);
  assert.deepEqual(iptablesChainsFor(dump, 'pp-2'), []);
});

test("the network's masquerade chain and jump are found, another network's are not", () => {
  const ours = masqueradeChainName('pp-1');
  const dump = [
    '*nat',
    `:${ours} - [0:0]`,
    `:${masqueradeChainName('pp-10')} - [0:0]`,
    `-A POSTROUTING -s 10.93.0.0/24 -m comment --comment "peapod masquerade name: \\"pp-1\\"" -j ${ours}`,
    'COMMIT',
  ].join('\n');
  assert.deepEqual(iptablesChainsFor(dump, 'pp-1'), [ours]);
  assert.deepEqual(iptablesLinesFor(dump, 'pp-1'), [dump.split('\n')[3]]);
  assert.deepEqual(iptablesLinesFor(dump, 'pp-10'), []);
});
