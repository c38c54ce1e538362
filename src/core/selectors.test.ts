import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from './errors.js';
import { fieldValue, matchesLabels, matchesSelector, parseFieldSelector, parseLabelSelector, parseSelectors } from './selectors.js';

test('label selector: equality, set-based and existence terms', () => {
  const reqs = parseLabelSelector('app=web,tier==front,env!=prod,zone in (a, b),track notin (canary),team,!legacy');
  assert.deepEqual(
    reqs.map((r) => [r.key, r.operator, r.values]),
    [
      ['app', '=', ['web']],
      ['tier', '=', ['front']],
      ['env', '!=', ['prod']],
      ['zone', 'in', ['a', 'b']],
      ['track', 'notin', ['canary']],
      ['team', 'exists', []],
      ['legacy', '!exists', []],
    ],
  );
  const good = { app: 'web', tier: 'front', env: 'dev', zone: 'b', track: 'stable', team: 'x' };
  assert.equal(matchesLabels(reqs, good), true);
  assert.equal(matchesLabels(reqs, { ...good, legacy: 'y' }), false);
  assert.equal(matchesLabels(reqs, { ...good, zone: 'c' }), false);
  assert.equal(matchesLabels(reqs, { ...good, env: 'prod' }), false);
  assert.equal(matchesLabels(reqs, { ...good, track: 'canary' }), false);
  const { team: _t, ...noTeam } = good;
  assert.equal(matchesLabels(reqs, noTeam), false);
});

test('label selector: != and notin match objects without the key; empty matches all', () => {
  assert.equal(matchesLabels(parseLabelSelector('a!=b'), undefined), true);
  assert.equal(matchesLabels(parseLabelSelector('a notin (b)'), {}), true);
  assert.equal(matchesLabels(parseLabelSelector(''), { x: 'y' }), true);
  assert.equal(matchesLabels(parseLabelSelector('example.com/app=x'), { 'example.com/app': 'x' }), true);
});

test('label selector: bad input names the problem', () => {
  assert.throws(() => parseLabelSelector('a=b,,c'), BadRequestError);
  assert.throws(() => parseLabelSelector('-bad=x'), /invalid label key "-bad"/);
  assert.throws(() => parseLabelSelector('a=b c'), /invalid label value "b c"/);
  assert.throws(() => parseLabelSelector('a in ()'), /values set can't be empty/);
  assert.throws(() => parseLabelSelector('a b'), /invalid term/);
});

const POD_FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];

test('field selector: parse, match, missing fields read as empty', () => {
  const reqs = parseFieldSelector('metadata.name=web,status.phase!=Failed,spec.nodeName==n1', POD_FIELDS);
  assert.deepEqual(reqs, [
    { field: 'metadata.name', operator: '=', value: 'web' },
    { field: 'status.phase', operator: '!=', value: 'Failed' },
    { field: 'spec.nodeName', operator: '=', value: 'n1' },
  ]);
  const pod = { metadata: { name: 'web' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  assert.equal(matchesSelector({ labels: [], fields: reqs }, pod), true);
  assert.equal(matchesSelector({ labels: [], fields: reqs }, { ...pod, status: { phase: 'Failed' } }), false);
  assert.equal(fieldValue({ metadata: {} }, 'spec.nodeName'), '');
  assert.equal(matchesSelector(parseSelectors({ fieldSelector: 'spec.nodeName=' }, POD_FIELDS), { metadata: {} }), true);
});

test('field selector: unsupported fields and malformed terms are 400s', () => {
  assert.throws(() => parseFieldSelector('spec.containers=x', POD_FIELDS), /field label not supported: spec.containers/);
  assert.throws(() => parseFieldSelector('metadata.name', POD_FIELDS), /must be of the form/);
  assert.doesNotThrow(() => parseFieldSelector('involvedObject.uid=1', ['involvedObject.uid']));
  assert.throws(() => parseFieldSelector('status.phase=Active', ['metadata.name']), BadRequestError);
  assert.doesNotThrow(() => parseFieldSelector('anything.at.all=1'), 'without a list every field is allowed');
});
