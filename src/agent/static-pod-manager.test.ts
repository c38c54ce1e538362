import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { silentLogger } from '../core/logger.js';
import type { ManifestSource } from '../core/ports.js';
import type { ManifestFile } from '../core/static-pods.js';
import type { EventInput } from '../core/events.js';
import type { Pod } from '../core/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { FakeClock } from '../testing/fake-clock.js';
import { LocalStoreNodeApi } from './local-store-node-api.js';
import { INVALID_MANIFEST_REASON, StaticPodManager } from './static-pod-manager.js';

class FakeManifests implements ManifestSource {
  readonly dir = '/m';
  private listener: ((files: ManifestFile[]) => void) | undefined;
  watch(onChange: (files: ManifestFile[]) => void): () => void {
    this.listener = onChange;
    return () => (this.listener = undefined);
  }
  set(files: Record<string, string>): void {
    this.listener?.(Object.entries(files).map(([name, text]) => ({ path: `/m/${name}`, text })));
  }
}

const manifest = (name: string, cmd = '3600', grace = 5) =>
  `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n  terminationGracePeriodSeconds: ${grace}\n  containers: [{ name: c, image: localhost/busybox:latest, command: [sleep, "${cmd}"] }]\n`;

function setup(t: { after: (fn: () => void) => void }) {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const clock = new FakeClock();
  const api = new LocalStoreNodeApi(store, clock);
  const manifests = new FakeManifests();
  const events: EventInput[] = [];
  const mgr = new StaticPodManager({
    manifests,
    pods: api,
    mirrors: api,
    events: { record: (e) => events.push(e) },
    clock,
    logger: silentLogger,
    nodeName: 'vm',
    nodeUid: () => 'node-uid',
    hash: (s) => createHash('md5').update(s).digest('hex'),
  });
  mgr.start();
  t.after(() => mgr.stop());
  const pods = () => store.list<Pod>('pods', undefined).items;
  return { store, manifests, events, pods, api };
}

test('a file makes its mirror pod; a changed file stops the old pod, and its successor comes once the old one is gone', (t) => {
  const { store, manifests, pods } = setup(t);
  manifests.set({ 'web.yaml': manifest('web') });
  const [first] = pods();
  assert.equal(first.metadata!.name, 'web-vm');
  assert.equal(first.spec!.nodeName, 'vm');

  manifests.set({ 'web.yaml': manifest('web', '7200') });
  const [old] = pods();
  assert.equal(old.metadata!.uid, first.metadata!.uid, 'the old pod stays while it terminates');
  assert.ok(old.metadata!.deletionTimestamp, 'and is being stopped gracefully');
  assert.equal(old.metadata!.deletionGracePeriodSeconds, 5);

  // the agent finishes the old pod: the new one (new uid, same name) follows at once
  store.delete('pods', 'default', 'web-vm');
  const [next] = pods();
  assert.notEqual(next.metadata!.uid, first.metadata!.uid);
  assert.deepEqual(next.spec!.containers[0].command, ['sleep', '7200']);
  assert.equal(next.metadata!.deletionTimestamp, undefined);
});

test('a removed file stops its pod; files are independent; the same files again change nothing', (t) => {
  const { manifests, pods } = setup(t);
  manifests.set({ 'a.yaml': manifest('a'), 'b.yaml': manifest('b') });
  assert.deepEqual(pods().map((p) => p.metadata!.name).sort(), ['a-vm', 'b-vm']);
  const before = pods().map((p) => p.metadata!.resourceVersion);
  manifests.set({ 'a.yaml': manifest('a'), 'b.yaml': manifest('b') });
  assert.deepEqual(pods().map((p) => p.metadata!.resourceVersion), before, 'nothing rewritten');
  manifests.set({ 'a.yaml': manifest('a') });
  const b = pods().find((p) => p.metadata!.name === 'b-vm')!;
  assert.ok(b.metadata!.deletionTimestamp, 'b is stopped');
  assert.equal(pods().find((p) => p.metadata!.name === 'a-vm')!.metadata!.deletionTimestamp, undefined, 'a runs on');
});

test('a malformed manifest is one Warning Event on the Node naming file and field; the others run; fixed, it runs too', (t) => {
  const { manifests, events, pods } = setup(t);
  const bad = manifest('bad').replace('image: localhost/busybox:latest, ', '');
  manifests.set({ 'bad.yaml': bad, 'good.yaml': manifest('good') });
  assert.deepEqual(pods().map((p) => p.metadata!.name), ['good-vm']);
  assert.equal(events.length, 1);
  assert.deepEqual([events[0].kind, events[0].type, events[0].reason, events[0].message], ['Node', 'Warning', INVALID_MANIFEST_REASON, '/m/bad.yaml: spec.containers[0].image: Required value']);
  manifests.set({ 'bad.yaml': bad, 'good.yaml': manifest('good') });
  assert.equal(events.length, 1, 'said once, not at every pass');
  manifests.set({ 'bad.yaml': manifest('bad'), 'good.yaml': manifest('good') });
  assert.deepEqual(pods().map((p) => p.metadata!.name).sort(), ['bad-vm', 'good-vm']);
});

test('a client\'s pod with the same name is a conflict, not overwritten', (t) => {
  const { store, manifests, events, pods } = setup(t);
  store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-vm', namespace: 'default' }, spec: { nodeName: 'vm', containers: [{ name: 'c', image: 'x' }] } });
  manifests.set({ 'web.yaml': manifest('web') });
  assert.equal(pods().length, 1);
  assert.equal(pods()[0].metadata!.annotations, undefined, 'the client\'s pod is left as it is');
  assert.match(events[0].message, /^\/m\/web\.yaml: metadata\.name: the pod default\/web-vm exists already and does not come from a manifest file$/);
});
