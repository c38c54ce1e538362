import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperNotStartedError, Launcher, LaunchError } from './launcher.js';

const MAX = 1 << 20;

test('runs argv with stdin, env and cwd; returns exit code, stdout and stderr apart', async () => {
  const l = new Launcher();
  const r = await l.launch({ argv: ['sh', '-c', 'cat; echo "$FOO $(pwd)" >&2; exit 3'], input: 'in\n', env: { ...process.env, FOO: 'bar' }, cwd: '/tmp', maxOutput: MAX })!;
  assert.deepEqual([r.code, r.signal, r.stdout.toString(), r.stderr.toString()], [3, null, 'in\n', 'bar /tmp\n']);
  l.close();
});

test('a command past its timeout is killed: SIGKILL, no exit code', async () => {
  const l = new Launcher();
  const t0 = Date.now();
  const r = await l.launch({ argv: ['sleep', '10'], timeoutMs: 200, maxOutput: MAX })!;
  assert.deepEqual([r.code, r.signal], [null, 'SIGKILL']);
  assert.ok(Date.now() - t0 < 5000);
  l.close();
});

test('a command that cannot start is a LaunchError with its errno; output is capped', async () => {
  const l = new Launcher();
  await assert.rejects(l.launch({ argv: ['/nonexistent/cmd'], maxOutput: MAX })!, (e: unknown) => e instanceof LaunchError && e.errno === 'ENOENT');
  const big = await l.launch({ argv: ['head', '-c', '5000', '/dev/zero'], maxOutput: 100 })!;
  assert.equal(big.stdout.length, 100);
  l.close();
});

test('commands run side by side: ten one-second sleeps take about a second', async () => {
  const l = new Launcher();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 10 }, () => l.launch({ argv: ['sleep', '1'], maxOutput: MAX })!));
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  l.close();
});

test('the sync pipe: the first line comes back while the program goes on; its end without a line brings stderr', async () => {
  const l = new Launcher();
  const t0 = Date.now();
  const ok = await l.launchWithSyncPipe({ argv: ['sh', '-c', 'echo \'{"data": 42}\' >&$_OCI_SYNCPIPE; sleep 5'], timeoutMs: 5000 })!;
  assert.deepEqual(ok, { sync: '{"data": 42}\n', stderr: '', timedOut: false });
  assert.ok(Date.now() - t0 < 4000, 'not waiting for the program to end');
  const failed = await l.launchWithSyncPipe({ argv: ['sh', '-c', 'echo broken >&2; exit 1'], timeoutMs: 5000 })!;
  assert.deepEqual(failed, { sync: '', stderr: 'broken\n', timedOut: false });
  const slow = await l.launchWithSyncPipe({ argv: ['sleep', '5'], timeoutMs: 300 })!;
  assert.equal(slow.timedOut, true);
  l.close();
});

test('without python, requests fail as not started (so the caller may spawn them itself), and the reason is told once', async () => {
  const told: string[] = [];
  const l = new Launcher('/nonexistent/python3', (why) => told.push(why));
  await assert.rejects(l.launch({ argv: ['true'], maxOutput: MAX })!, HelperNotStartedError);
  assert.equal(l.available, false);
  assert.equal(l.launch({ argv: ['true'], maxOutput: MAX }), undefined, 'later requests are not taken at all');
  assert.equal(told.length, 1);
  assert.match(told[0], /nonexistent\/python3/);
});

test("the daemon's environment as it is now, also when it changed after the helper started", async () => {
  const l = new Launcher();
  await l.launch({ argv: ['true'], maxOutput: MAX })!;
  process.env.PEAPOD_LAUNCHER_TEST = 'changed';
  try {
    const r = await l.launch({ argv: ['sh', '-c', 'echo $PEAPOD_LAUNCHER_TEST'], maxOutput: MAX })!;
    assert.equal(r.stdout.toString(), 'changed\n');
  } finally {
    delete process.env.PEAPOD_LAUNCHER_TEST;
  }
  const r = await l.launch({ argv: ['sh', '-c', 'echo "[$PEAPOD_LAUNCHER_TEST]"'], maxOutput: MAX })!;
  assert.equal(r.stdout.toString(), '[]\n');
  l.close();
});
