import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import type { ConfigSource } from './container-env.js';
import { planAtomicWrite, timestampDirName, volumePayload, volumeReferences, type FileProjection } from './volume-payload.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const configs: ConfigSource = {
  getConfigMap: (ns, name) =>
    ns === 'ns1' && name === 'cm1' ? ({ metadata: { name }, data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } } as ConfigMap) : undefined,
  getSecret: (ns, name) => (ns === 'ns1' && name === 's1' ? ({ metadata: { name }, data: { pw: Buffer.from('hunter2').toString('base64') } } as Secret) : undefined),
};

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns1', uid: 'u', labels: { b: '2', a: '1' } },
  spec: { containers: [{ name: 'main', resources: { limits: { cpu: '250m' } } }] },
};

const ctx = { pod, configs, allocatable: { cpuMillis: 2000, memoryBytes: 1 << 30, ephemeralStorageBytes: 1 << 30 } };
const view = (files: FileProjection[]) => files.map((f) => [f.path, dec(f.data), f.mode.toString(8)]);

test('configMap volume: all keys (data and binaryData) with defaultMode, or items renamed with their own mode', () => {
  const all: Volume = { name: 'v', configMap: { name: 'cm1' } };
  assert.deepEqual(view(volumePayload(all, ctx)), [
    ['a', 'A', '644'],
    ['b', 'B', '644'],
    ['bin', '\u0001\u0002', '644'],
  ]);
  const items: Volume = { name: 'v', configMap: { name: 'cm1', defaultMode: 0o600, items: [{ key: 'a', path: 'dir/x' }, { key: 'b', path: 'y', mode: 0o400 }] } };
  assert.deepEqual(view(volumePayload(items, ctx)), [
    ['dir/x', 'A', '600'],
    ['y', 'B', '400'],
  ]);
});

test('missing object or key fails unless optional; optional missing object is an empty volume', () => {
  assert.throws(() => volumePayload({ name: 'v', configMap: { name: 'nope' } }, ctx), /configmap "nope" not found/);
  assert.deepEqual(volumePayload({ name: 'v', configMap: { name: 'nope', optional: true } }, ctx), []);
  assert.throws(() => volumePayload({ name: 'v', configMap: { name: 'cm1', items: [{ key: 'zz', path: 'z' }] } }, ctx), /configmap references non-existent config key: zz/);
  assert.deepEqual(volumePayload({ name: 'v', configMap: { name: 'cm1', optional: true, items: [{ key: 'zz', path: 'z' }] } }, ctx), []);
  assert.throws(() => volumePayload({ name: 'v', secret: { secretName: 'gone' } }, ctx), /secret "gone" not found/);
  assert.throws(() => volumePayload({ name: 'v', configMap: { name: 'cm1', items: [{ key: 'a', path: '../escape' }] } }, ctx), /must not contain '\.\.'/);
  assert.throws(() => volumePayload({ name: 'v', configMap: { name: 'cm1', items: [{ key: 'a', path: '/abs' }] } }, ctx), /must be relative/);
});

test('secret volume decodes base64; downwardAPI renders labels and resources; projected combines sources', () => {
  assert.deepEqual(view(volumePayload({ name: 'v', secret: { secretName: 's1', defaultMode: 0o400 } }, ctx)), [['pw', 'hunter2', '400']]);
  const downward: Volume = {
    name: 'v',
    downwardAPI: {
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
      ],
    },
  };
  assert.deepEqual(view(volumePayload(downward, ctx)), [
    ['labels', 'a="1"\nb="2"', '644'],
    ['name', 'p', '644'],
    ['cpu', '250', '644'],
  ]);
  const projected: Volume = {
    name: 'v',
    projected: {
      defaultMode: 0o440,
      sources: [{ configMap: { name: 'cm1', items: [{ key: 'a', path: 'a' }] } }, { secret: { name: 's1' } }, { configMap: { name: 'absent', optional: true } }],
    },
  };
  assert.deepEqual(view(volumePayload(projected, ctx)), [
    ['a', 'A', '440'],
    ['pw', 'hunter2', '440'],
  ]);
  assert.ok(volumeReferences(projected, 'Secret', 's1'));
  assert.ok(volumeReferences({ name: 'v', configMap: { name: 'cm1' } }, 'ConfigMap', 'cm1'));
  assert.ok(!volumeReferences({ name: 'v', configMap: { name: 'cm1' } }, 'Secret', 'cm1'));
});

test('atomic write plan: first write, no-op when equal, content or mode change, stale names removed', () => {
  const payload: FileProjection[] = [
    { path: 'a', data: enc('1'), mode: 0o644 },
    { path: 'd/b', data: enc('2'), mode: 0o644 },
  ];
  assert.deepEqual(planAtomicWrite(undefined, [], payload), { changed: true, linksToAdd: ['a', 'd'], linksToRemove: [] });
  const current = new Map([
    ['a', { data: enc('1'), mode: 0o644 }],
    ['d/b', { data: enc('2'), mode: 0o644 }],
  ]);
  assert.equal(planAtomicWrite(current, ['a', 'd'], payload).changed, false);
  assert.equal(planAtomicWrite(current, ['a', 'd'], [payload[0], { ...payload[1], data: enc('3') }]).changed, true);
  assert.equal(planAtomicWrite(current, ['a', 'd'], [payload[0], { ...payload[1], mode: 0o400 }]).changed, true);
  assert.deepEqual(planAtomicWrite(current, ['a', 'd', 'old'], [payload[0]]), { changed: true, linksToAdd: [], linksToRemove: ['d', 'old'] });
});

test('timestamped directory name in UTC as the kubelet formats it', () => {
  assert.equal(timestampDirName(Date.UTC(2026, 10, 27, 8, 5, 9), '123'), '..2026_11_27_08_05_09.123');
});
