import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, InvalidError, NotFoundError } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { FOREGROUND_FINALIZER, GenericStore, ORPHAN_FINALIZER } from './generic-store.js';
import type { KindDefinition } from './kind-definition.js';
import { namespaceObject } from './kinds/namespace-kind.js';

type Widget = KubeObject & { spec?: { replicas?: number; size?: string }; status?: { replicas?: number } };

/** A kind declared only for this test: what adding a kind takes. */
const widgets: KindDefinition<Widget> = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  resource: 'widgets',
  singular: 'widget',
  namespaced: true,
  status: true,
  generation: true,
  scale: { selector: () => 'app=w' },
  prepare(w) {
    if ((w.spec?.replicas ?? 0) < 0) throw new InvalidError('Widget', w.metadata?.name ?? '', [{ field: 'spec.replicas', message: 'must be >= 0' }]);
    return { ...w, spec: { replicas: 1, ...w.spec } };
  },
};

function setup() {
  const store = new SqliteStore(':memory:');
  store.create('namespaces', namespaceObject('default'));
  const clock = new FakeClock();
  return { store, clock, objects: new GenericStore(store, clock) };
}

const widget = (name: string, extra: Partial<Widget> = {}): Widget => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, ...extra });

test('create defaults, starts generation at 1, drops status; names in errors are group-qualified', () => {
  const { objects } = setup();
  const w = objects.create<Widget>(widgets, 'default', widget('a', { status: { replicas: 9 } }));
  assert.equal(w.metadata?.generation, 1);
  assert.equal(w.spec?.replicas, 1);
  assert.equal(w.status, undefined);
  assert.throws(() => objects.get(widgets, 'default', 'zz'), (e: unknown) => e instanceof NotFoundError && e.message === 'widgets.example.com "zz" not found');
  const gen = objects.create<Widget>(widgets, 'default', widget('', { metadata: { generateName: 'w-' } }));
  assert.match(gen.metadata!.name!, /^w-[a-z0-9]{5}$/);
});

test('spec changes bump generation; metadata and status changes do not; status writes change only status', () => {
  const { objects } = setup();
  objects.create(widgets, 'default', widget('a'));
  const labelled = objects.update<Widget>(widgets, 'default', 'a', { ...objects.get(widgets, 'default', 'a'), metadata: { name: 'a', labels: { x: 'y' } } });
  assert.equal(labelled.metadata?.generation, 1);
  const scaled = objects.patch<Widget>(widgets, 'default', 'a', 'merge', { spec: { replicas: 3 }, status: { replicas: 5 } }).object;
  assert.equal(scaled.metadata?.generation, 2);
  assert.equal(scaled.status, undefined, 'the main resource keeps the stored status');
  const status = objects.patch<Widget>(widgets, 'default', 'a', 'merge', { spec: { replicas: 7 }, status: { replicas: 3 } }, { subresource: 'status' }).object;
  assert.deepEqual([status.spec?.replicas, status.status?.replicas, status.metadata?.generation], [3, 3, 2]);
  assert.throws(() => objects.update(widgets, 'default', 'a', { ...status, metadata: { ...status.metadata, resourceVersion: '1' } }), ConflictError);
});

test('scale: reads and writes spec.replicas through autoscaling/v1 Scale; negative replicas are a 422', () => {
  const { objects } = setup();
  objects.create(widgets, 'default', widget('a'));
  const scale = objects.getScale(widgets, 'default', 'a');
  assert.deepEqual([scale.kind, scale.apiVersion, scale.spec.replicas, scale.status.selector], ['Scale', 'autoscaling/v1', 1, 'app=w']);
  assert.equal(objects.patchScale(widgets, 'default', 'a', 'merge', { spec: { replicas: 4 } }).spec.replicas, 4);
  assert.equal(objects.get<Widget>(widgets, 'default', 'a').metadata?.generation, 2);
  assert.throws(
    () => objects.patchScale(widgets, 'default', 'a', 'merge', { spec: { replicas: -1 } }),
    (e: unknown) => e instanceof InvalidError && /spec.replicas: Invalid value: -1: must be greater than or equal to 0/.test(e.message),
  );
  assert.equal(objects.get<Widget>(widgets, 'default', 'a').spec?.replicas, 4);
});

test('delete: without finalizers at once; Orphan and Foreground add their finalizer and a deletionTimestamp; removing the last finalizer deletes', () => {
  const { objects, store } = setup();
  objects.create(widgets, 'default', widget('plain'));
  assert.equal(objects.delete(widgets, 'default', 'plain').deleted, true);

  objects.create(widgets, 'default', widget('o'));
  const orphaned = objects.delete(widgets, 'default', 'o', { propagationPolicy: 'Orphan' });
  assert.equal(orphaned.deleted, false);
  assert.deepEqual(orphaned.object.metadata?.finalizers, [ORPHAN_FINALIZER]);
  assert.ok(orphaned.object.metadata?.deletionTimestamp);
  assert.equal(orphaned.object.metadata?.deletionGracePeriodSeconds, 0);
  assert.throws(() => objects.patch(widgets, 'default', 'o', 'merge', { metadata: { finalizers: [ORPHAN_FINALIZER, 'more'] } }), /no new finalizers can be added/);
  objects.patch(widgets, 'default', 'o', 'merge', { metadata: { finalizers: null } });
  assert.equal(store.tryGet('widgets.example.com', 'default', 'o'), undefined);

  objects.create(widgets, 'default', widget('f', { metadata: { name: 'f', finalizers: ['example.com/keep'] } }));
  const fg = objects.delete(widgets, 'default', 'f', { propagationPolicy: 'Foreground' });
  assert.deepEqual(fg.object.metadata?.finalizers, ['example.com/keep', FOREGROUND_FINALIZER]);
  // A second delete in the background drops the garbage collector's finalizer only.
  assert.deepEqual(objects.delete(widgets, 'default', 'f', { propagationPolicy: 'Background' }).object.metadata?.finalizers, ['example.com/keep']);
  objects.patch(widgets, 'default', 'f', 'json', [{ op: 'remove', path: '/metadata/finalizers/0' }]);
  assert.equal(store.tryGet('widgets.example.com', 'default', 'f'), undefined);
});

test('deleteCollection removes what the selector matches; dry runs store nothing', () => {
  const { objects } = setup();
  objects.create(widgets, 'default', widget('a', { metadata: { name: 'a', labels: { app: 'x' } } }));
  objects.create(widgets, 'default', widget('b'));
  objects.create(widgets, 'default', widget('dry'), { dryRun: true });
  assert.equal(objects.tryGet(widgets, 'default', 'dry'), undefined);
  const gone = objects.deleteCollection(widgets, 'default', { labelSelector: 'app=x' });
  assert.deepEqual(gone.items.map((o) => o.metadata?.name), ['a']);
  assert.deepEqual(objects.list(widgets, 'default').items.map((o) => o.metadata?.name), ['b']);
  assert.throws(() => objects.list(widgets, 'default', { fieldSelector: 'spec.size=1' }), /field label not supported: spec.size/);
});
