import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CgroupFsStats, meminfoMemory, procStatCpuNanos } from './cgroup-stats.js';
import { parseProcess } from './proc-reader.js';

/** Writes `files` (path → content) under a fresh directory: a cgroupfs as the kernel shows it. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(`${tmpdir()}/cgroup-fixture-`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(`${root}/${path.split('/').slice(0, -1).join('/')}`, { recursive: true });
    writeFileSync(`${root}/${path}`, content);
  }
  return root;
}

const POD = 'peapod/burstable/podu1';
const V1_MEMORY_STAT = 'cache 1000\nrss 500\ninactive_file 100\ntotal_cache 40960000\ntotal_rss 8192000\ntotal_inactive_file 20480000\ntotal_active_file 1000\n';

test('cgroup v1: cpuacct.usage in ns, working set = usage − total_inactive_file, rss = total_rss', async (t) => {
  const root = fixture({
    [`cpuacct/${POD}/cpuacct.usage`]: '123456789012\n',
    [`memory/${POD}/memory.usage_in_bytes`]: '52428800\n',
    [`memory/${POD}/memory.stat`]: V1_MEMORY_STAT,
    [`pids/${POD}/cgroup.procs`]: '',
    [`pids/${POD}/c1/cgroup.procs`]: '101\n102\n',
    [`pids/${POD}/c2/cgroup.procs`]: '201\n',
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const reader = new CgroupFsStats({
    mounts: { v1: new Map([['cpuacct', `${root}/cpuacct`], ['cpu', `${root}/cpuacct`], ['memory', `${root}/memory`], ['pids', `${root}/pids`]]) },
    now: () => 42,
  });
  assert.deepEqual(await reader.read(`/${POD}`), {
    timestamp: 42,
    cpuUsageNanos: 123456789012,
    memoryUsageBytes: 52428800,
    memoryWorkingSetBytes: 52428800 - 20480000,
    memoryRssBytes: 8192000,
  });
  assert.deepEqual((await reader.pids(`/${POD}`)).sort(), [101, 102, 201]);
  assert.equal(await reader.read('/peapod/besteffort/podgone'), undefined);
  assert.deepEqual(await reader.pids('/peapod/besteffort/podgone'), []);
  await assert.rejects(reader.read('/peapod/../../etc'), /invalid cgroup path/);
});

test('cgroup v1: the working set never goes below 0 (inactive_file larger than usage after a reclaim race)', async (t) => {
  const root = fixture({
    'cpuacct/x/cpuacct.usage': '5',
    'memory/x/memory.usage_in_bytes': '1000',
    'memory/x/memory.stat': 'total_inactive_file 5000\n',
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const reader = new CgroupFsStats({ mounts: { v1: new Map([['cpuacct', `${root}/cpuacct`], ['memory', `${root}/memory`]]) } });
  assert.equal((await reader.read('/x'))?.memoryWorkingSetBytes, 0);
});

test('cgroup v2: cpu.stat usage_usec ×1000, memory.current − inactive_file, anon; pids from the unified tree', async (t) => {
  const root = fixture({
    [`${POD}/cpu.stat`]: 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 0\n',
    [`${POD}/memory.current`]: '104857600\n',
    [`${POD}/memory.stat`]: 'anon 31457280\nfile 62914560\nkernel 1000\ninactive_anon 0\nactive_anon 31457280\ninactive_file 41943040\nactive_file 20971520\n',
    [`${POD}/cgroup.procs`]: '',
    [`${POD}/abc/cgroup.procs`]: '7\n',
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const reader = new CgroupFsStats({ mounts: { v1: new Map(), v2: root }, now: () => 7 });
  assert.deepEqual(await reader.read(POD), {
    timestamp: 7,
    cpuUsageNanos: 2_500_000_000,
    memoryUsageBytes: 104857600,
    memoryWorkingSetBytes: 104857600 - 41943040,
    memoryRssBytes: 31457280,
  });
  assert.deepEqual(await reader.pids(POD), [7]);
  assert.equal(await reader.read('/nothing/here'), undefined);
});

test('node figures: the v1 root cgroup; on v2 /proc/stat busy time and /proc/meminfo', async (t) => {
  const v1 = fixture({ 'cpuacct/cpuacct.usage': '9000000000', 'memory/memory.usage_in_bytes': '4096', 'memory/memory.stat': 'total_inactive_file 1024\ntotal_rss 2048\n' });
  const proc = fixture({
    stat: 'cpu  100 5 45 9000 50 0 10 0 0 0\ncpu0 50 2 20 4500 25 0 5 0 0 0\nbtime 1700000000\n',
    meminfo: 'MemTotal:       16384 kB\nMemFree:         4096 kB\nMemAvailable:    8192 kB\nAnonPages:       2048 kB\nInactive(file):  1024 kB\n',
  });
  t.after(() => {
    rmSync(v1, { recursive: true, force: true });
    rmSync(proc, { recursive: true, force: true });
  });
  const r1 = await new CgroupFsStats({ mounts: { v1: new Map([['cpuacct', `${v1}/cpuacct`], ['memory', `${v1}/memory`]]) } }).readNode();
  assert.equal(r1.cpuUsageNanos, 9e9);
  assert.equal(r1.memoryWorkingSetBytes, 3072);
  const r2 = await new CgroupFsStats({ mounts: { v1: new Map(), v2: `${proc}/no-cgroup` }, procRoot: proc }).readNode();
  // user + nice + system + irq + softirq + steal = 160 ticks of 10 ms
  assert.equal(r2.cpuUsageNanos, 1.6e9);
  assert.equal(r2.memoryUsageBytes, 12288 * 1024);
  assert.equal(r2.memoryWorkingSetBytes, 11264 * 1024);
  assert.equal(r2.memoryRssBytes, 2048 * 1024);
  assert.equal(procStatCpuNanos('garbage'), 0);
  assert.equal(meminfoMemory('').memoryWorkingSetBytes, 0);
});

test('/proc/<pid>/stat: a comm with spaces and parentheses, the innermost NSpid, cmdline or [comm]', () => {
  const stat = '4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 360000 1000000 300 18446744073709551615';
  const p = parseProcess(4242, stat, 'Name:\tx\nNSpid:\t4242\t3\n', 'sleep\x00100\x00', 1_700_000_000_000);
  assert.deepEqual(p, {
    pid: 4242,
    nsPid: 3,
    ppid: 1,
    command: 'sleep 100',
    state: 'S',
    cpuNanos: 3e9,
    rssBytes: 300 * 4096,
    startedAt: 1_700_000_000_000 + 3_600_000,
  });
  assert.equal(parseProcess(5, '5 (kworker/0:1) I 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 10 0 0', '', '', 0)?.command, '[kworker/0:1]');
  assert.equal(parseProcess(5, 'garbage', '', '', 0), undefined);
});
