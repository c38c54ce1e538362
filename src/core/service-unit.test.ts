import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseShow, peapodServiceUnit, serviceOfCgroup, serviceUnitProblems, writtenByInstall } from './service-unit.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

test('the unit: KillMode=process, Delegate=yes, Restart=always, after the network, journal; signed by its hash', () => {
  const unit = peapodServiceUnit('/usr/local/bin/peapod serve', '/opt/peapod/README.md', sha);
  for (const line of ['ExecStart=/usr/local/bin/peapod serve', 'KillMode=process', 'Delegate=yes', 'Restart=always', 'After=network-online.target', 'Wants=network-online.target', 'StandardOutput=journal', 'WantedBy=multi-user.target', 'Documentation=file:///opt/peapod/README.md']) {
    assert.ok(unit.split('\n').includes(line), `unit has ${line}`);
  }
  assert.ok(writtenByInstall(unit, sha));
  assert.ok(!writtenByInstall(unit.replace('KillMode=process', 'KillMode=control-group'), sha), 'edited by hand');
  assert.ok(!writtenByInstall(`${unit}ExecStartPre=/bin/true\n`, sha), 'a line added after the hash');
  assert.ok(!writtenByInstall('[Service]\nExecStart=/x\n', sha), 'a unit from elsewhere');
});

test('serviceUnitProblems names each wrong setting, where it comes from, and why it matters', () => {
  const good = parseShow(
    'KillMode=process\nDelegate=yes\nRestart=always\nAfter=network-online.target system.slice sysinit.target\n' +
      'ExecStart={ path=/usr/local/bin/peapod ; argv[]=/usr/local/bin/peapod serve ; ignore_errors=no }\nFragmentPath=/etc/systemd/system/peapod.service\nDropInPaths=\n',
  );
  assert.deepEqual(serviceUnitProblems('peapod.service', good), []);
  const bad = new Map(good);
  bad.set('KillMode', 'control-group');
  bad.set('Delegate', 'no');
  bad.set('DropInPaths', '/etc/systemd/system/peapod.service.d/override.conf');
  bad.set('After', 'system.slice');
  const problems = serviceUnitProblems('peapod.service', bad);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /^peapod\.service: KillMode=control-group in \/etc\/systemd\/system\/peapod\.service \+ \/etc\/systemd\/system\/peapod\.service\.d\/override\.conf: must be process: otherwise stopping or restarting the service kills every container$/);
  assert.match(problems[1], /Delegate=no .* must be yes/);
  assert.match(problems[2], /After=system\.slice .*network-online\.target/);
  const noExec = new Map(good);
  noExec.set('ExecStart', '{ path=/bin/sleep ; argv[]=/bin/sleep 1000 ; }');
  assert.match(serviceUnitProblems('peapod.service', noExec)[0], /ExecStart=.* must be a `peapod serve` command/);
});

test('serviceOfCgroup: the unit a daemon runs in, from its cgroup', () => {
  assert.equal(serviceOfCgroup('/system.slice/peapod.service'), 'peapod.service');
  assert.equal(serviceOfCgroup('/system.slice/peapod.service/daemon'), 'peapod.service');
  assert.equal(serviceOfCgroup('/user.slice/user-0.slice/session-1.scope'), undefined);
});
