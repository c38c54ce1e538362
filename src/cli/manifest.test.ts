import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ManifestError, parseManifests, readManifests } from './manifest.js';

test('multi-document YAML yields every object and skips empty documents', () => {
  const objects = parseManifests(
    ['---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: team}', '---', 'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '  namespace: team', 'spec:', '  containers: [{name: a, image: busybox}]', '---', ''].join('\n'),
    'x.yaml',
  );
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata?.name}`), ['Namespace/team', 'Pod/web']);
  assert.equal(objects[1].metadata?.namespace, 'team');
});

test('kind: List is flattened, in YAML and JSON', () => {
  const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }] };
  assert.deepEqual(parseManifests(JSON.stringify(list, null, '\t'), 'l.json').map((o) => o.metadata?.name), ['a', 'b']);
  const podList = { ...list, kind: 'PodList' };
  assert.deepEqual(parseManifests(JSON.stringify(podList), 'l.json').map((o) => o.metadata?.name), ['a', 'b']);
});

test('malformed YAML names the document and the line', () => {
  const text = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: ok}', '---', 'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: bad', ' labels: x: y'].join('\n');
  assert.throws(() => parseManifests(text, 'bad.yaml'), (err: unknown) => {
    assert.ok(err instanceof ManifestError);
    assert.match(err.message, /^error parsing bad\.yaml: document 2: line \d+: /);
    const line = Number(/line (\d+)/.exec(err.message)?.[1]);
    assert.ok(line >= 8 && line <= 9, `line ${line}`);
    return true;
  });
});

test('objects without kind, apiVersion or name are rejected', () => {
  assert.throws(() => parseManifests('metadata: {name: x}\n', 'f.yaml'), /f\.yaml: document 1: error validating data: \[apiVersion not set, kind not set\]/);
  assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\n', 'f.yaml'), /Pod has no metadata\.name/);
  assert.throws(() => parseManifests('- a\n- b\n', 'f.yaml'), /expected an object/);
});

test('readManifests reads stdin for "-" and reports missing files', async () => {
  const stdin = Readable.from(['apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n']);
  const got = await readManifests(['-'], '/', stdin);
  assert.deepEqual(got.map((m) => [m.source, m.object.metadata?.name]), [['STDIN', 's']]);
  await assert.rejects(readManifests(['/nonexistent/peapod.yaml'], '/', stdin), /the path "\/nonexistent\/peapod.yaml" does not exist/);
});
