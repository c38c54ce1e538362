import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { ImageRecord } from '../core/ports.js';
import { FakeClock } from '../testing/fake-clock.js';
import { ImageGCManager } from './image-gc-manager.js';

const MIN = 60_000;

function fakeImages(sizes: Record<string, number>) {
  const images = new Map(Object.entries(sizes).map(([name, size]) => [name, { id: `sha256:${name}`, names: [`docker.io/library/${name}:1`], repoDigests: [], config: {}, layerDirs: [], size } as unknown as ImageRecord]));
  const removed: string[] = [];
  return {
    removed,
    images,
    api: {
      list: async () => [...images.values()],
      resolve: async (ref: string) => [...images.values()].find((i) => i.id === ref || i.names.includes(ref)),
      remove: async (ref: string) => {
        const img = [...images.values()].find((i) => i.id === ref);
        if (!img) throw new NotFoundError(ref);
        images.delete(ref.slice(7));
        removed.push(ref);
        return img;
      },
    },
  };
}

/** A disk whose used bytes are the images' sizes plus `other`. */
function disk(f: ReturnType<typeof fakeImages>, capacity: number, other: number) {
  return async () => ({ capacityBytes: capacity, availableBytes: capacity - other - [...f.images.values()].reduce((s, i) => s + i.size, 0) });
}

async function tick(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

test('periodic GC frees least recently used images down to the low threshold, never ones in use', async () => {
  const clock = new FakeClock();
  const f = fakeImages({ a: 10, b: 10, c: 10, d: 10 });
  let refs: string[] = ['docker.io/library/a:1', 'sha256:c'];
  const gc = new ImageGCManager({
    images: f.api,
    filesystemUsage: disk(f, 100, 40), // 80 % used: below 85
    imageRefsInUse: () => refs,
    clock,
    logger: silentLogger,
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * MIN },
    periodMs: 5 * MIN,
  });
  gc.start();
  await tick(clock, 0); // first observation: everything detected now
  assert.deepEqual(f.removed, []);
  refs = ['docker.io/library/a:1', 'docker.io/library/b:1', 'sha256:d'];
  await tick(clock, 5 * MIN); // b and d used at t=5m; c last used at t=0
  refs = ['docker.io/library/a:1'];
  // the disk fills: 95 % used → free 15 → c (last used at 0) then b (5m; ties with d broken by id), never a (in use)
  gc['deps'].filesystemUsage = disk(f, 100, 55);
  await tick(clock, 5 * MIN);
  assert.deepEqual(f.removed, ['sha256:c', 'sha256:b']);
  gc.stop();
  assert.equal(clock.pending, 0);
});

test('an image that comes into use between planning and removal is kept; conflicts are skipped', async () => {
  const clock = new FakeClock();
  const f = fakeImages({ a: 15, b: 15 });
  let calls = 0;
  const api = {
    ...f.api,
    remove: async (ref: string) => {
      if (ref === 'sha256:b') throw new ConflictError('in use by a container');
      return f.api.remove(ref);
    },
  };
  const gc = new ImageGCManager({
    images: api,
    filesystemUsage: async () => ({ capacityBytes: 100, availableBytes: 0 }),
    // nothing in use while planning; a in use when re-checked just before removal
    imageRefsInUse: () => (calls++ === 0 ? [] : ['sha256:a']),
    clock,
    logger: silentLogger,
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 0 },
  });
  const r = await gc.runOnce();
  assert.deepEqual(r.plan.remove.sort(), ['sha256:a', 'sha256:b']);
  assert.deepEqual(r.removed, []);
  assert.deepEqual(f.removed, []);
});

test('fresh images (younger than the minimum age) are not collected', async () => {
  const clock = new FakeClock();
  const f = fakeImages({ a: 50 });
  const gc = new ImageGCManager({
    images: f.api,
    filesystemUsage: async () => ({ capacityBytes: 100, availableBytes: 5 }),
    imageRefsInUse: () => [],
    clock,
    logger: silentLogger,
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * MIN },
  });
  const first = await gc.runOnce();
  assert.deepEqual(first.removed, []);
  assert.ok(first.plan.shortfall > 0);
  clock.advance(2 * MIN);
  const second = await gc.runOnce();
  assert.deepEqual(second.removed, ['sha256:a']);
});
