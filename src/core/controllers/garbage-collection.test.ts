import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planDeletingOwner, planDependent } from './garbage-collection.js';

const obj = (extra: { finalizers?: string[]; deleting?: boolean } = {}) => ({
  metadata: { name: 'x', finalizers: extra.finalizers, deletionTimestamp: extra.deleting ? '2025-01-01T00:00:00Z' : undefined },
});

test('a dependent with a solid owner stays, dropping references to owners that are gone or waiting', () => {
  assert.deepEqual(planDependent(obj(), [{ uid: 'a', state: 'solid' }], false), { action: 'none' });
  assert.deepEqual(planDependent(obj(), [{ uid: 'a', state: 'solid' }, { uid: 'b', state: 'dangling' }, { uid: 'c', state: 'waiting' }], false), {
    action: 'removeOwnerReferences',
    uids: ['b', 'c'],
  });
});

test('a dependent without solid owners is deleted: foreground when an owner waits and it has dependents, else by its finalizers', () => {
  assert.deepEqual(planDependent(obj(), [{ uid: 'a', state: 'dangling' }], false), { action: 'delete', policy: 'Background' });
  assert.deepEqual(planDependent(obj(), [{ uid: 'a', state: 'waiting' }], true), { action: 'delete', policy: 'Foreground' });
  assert.deepEqual(planDependent(obj(), [{ uid: 'a', state: 'waiting' }], false), { action: 'delete', policy: 'Background' });
  assert.deepEqual(planDependent(obj({ finalizers: ['orphan'] }), [{ uid: 'a', state: 'dangling' }], true), { action: 'delete', policy: 'Orphan' });
  assert.deepEqual(planDependent(obj({ deleting: true }), [{ uid: 'a', state: 'dangling' }], false), { action: 'none' }, 'already going');
});

test('an owner deleted with orphan releases every dependent, then drops the finalizer', () => {
  const deps = [
    { uid: 'p1', blocking: true, deleting: false, hasDependents: false },
    { uid: 'p2', blocking: false, deleting: true, hasDependents: false },
  ];
  assert.deepEqual(planDeletingOwner(obj({ finalizers: ['orphan'], deleting: true }), deps), { orphan: ['p1', 'p2'], delete: [], removeFinalizers: ['orphan'] });
});

test('an owner deleted in the foreground deletes its dependents and keeps its finalizer while a blocking one remains', () => {
  const owner = obj({ finalizers: ['foregroundDeletion'], deleting: true });
  const deps = [
    { uid: 'rs', blocking: true, deleting: false, hasDependents: true },
    { uid: 'cm', blocking: false, deleting: false, hasDependents: false },
    { uid: 'gone-soon', blocking: true, deleting: true, hasDependents: false },
  ];
  assert.deepEqual(planDeletingOwner(owner, deps), {
    orphan: [],
    delete: [
      { uid: 'rs', policy: 'Foreground' },
      { uid: 'cm', policy: 'Background' },
    ],
    removeFinalizers: [],
  });
  assert.deepEqual(planDeletingOwner(owner, [{ uid: 'cm', blocking: false, deleting: false, hasDependents: false }]).removeFinalizers, ['foregroundDeletion']);
  assert.deepEqual(planDeletingOwner(obj({ finalizers: ['foregroundDeletion'] }), deps).delete, [], 'not being deleted: nothing to do');
});
