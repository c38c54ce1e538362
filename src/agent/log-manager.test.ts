import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Annotations } from '../core/annotations.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { LogRotationOptions, LogRotator, OciContainerInfo, OciStatus } from '../core/ports.js';
import { FakeClock } from '../testing/fake-clock.js';
import { ContainerLogManager, DEFAULT_CONTAINER_LOG_POLICY, LOG_ROTATION_PERIOD_MS, rotationTargets } from './log-manager.js';

const layout = { containerLogPath: (uid: string, name: string, n: number) => `/logs/${uid}/${name}/${n}.log` };

function info(id: string, uid: string, name: string, status: OciStatus, type = 'app', restartCount = 0): OciContainerInfo {
  return {
    id,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    annotations: {
      [Annotations.podUid]: uid,
      [Annotations.containerName]: name,
      [Annotations.containerType]: type,
      [Annotations.restartCount]: String(restartCount),
    },
  };
}

function fakeState(infos: OciContainerInfo[]) {
  return {
    podUids: () => new Set(infos.map((i) => i.annotations[Annotations.podUid]!)),
    podContainers: (uid: string) => infos.filter((i) => i.annotations[Annotations.podUid] === uid),
  };
}

/** Records each call; the files that are "too big" rotate and call reopen, as the adapter does. */
class FakeLogRotator implements LogRotator {
  readonly calls: Array<{ logPath: string; opts: LogRotationOptions }> = [];
  readonly big = new Set<string>();
  async rotateIfNeeded(logPath: string, opts: LogRotationOptions, reopen: () => Promise<void>): Promise<boolean> {
    this.calls.push({ logPath, opts });
    if (!this.big.has(logPath)) return false;
    await reopen();
    this.big.delete(logPath);
    return true;
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));

test('rotationTargets: running app and init containers at their kubelet log path, never sandboxes', () => {
  const targets = rotationTargets(
    [
      info('a', 'u1', 'web', 'running', 'app', 2),
      info('b', 'u1', 'POD', 'running', 'sandbox'),
      info('c', 'u1', 'init', 'running', 'init'),
      info('d', 'u1', 'done', 'stopped'),
      info('e', 'u1', 'new', 'created'),
      { id: 'f', status: 'running', createdAt: '', annotations: {} },
    ],
    layout,
  );
  assert.deepEqual(targets, [
    { id: 'a', logPath: '/logs/u1/web/2.log' },
    { id: 'c', logPath: '/logs/u1/init/0.log' },
  ]);
});

test('every 10 s through the clock, each running container is checked and reopened when rotated', async () => {
  const clock = new FakeClock();
  const rotator = new FakeLogRotator();
  const reopened: string[] = [];
  const mgr = new ContainerLogManager({
    state: fakeState([info('a', 'u1', 'web', 'running'), info('b', 'u2', 'db', 'running'), info('x', 'u2', 'old', 'stopped')]),
    runtime: { reopenLog: async (id) => void reopened.push(id) },
    rotator,
    layout,
    clock,
    logger: silentLogger,
  });
  rotator.big.add('/logs/u2/db/0.log');
  mgr.start();
  clock.advance(LOG_ROTATION_PERIOD_MS - 1);
  await flush();
  assert.equal(rotator.calls.length, 0);
  clock.advance(1);
  await mgr.idle;
  assert.deepEqual(rotator.calls.map((c) => c.logPath), ['/logs/u1/web/0.log', '/logs/u2/db/0.log']);
  assert.deepEqual(rotator.calls[0]!.opts, DEFAULT_CONTAINER_LOG_POLICY);
  assert.deepEqual(DEFAULT_CONTAINER_LOG_POLICY, { maxSize: 10 * 1024 * 1024, maxFiles: 5 });
  assert.deepEqual(reopened, ['b']);
  // The next pass is scheduled once this one is over.
  await flush();
  assert.equal(clock.pending, 1);
  clock.advance(LOG_ROTATION_PERIOD_MS);
  await mgr.idle;
  assert.equal(rotator.calls.length, 4);
  assert.deepEqual(reopened, ['b']);
  await mgr.stop();
  assert.equal(clock.pending, 0);
  clock.advance(10 * LOG_ROTATION_PERIOD_MS);
  await flush();
  assert.equal(rotator.calls.length, 4);
});

test('a failed rotation is logged and the other containers still rotate', async () => {
  const clock = new FakeClock();
  const rotator = new FakeLogRotator();
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const logger: Logger = { ...silentLogger, warn: (_m, f) => void warnings.push(f) };
  rotator.big.add('/logs/u1/a/0.log');
  rotator.big.add('/logs/u1/b/0.log');
  const reopened: string[] = [];
  const mgr = new ContainerLogManager({
    state: fakeState([info('1', 'u1', 'a', 'running'), info('2', 'u1', 'b', 'running')]),
    runtime: {
      reopenLog: async (id) => {
        if (id === '1') throw new Error('conmon of container 1 is not running');
        reopened.push(id);
      },
    },
    rotator,
    layout,
    clock,
    logger,
    policy: { maxSize: 1024, maxFiles: 3 },
    periodMs: 1000,
  });
  mgr.start();
  clock.advance(1000);
  await mgr.idle;
  assert.deepEqual(reopened, ['2']);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.id, '1');
  assert.match(String(warnings[0]!.err), /not running/);
  assert.deepEqual(rotator.calls[0]!.opts, { maxSize: 1024, maxFiles: 3 });
  await mgr.stop();
});
