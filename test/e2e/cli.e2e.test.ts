/**
 * The peapod CLI against a real daemon, as a user types it: apply (created / unchanged /
 * configured / refused), get, describe, logs, exec, delete, image commands; and the volume kinds
 * a user meets first (emptyDir on disk and in memory, hostPath with readOnly and subPath).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { TestDaemon, allRunning, peapodBin, repoRoot } from './helpers/test-daemon.js';

const run = promisify(execFile);
let d: TestDaemon;
let dir: string;

async function peapod(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(peapodBin, args, { env: { ...process.env, PEAPOD_SOCKET: d.socket }, timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

before(async () => {
  d = new TestDaemon();
  await d.start();
  dir = mkdtempSync('/var/tmp/peapod-cli-e2e-');
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await d?.cleanup();
});

test('image import, ls and rm through the CLI', async () => {
  const rootfs = `${d.base}/bb`;
  await run(`${repoRoot}/scripts/make-busybox-rootfs.sh`, [rootfs]);
  const imp = await peapod('image', 'import', rootfs, 'busybox', '--change', 'ENV PATH=/bin', '--change', 'CMD ["sh"]');
  assert.equal(imp.code, 0, imp.stderr);
  await peapod('image', 'import', rootfs, 'spare:1', '--change', 'ENV PATH=/bin');
  const ls = await peapod('image', 'ls');
  assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID/m);
  assert.match(ls.stdout, /^localhost\/busybox\s+latest\s+[0-9a-f]{12}/m);
  const rm = await peapod('image', 'rm', 'localhost/spare:1');
  assert.equal(rm.code, 0, rm.stderr);
  assert.doesNotMatch((await peapod('image', 'ls')).stdout, /spare/);
  const bad = await peapod('image', 'import', '/nonexistent/rootfs', 'x');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /nonexistent/);
});

test('apply, get, describe, logs, exec, delete; volumes; immutable fields refused', async () => {
  const host = `${dir}/host`;
  mkdirSync(`${host}/sub`, { recursive: true });
  writeFileSync(`${host}/sub/greeting`, 'hello from the host\n');
  const manifest = (command: string, label = 'one') => `
apiVersion: v1
kind: Pod
metadata:
  name: vols
  labels: { tier: ${label} }
spec:
  terminationGracePeriodSeconds: 1
  volumes:
    - name: scratch
      emptyDir: {}
    - name: mem
      emptyDir: { medium: Memory }
    - name: host
      hostPath: { path: ${host}, type: Directory }
  containers:
    - name: main
      image: localhost/busybox:latest
      command: ["sh", "-c", "${command}"]
      volumeMounts:
        - { name: scratch, mountPath: /scratch }
        - { name: mem, mountPath: /mem }
        - { name: host, mountPath: /greeting, subPath: sub, readOnly: true }
`;
  const file = `${dir}/vols.yaml`;
  writeFileSync(file, manifest('echo started; cat /greeting/greeting; exec sleep 100000'));
  const created = await peapod('apply', '-f', file);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'pod/vols created');
  assert.equal((await peapod('apply', '-f', file)).stdout.trim(), 'pod/vols unchanged');
  await d.waitForPod('vols', allRunning);

  const get = await peapod('get', 'pods');
  assert.match(get.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*$/m);
  assert.match(get.stdout, /^vols\s+1\/1\s+Running\s+0\s+\d+s\s*$/m);
  const wide = await peapod('get', 'pod', 'vols', '-o', 'wide');
  assert.match(wide.stdout, new RegExp(`${d.subnet.replace(/\./g, '\\.')}\\.\\d+`));
  const asJson = JSON.parse((await peapod('get', 'pod', 'vols', '-o', 'json')).stdout);
  assert.equal(asJson.kind, 'Pod');
  assert.equal(asJson.status.phase, 'Running');

  const desc = await peapod('describe', 'pod', 'vols');
  assert.match(desc.stdout, /^Name:\s+vols$/m);
  assert.match(desc.stdout, /^Status:\s+Running$/m);
  assert.match(desc.stdout, /Container ID:\s+peapod:\/\/[0-9a-f]{64}/);

  const logs = await peapod('logs', 'vols');
  assert.equal(logs.stdout, 'started\nhello from the host\n');
  const tail = await peapod('logs', 'vols', '--tail', '1', '--timestamps');
  assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z hello from the host\n$/);

  // Volumes seen from inside: the Memory emptyDir is a tmpfs, the hostPath subPath is read-only.
  const mounts = await peapod('exec', 'vols', '--', 'sh', '-c', 'grep -E " /mem | /greeting " /proc/mounts');
  assert.match(mounts.stdout, /^tmpfs \/mem tmpfs/m);
  assert.match(mounts.stdout, / \/greeting \S+ ro[,\s]/m);
  const ro = await peapod('exec', 'vols', '--', 'sh', '-c', 'echo x > /greeting/new');
  assert.notEqual(ro.code, 0, 'the read-only hostPath refused a write');
  assert.equal((await peapod('exec', 'vols', '--', 'sh', '-c', 'exit 4')).code, 4);
  assert.equal((await peapod('exec', 'vols', '--', 'sh', '-c', 'echo shared > /scratch/f; cat /scratch/f')).stdout, 'shared\n');

  // A label change is applied in place; a command change is refused naming the field.
  writeFileSync(file, manifest('echo started; cat /greeting/greeting; exec sleep 100000', 'two'));
  assert.equal((await peapod('apply', '-f', file)).stdout.trim(), 'pod/vols configured');
  writeFileSync(file, manifest('exec sleep 5', 'two'));
  const refused = await peapod('apply', '-f', file);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /spec\.containers\[0\]\.command/);
  assert.match(refused.stderr, /Forbidden: pod updates may not change fields/);

  const del = await peapod('delete', 'pod', 'vols');
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout.trim(), 'pod "vols" deleted');
  const none = await peapod('get', 'pod', 'vols');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Error from server \(NotFound\): pods "vols" not found/);
  assert.equal(readFileSync(`${host}/sub/greeting`, 'utf8'), 'hello from the host\n', 'deleting the pod left the hostPath alone');
});

test('bad input: malformed YAML, unknown kind, invalid pod; nothing is stored', async () => {
  const file = `${dir}/bad.yaml`;
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n');
  const yaml = await peapod('apply', '-f', file);
  assert.notEqual(yaml.code, 0);
  assert.match(yaml.stderr, /line \d+/);
  writeFileSync(file, 'apiVersion: v1\nkind: Gizmo\nmetadata: {name: x}\n');
  assert.match((await peapod('apply', '-f', file)).stderr, /Gizmo/);
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: a, image: localhost/busybox}\n  - {name: a, image: localhost/busybox}\n');
  const dup = await peapod('apply', '-f', file);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /spec\.containers\[1\]\.name: Duplicate value: "a"/);
  assert.match((await peapod('get', 'pods')).stderr + (await peapod('get', 'pods')).stdout, /No resources found in default namespace/);
  const flag = await peapod('get', 'pods', '--bogus');
  assert.equal(flag.code, 2);
});
