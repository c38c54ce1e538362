import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { listCgroupHierarchies } from './cgroup-fs.js';
import { removeServiceCgroup } from './instance-processes.js';

test('removeServiceCgroup touches nothing but a peapod.service cgroup', async () => {
  for (const path of ['/', '', '/system.slice', '/system.slice/other.service', '/system.slice/peapod.service/../x']) {
    await assert.rejects(removeServiceCgroup(path), /not the service's cgroup/);
  }
});

const root = process.getuid?.() === 0;
test(
  'removeServiceCgroup waits for what ends by itself, SIGKILLs what is left, removes the cgroup',
  { skip: root ? false : 'NOT RUN: needs root (makes a cgroup and moves processes into it)' },
  async () => {
    const [hierarchy] = await listCgroupHierarchies();
    const top = `/peapod-unit-${randomBytes(4).toString('hex')}`;
    const rel = `${top}/peapod.service`;
    mkdirSync(`${hierarchy}${rel}`, { recursive: true });
    const ending = spawn('sleep', ['0.5']);
    const stuck = spawn('sleep', ['60']);
    try {
      for (const p of [ending, stuck]) writeFileSync(`${hierarchy}${rel}/cgroup.procs`, String(p.pid));
      const stuckExit = once(stuck, 'exit');
      const killed = await removeServiceCgroup(rel, 3000);
      assert.deepEqual(killed, ['sleep'], 'only the process still there after the wait');
      assert.equal(ending.exitCode, 0, 'the one that ended by itself was not killed');
      assert.deepEqual(await stuckExit, [null, 'SIGKILL']);
      assert.equal(existsSync(`${hierarchy}${rel}`), false, 'the cgroup is gone');
    } finally {
      stuck.kill('SIGKILL');
      ending.kill('SIGKILL');
      for (const dir of [`${hierarchy}${rel}`, `${hierarchy}${top}`]) {
        for (let i = 0; i < 50 && existsSync(dir); i++) {
          try {
            rmdirSync(dir);
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    }
  },
);
