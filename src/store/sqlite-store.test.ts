import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, BadRequestError, ConflictError, GoneError, NotFoundError } from '../core/errors.js';
import type { WatchEvent } from '../core/ports.js';
import type { KubeObject } from '../core/types.js';
import { SqliteStore } from './sqlite-store.js';

function pod(name: string, namespace = 'default', labels: Record<string, string> = {}, phase = 'Pending'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { nodeName: 'n1' }, status: { phase } };
}

function withTempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type Opener = (t: { after: (fn: () => void) => void }, historyLimit?: number) => SqliteStore;
function contract(name: string, open: Opener): void {
  test(`${name}: create assigns identity, get/list return it, duplicates are AlreadyExists`, (t) => {
    const s = open(t);
    const created = s.create('pods', pod('a'));
    assert.match(created.metadata!.uid!, /^[0-9a-f-]{36}$/);
    assert.match(created.metadata!.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(created.metadata!.resourceVersion, '1');
    assert.equal(s.currentResourceVersion(), '1');
    assert.deepEqual(s.get('pods', 'default', 'a'), created);
    assert.equal(s.tryGet('pods', 'default', 'zz'), undefined);
    assert.throws(() => s.get('pods', 'default', 'zz'), (e: unknown) => e instanceof NotFoundError && e.message === 'pods "zz" not found');
    assert.throws(() => s.create('pods', pod('a')), (e: unknown) => e instanceof AlreadyExistsError && e.message === 'pods "a" already exists');
    s.create('pods', pod('b', 'other'));
    s.create('namespaces', { metadata: { name: 'default' } });
    const all = s.list('pods', undefined);
    assert.deepEqual(all.items.map((p) => p.metadata!.name), ['a', 'b']);
    assert.equal(all.metadata.resourceVersion, '3');
    assert.deepEqual(s.list('pods', 'other').items.map((p) => p.metadata!.name), ['b']);
  });

  test(`${name}: update is optimistic, no-op updates write nothing, delete bumps the version`, (t) => {
    const s = open(t);
    const a = s.create('pods', pod('a'));
    const changed = structuredClone(a);
    changed.metadata = { ...changed.metadata, labels: { x: 'y' }, uid: 'forged' };
    const updated = s.update('pods', changed);
    assert.equal(updated.metadata!.resourceVersion, '2');
    assert.equal(updated.metadata!.uid, a.metadata!.uid);
    assert.throws(
      () => s.update('pods', changed),
      (e: unknown) =>
        e instanceof ConflictError &&
        e.message === 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    const same = s.update('pods', { ...structuredClone(updated), metadata: { ...updated.metadata, resourceVersion: undefined } });
    assert.equal(same.metadata!.resourceVersion, '2');
    assert.equal(s.currentResourceVersion(), '2');
    const gone = s.delete('pods', 'default', 'a');
    assert.equal(gone.metadata!.resourceVersion, '3');
    assert.equal(s.tryGet('pods', 'default', 'a'), undefined);
    assert.throws(() => s.delete('pods', 'default', 'a'), NotFoundError);
    assert.throws(() => s.update('pods', pod('nope')), NotFoundError);
  });

  test(`${name}: list filters by selectors and pages with limit/continue`, (t) => {
    const s = open(t);
    for (const n of ['a', 'b', 'c', 'd']) s.create('pods', pod(n, 'default', { app: n < 'c' ? 'web' : 'db' }, n === 'd' ? 'Running' : 'Pending'));
    assert.deepEqual(s.list('pods', 'default', { labelSelector: 'app=web' }).items.map((p) => p.metadata!.name), ['a', 'b']);
    assert.deepEqual(s.list('pods', 'default', { fieldSelector: 'status.phase=Running' }).items.map((p) => p.metadata!.name), ['d']);
    assert.throws(() => s.list('pods', 'default', { labelSelector: 'a in ()' }), BadRequestError);
    const p1 = s.list('pods', 'default', { limit: 3 });
    assert.equal(p1.items.length, 3);
    assert.equal(p1.metadata.remainingItemCount, 1);
    const p2 = s.list('pods', 'default', { limit: 3, continue: p1.metadata.continue! });
    assert.deepEqual(p2.items.map((p) => p.metadata!.name), ['d']);
    assert.equal(p2.metadata.continue, undefined);
  });

  test(`${name}: watch replays after a version, then live events in order, with selectors`, (t) => {
    const s = open(t);
    const a = s.create('pods', pod('a', 'default', { app: 'web' }));
    const rv = s.currentResourceVersion();
    const moved = s.update('pods', { ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
    s.create('pods', pod('b', 'default', { app: 'web' }));
    const seen: string[] = [];
    const web: string[] = [];
    const stop = s.watch('pods', 'default', rv, (e) => seen.push(`${e.type} ${e.object.metadata!.name} ${e.object.metadata!.resourceVersion}`));
    const stopWeb = s.watch('pods', undefined, rv, (e) => web.push(`${e.type} ${e.object.metadata!.name}`), { labelSelector: 'app=web' });
    assert.deepEqual(seen, ['MODIFIED a 2', 'ADDED b 3']);
    s.update('pods', { ...moved, metadata: { ...moved.metadata, labels: { app: 'web' } } });
    s.delete('pods', 'default', 'b');
    s.create('pods', pod('c', 'elsewhere'));
    stop();
    s.create('pods', pod('e'));
    assert.deepEqual(seen, ['MODIFIED a 2', 'ADDED b 3', 'MODIFIED a 4', 'DELETED b 5']);
    assert.deepEqual(web, ['DELETED a', 'ADDED b', 'ADDED a', 'DELETED b']);
    stopWeb();
  });

  test(`${name}: watch without a version starts with the current objects as ADDED`, (t) => {
    const s = open(t);
    s.create('pods', pod('a'));
    s.create('pods', pod('b'));
    const seen: WatchEvent[] = [];
    const stop = s.watch('pods', 'default', '0', (e) => seen.push(e));
    s.create('pods', pod('c'));
    stop();
    assert.deepEqual(seen.map((e) => `${e.type} ${e.object.metadata!.name}`), ['ADDED a', 'ADDED b', 'ADDED c']);
  });

  test(`${name}: a write from inside a callback is delivered after the current event, to everyone`, (t) => {
    const s = open(t);
    const first: string[] = [];
    const second: string[] = [];
    const stop1 = s.watch('pods', undefined, s.currentResourceVersion(), (e) => {
      first.push(e.object.metadata!.name!);
      if (e.object.metadata!.name === 'a') s.create('pods', pod('b'));
    });
    const stop2 = s.watch('pods', undefined, s.currentResourceVersion(), (e) => second.push(e.object.metadata!.name!));
    s.create('pods', pod('a'));
    assert.deepEqual(first, ['a', 'b']);
    assert.deepEqual(second, ['a', 'b']);
    stop1();
    stop2();
  });

  test(`${name}: history is bounded; older versions are Gone`, (t) => {
    const s = open(t, 3);
    for (const n of ['a', 'b', 'c', 'd', 'e']) s.create('pods', pod(n));
    assert.throws(() => s.watch('pods', undefined, '1', () => {}), (e: unknown) => e instanceof GoneError && /too old resource version: 1 \(2\)/.test(e.message));
    const seen: string[] = [];
    s.watch('pods', undefined, '2', (e) => seen.push(e.object.metadata!.name!))();
    assert.deepEqual(seen, ['c', 'd', 'e']);
  });
}

contract(':memory:', (_t, historyLimit?: number) => new SqliteStore(':memory:', { historyLimit }));
contract('file', (t, historyLimit?: number) => {
  const s = new SqliteStore(join(withTempDir(t), 'state.db'), { historyLimit });
  t.after(() => s.close());
  return s;
});

test('file: reopening sees the data and the resourceVersion continues', (t) => {
  const path = join(withTempDir(t), 'state.db');
  const s1 = new SqliteStore(path);
  s1.create('pods', pod('a'));
  s1.create('pods', pod('b'));
  s1.close();
  const s2 = new SqliteStore(path);
  t.after(() => s2.close());
  assert.equal(s2.currentResourceVersion(), '2');
  assert.equal(s2.get('pods', 'default', 'a').metadata!.name, 'a');
  assert.equal(s2.create('pods', pod('c')).metadata!.resourceVersion, '3');
  const seen: string[] = [];
  s2.watch('pods', undefined, '1', (e) => seen.push(e.object.metadata!.name!))();
  assert.deepEqual(seen, ['b', 'c']);
});
