import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceCleaner } from './resource-cleaner.js';

test('undoes newest first, keeps going past a failing step, reports it, and runs each step once', async () => {
  const c = new ResourceCleaner();
  const done: string[] = [];
  c.add('netns', () => void done.push('netns'));
  c.add('infra', async () => {
    throw new Error('runc delete failed');
  });
  c.add('rootfs', async () => void done.push('rootfs'));
  assert.deepEqual(await c.cleanup(), ['infra: runc delete failed']);
  assert.deepEqual(done, ['rootfs', 'netns']);
  assert.deepEqual(await c.cleanup(), []);
  assert.deepEqual(done, ['rootfs', 'netns'], 'nothing runs twice');
});
