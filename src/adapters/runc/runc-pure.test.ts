import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OciSpec } from '../../core/ports.js';
import { conmonArgv } from './conmon-spawn.js';
import { clampRlimits } from './host-limits.js';
import { execArgv } from './runc-exec.js';
import { initProcess, procStartTime } from './runc-runtime.js';
import { conmonFailureText, isGoneMessage, runtimeErrorText } from './runtime-message.js';

test('runtimeErrorText picks the logrus error msg and drops warning noise', () => {
  const out = [
    'time="2026-11-27T04:47:20Z" level=warning msg="unable to get freezer.state"',
    'time="2026-11-27T04:47:20Z" level=error msg="runc create failed: unable to start container process: exec: \\"/nonexistent\\": stat /nonexistent: no such file or directory"',
  ].join('\n');
  assert.equal(runtimeErrorText(out), 'runc create failed: unable to start container process: exec: "/nonexistent": stat /nonexistent: no such file or directory');
  assert.equal(runtimeErrorText('plain failure\n'), 'plain failure');
  assert.match(conmonFailureText(undefined, 'runc'), /conmon exited without/);
  assert.ok(isGoneMessage('container "x" does not exist'));
  assert.ok(!isGoneMessage('permission denied'));
});

test('conmon argv carries the private runc root, exit dir, socket dir and log size', () => {
  const argv = conmonArgv({
    conmonPath: '/usr/bin/conmon',
    runtimePath: '/usr/sbin/runc',
    runcRoot: '/run/pp/runc',
    id: 'abc',
    name: 'web',
    bundle: '/d/abc',
    persistDir: '/d/abc/persist',
    exitDir: '/run/pp/exits',
    socketDir: '/run/pp/socket',
    logPath: '/d/logs/0.log',
    logSizeMax: 1024,
  });
  const joined = argv.join(' ');
  assert.match(joined, /--runtime-arg --root --runtime-arg \/run\/pp\/runc/);
  assert.match(joined, /-b \/d\/abc -p \/d\/abc\/pidfile -P \/d\/abc\/conmon.pid -0 \/d\/abc\/persist/);
  assert.match(joined, /--exit-dir \/run\/pp\/exits --socket-dir-path \/run\/pp\/socket -l k8s-file:\/d\/logs\/0.log/);
  assert.match(joined, /--log-size-max 1024$/);
});

test('exec argv', () => {
  const argv = execArgv({ runtimePath: 'runc', runcRoot: '/r', tmpDir: '/t' }, 'id1', { args: ['ls', '-l'], env: ['A=1'], cwd: '/w', user: { uid: 5, gid: 6, additionalGids: [7] } }, '/t/p');
  assert.deepEqual(argv, ['--root', '/r', 'exec', '--pid-file', '/t/p', '--env', 'A=1', '--cwd', '/w', '--user', '5:6', '--additional-gids', '7', 'id1', 'ls', '-l']);
});

test('rlimits are clamped to what the host allows', () => {
  const spec = { ociVersion: '1', root: { path: '/' }, process: { rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }] } } as OciSpec;
  assert.deepEqual(clampRlimits(spec, new Map([['RLIMIT_NOFILE', 20000]])).process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  assert.equal(clampRlimits(spec, undefined), spec);
});

test('the init process runc recorded, and a process start time, for a kill without runc', () => {
  assert.deepEqual(initProcess('{"id":"c","init_process_pid":4242,"init_process_start":987654,"created":"x"}'), { pid: 4242, start: '987654' });
  assert.equal(initProcess('{"id":"c","init_process_pid":0,"init_process_start":1}'), undefined);
  assert.equal(initProcess('{"id":"c","init_process_pid":12}'), undefined);
  assert.equal(initProcess('not json'), undefined);
  assert.equal(initProcess(undefined), undefined);
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const stat = '4242 (sh (x) y) S 4200 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 2424832 150 18446744073709551615';
  assert.equal(procStartTime(stat), '987654');
  assert.equal(procStartTime('4242 (sh) S 1'), undefined);
  assert.equal(procStartTime(undefined), undefined);
});
