/**
 * Root e2e for adapters/cni: real netns, real CNI plugins, real iptables. Uses its own bridge,
 * CIDR, instance name and state dirs, and removes everything in t.after even on failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { Layout } from '../../src/core/layout.js';
import { CniNetwork } from '../../src/adapters/cni/cni-network.js';
import { invokePlugin } from '../../src/adapters/cni/cni-plugin.js';
import {
  cidrContains,
  cniArgs,
  legacyConfList,
  legacyFirewallPlugin,
  pluginStdin,
  runtimeConfigFor,
  type CniResult,
} from '../../src/core/cni-config.js';
import { forwardChainName, forwardRules, masqueradeChainName, masqueradeRules } from '../../src/core/cni-iptables.js';
import type { PodNetworkStatus } from '../../src/core/ports.js';
import { stretch } from './helpers/time-factor.js';
import { freeSubnet } from './helpers/test-daemon.js';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const shOk = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
};

function httpGet(url: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: stretch(timeoutMs), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

async function eventually<T>(fn: () => Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + stretch(ms);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loUp = (netns: string) => /<[^>]*\bUP\b[^>]*>/.test(sh('ip', ['-n', netns, '-o', 'link', 'show', 'lo']));
/** What a client in `netns` is seen as by the socat server at ip:port (which echoes the peer address). */
const seenAs = (netns: string, ip: string, port: number) =>
  execFileSync('ip', ['netns', 'exec', netns, 'socat', '-t', '2', '-T', '3', '-', `TCP:${ip}:${port}`], {
    encoding: 'utf8',
    timeout: stretch(5000),
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
const ipRe = (ip: string) => ip.replace(/\./g, '\\.');

interface ChainState {
  jumps: number;
  chain: boolean;
}
/** The network's jumps in FORWARD and nat POSTROUTING, and whether its chains exist. */
function ownChains(network: string, podCidr: string): { forward: ChainState; masquerade: ChainState } {
  const state = (c: { table: string; from: string; chain: string }) => ({
    jumps: sh('iptables', ['-t', c.table, '-S', c.from]).split('\n').filter((l) => l.endsWith(`-j ${c.chain}`)).length,
    chain: shOk('iptables', ['-t', c.table, '-S', c.chain]),
  });
  return { forward: state(forwardRules(network, podCidr)), masquerade: state(masqueradeRules(network, podCidr)) };
}
/** A private bridge, CIDR and dirs for one test (names random, so leftovers of a crashed run never collide). */
function scratchNetwork(): { r: string; name: string; cidr: string; dir: string; layout: Layout } {
  assert.equal(process.getuid?.(), 0, 'this e2e test needs root (netns, bridge, iptables)');
  const r = randomBytes(2).toString('hex');
  const name = `pptest${r}`;
  const cidr = `${freeSubnet()}.0/24`;
  const dir = mkdtempSync(`${tmpdir()}/peapod-cni-`);
  const layout = new Layout({
    dataDir: `${dir}/data`,
    runDir: `${dir}/run`,
    socketPath: `${dir}/run/peapod.sock`,
    podCidr: cidr,
    bridge: name,
    instance: name,
    nodeName: 'test',
  });
  return { r, name, cidr, dir, layout };
}

/**
 * A stand-in for `tool` in `dir/bin` that fails when its arguments match `refuse` (a sh case
 * pattern) and runs the real one otherwise. `failing(fn)` runs fn with it first on PATH.
 */
function fakeTool(dir: string, tool: string, refuse: string, failure: string): { failing<T>(fn: () => Promise<T>): Promise<T> } {
  const bin = `${dir}/bin`;
  mkdirSync(bin, { recursive: true });
  const real = sh('sh', ['-c', `command -v ${tool}`]).trim();
  writeFileSync(`${bin}/${tool}`, `#!/bin/sh\ncase "$*" in ${refuse}) ${failure};; esac\nexec ${real} "$@"\n`);
  chmodSync(`${bin}/${tool}`, 0o755);
  return {
    async failing(fn) {
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        return await fn();
      } finally {
        process.env.PATH = path;
      }
    },
  };
}

const INSTALLED = { forward: { jumps: 1, chain: true }, masquerade: { jumps: 1, chain: true } };
const NONE = { forward: { jumps: 0, chain: false }, masquerade: { jumps: 0, chain: false } };

test('CNI pod network: two sandboxes, hostPort, FORWARD DROP, clean teardown and reset', { timeout: stretch(120_000) }, async (t) => {
  const { r, name, cidr, dir, layout } = scratchNetwork();
  const net = new CniNetwork({ layout });
  const procs: ChildProcess[] = [];
  const originalPolicy = /^-P FORWARD (\w+)/m.exec(sh('iptables', ['-S', 'FORWARD']))?.[1] ?? 'ACCEPT';
  // An address outside the pod CIDR (another /16), in a netns of the test's own behind a veth.
  const ext = `ppx${r}`;
  const extNet = `10.${cidr.startsWith('10.99.') ? 98 : Number(cidr.split('.')[1]) + 1}.${randomBytes(1)[0]}`;

  t.after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    shOk('ip', ['link', 'del', `${ext}a`]);
    shOk('ip', ['netns', 'del', ext]);
    shOk('iptables', ['-P', 'FORWARD', originalPolicy]);
    await net.removeAll().catch((e) => console.error('removeAll in cleanup failed:', e));
    for (const ns of sh('ip', ['netns', 'list']).split('\n')) {
      const nsName = ns.split(' ')[0];
      if (nsName.startsWith(`${name}-`)) shOk('ip', ['netns', 'del', nsName]);
    }
    shOk('ip', ['link', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  const hostPort = 20000 + (randomBytes(2).readUInt16BE() % 30000);
  const ids = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
  const setUpMs: number[] = [];
  const pods: PodNetworkStatus[] = [];
  for (const [i, id] of ids.entries()) {
    const netnsPath = await net.createNetns(id);
    assert.equal(netnsPath, layout.netnsPath(id));
    assert.equal(await net.createNetns(id), netnsPath, 'createNetns reuses an existing netns');
    assert.ok(!loUp(layout.netnsName(id)), 'lo is down in a new netns');
    const started = performance.now();
    const st = await net.setUp({
      sandboxId: id,
      podUid: `uid-${i}`,
      podName: `pod-${i}`,
      namespace: 'default',
      portMappings: i === 0 ? [{ hostPort, containerPort: 8080, protocol: 'tcp' }] : [],
    });
    setUpMs.push(performance.now() - started);
    assert.equal(st.netnsPath, netnsPath);
    assert.ok(cidrContains(cidr, st.ip), `${st.ip} in ${cidr}`);
    assert.equal(st.gateway, cidr.replace(/0\/24$/, '1'));
    assert.deepEqual(await net.status(id), st);
    assert.ok(loUp(layout.netnsName(id)), 'setUp brought lo up');
    pods.push(st);
  }
  assert.notEqual(pods[0].ip, pods[1].ip);
  assert.deepEqual((await net.list()).sort(), [...ids].sort());
  assert.ok(existsSync(`${layout.cniStateDir}/${ids[0]}.json`), 'result cached for DEL');
  const recorded = (id: string) => (JSON.parse(sh('cat', [`${layout.cniStateDir}/${id}.json`])) as { plugins?: string[] }).plugins;
  assert.deepEqual(recorded(ids[0]), ['bridge', 'portmap']);
  assert.deepEqual(recorded(ids[1]), ['bridge'], 'no portmap for a pod without hostPorts');
  const nat = sh('iptables-save', ['-t', 'nat']);
  const dnatJumps = nat.split('\n').filter((l) => / -j CNI-DN-\w+$/.test(l));
  assert.equal(dnatJumps.filter((l) => l.includes(ids[0])).length, 1, 'portmap ran for the pod with a hostPort');
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(ids[1]), 'no CNI-DN chain nor any rule for the pod without hostPorts');
  for (const st of pods) assert.doesNotMatch(nat, new RegExp(`-A POSTROUTING -s ${ipRe(st.ip)}/32 `), 'no per-pod masquerade chain');

  // A web server inside each netns.
  for (const [i, id] of ids.entries()) {
    const www = `${dir}/www${i}`;
    rmSync(www, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', www]);
    writeFileSync(`${www}/index.html`, `hello-${i}\n`);
    const p = spawn('ip', ['netns', 'exec', layout.netnsName(id), 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
    procs.push(p);
  }
  assert.equal(await eventually(() => httpGet(`http://${pods[0].ip}:8080/`)), 'hello-0\n');
  assert.equal(await eventually(() => httpGet(`http://${pods[1].ip}:8080/`)), 'hello-1\n');
  assert.equal(await eventually(() => httpGet(`http://127.0.0.1:${hostPort}/`)), 'hello-0\n', 'hostPort on 127.0.0.1');

  // Egress leaves masqueraded as the host's address on the way out; pod-to-pod keeps the pod IP.
  sh('ip', ['netns', 'add', ext]);
  sh('ip', ['link', 'add', `${ext}a`, 'type', 'veth', 'peer', 'name', `${ext}b`, 'netns', ext]);
  sh('ip', ['addr', 'add', `${extNet}.1/30`, 'dev', `${ext}a`]);
  sh('ip', ['link', 'set', `${ext}a`, 'up']);
  sh('ip', ['-n', ext, 'addr', 'add', `${extNet}.2/30`, 'dev', `${ext}b`]);
  sh('ip', ['-n', ext, 'link', 'set', `${ext}b`, 'up']);
  const echoPort = 20000 + (randomBytes(2).readUInt16BE() % 30000);
  for (const ns of [ext, layout.netnsName(ids[0])]) {
    const echo = `TCP-LISTEN:${echoPort},reuseaddr,fork`;
    procs.push(spawn('ip', ['netns', 'exec', ns, 'socat', echo, 'SYSTEM:echo $SOCAT_PEERADDR'], { stdio: 'ignore' }));
  }
  assert.equal(
    await eventually(async () => seenAs(layout.netnsName(ids[1]), `${extNet}.2`, echoPort)),
    `${extNet}.1`,
    `egress from ${pods[1].ip} is masqueraded as the host's address toward ${extNet}.2`,
  );
  assert.equal(await eventually(async () => seenAs(layout.netnsName(ids[1]), pods[0].ip, echoPort)), pods[1].ip, 'pod-to-pod is not masqueraded');
  const masqCounters = sh('iptables', ['-t', 'nat', '-L', masqueradeChainName(name), '-v', '-n', '-x']);
  const masqueraded = masqCounters.split('\n').find((l) => /MASQUERADE/.test(l));
  assert.ok(masqueraded && Number(masqueraded.trim().split(/\s+/)[0]) > 0, `the network's masquerade rule matched:\n${masqCounters}`);

  assert.deepEqual(ownChains(name, cidr), INSTALLED, 'one jump to each network chain for two pods');
  // Pod-to-pod traffic crosses FORWARD (br_netfilter); the network's FORWARD rules must let it through.
  try {
    sh('iptables', ['-P', 'FORWARD', 'DROP']);
    // (busybox 1.35's wget -T segfaults, hence the execFileSync timeout instead.)
    const out = execFileSync('ip', ['netns', 'exec', layout.netnsName(ids[1]), 'busybox', 'wget', '-qO-', `http://${pods[0].ip}:8080/`], {
      encoding: 'utf8',
      timeout: stretch(5000),
    });
    assert.equal(out, 'hello-0\n');
    // The packets really crossed FORWARD and were accepted by the network chain's rule for the pod CIDR.
    const counters = sh('iptables', ['-L', forwardChainName(name), '-v', '-n', '-x']);
    const accepted = counters.split('\n').find((l) => new RegExp(`ACCEPT .* ${ipRe(cidr)}\\s+0\\.0\\.0\\.0/0 `).test(l));
    assert.ok(accepted && Number(accepted.trim().split(/\s+/)[0]) > 0, `forward rule for ${cidr} matched packets:\n${counters}`);
    // No per-pod firewall rule anywhere in filter (on a fresh host there is no CNI-FORWARD chain at all).
    assert.doesNotMatch(sh('iptables-save', ['-t', 'filter']), new RegExp(`${ipRe(pods[1].ip)}/32`), 'no per-pod firewall rule');
    assert.equal(await httpGet(`http://127.0.0.1:${hostPort}/`), 'hello-0\n');
  } finally {
    sh('iptables', ['-P', 'FORWARD', originalPolicy]);
  }

  const hostVeth = (id: string) => {
    const cached = JSON.parse(sh('cat', [`${layout.cniStateDir}/${id}.json`])) as { result: { interfaces: { name: string; sandbox?: string }[] } };
    return cached.result.interfaces.find((i) => !i.sandbox && i.name !== name)!.name;
  };
  const veth0 = hostVeth(ids[0]);
  assert.ok(shOk('ip', ['link', 'show', veth0]));
  assert.match(sh('iptables-save', []), new RegExp(ids[0]));

  for (const p of procs) p.kill('SIGKILL');

  // Normal teardown.
  let started = performance.now();
  await net.tearDown(ids[0]);
  const tearDownMs = performance.now() - started;
  assert.ok(!existsSync(layout.netnsPath(ids[0])), 'netns removed');
  assert.ok(!shOk('ip', ['link', 'show', veth0]), 'veth removed');
  const afterA = sh('iptables-save', []);
  assert.doesNotMatch(afterA, new RegExp(ids[0]), 'no rule mentions the sandbox');
  assert.doesNotMatch(afterA, new RegExp(`${pods[0].ip.replace(/\./g, '\\.')}[/:]`), 'no DNAT/firewall rule for its IP');
  assert.equal(await net.status(ids[0]), undefined);
  await net.tearDown(ids[0]); // idempotent

  // Crash path (P1): the netns vanished before DEL; ipMasq rules must still go.
  sh('ip', ['netns', 'del', layout.netnsName(ids[1])]);
  await net.tearDown(ids[1]);
  const afterB = sh('iptables-save', []);
  assert.doesNotMatch(afterB, new RegExp(ids[1]));
  const tagged = afterB.split('\n').filter((l) => l.includes(`name: \\"${name}\\"`));
  assert.deepEqual(
    tagged.filter((l) => !l.includes(forwardChainName(name)) && !l.includes(masqueradeChainName(name))),
    [],
    'no rule tagged with the network but its own chains and jumps',
  );
  assert.doesNotMatch(sh('ls', [`${layout.ipamDir}/${name}`]), new RegExp(pods[1].ip.replace(/\./g, '\\.')), 'lease released');
  assert.deepEqual(await net.list(), []);

  // Sandboxes of earlier peapods, made the way those ran the chain: per-pod ipMasq and portmap always,
  // and before the network FORWARD chain the firewall plugin too (their states lack `plugins`).
  const cfg = { networkName: layout.cniNetworkName, bridge: name, podCidr: cidr, ipamDir: layout.ipamDir };
  for (const forward of [undefined, 'network'] as const) {
    const oldId = randomBytes(32).toString('hex');
    const netnsPath = await net.createNetns(oldId);
    const args = cniArgs({ namespace: 'default', podName: 'p-old', sandboxId: oldId, podUid: 'u-old' });
    const runtimeConfig = runtimeConfigFor([{ hostPort: hostPort + 2, containerPort: 80, protocol: 'tcp' }]);
    const legacy = legacyConfList(cfg);
    let result: CniResult | undefined;
    for (const plugin of forward ? legacy.plugins : [...legacy.plugins, legacyFirewallPlugin()]) {
      const conf = pluginStdin(legacy, plugin, runtimeConfig, result);
      result = (await invokePlugin({ cniPath: '/usr/lib/cni', command: 'ADD', containerId: oldId, netns: netnsPath, ifName: 'eth0', args, conf })) ?? result;
    }
    const oldState = { sandboxId: oldId, netnsPath, network: layout.cniNetworkName, cniArgs: args, runtimeConfig, result, ...(forward ? { forward } : {}) };
    writeFileSync(`${layout.cniStateDir}/${oldId}.json`, JSON.stringify(oldState));
    const oldIp = result!.ips![0].address.split('/')[0];
    const masqJump = new RegExp(`^-A POSTROUTING -s ${ipRe(oldIp)}/32 .*-j (CNI-[0-9a-f]+)$`, 'm').exec(sh('iptables-save', ['-t', 'nat']));
    assert.ok(masqJump, `the ${forward ?? 'oldest'} sandbox has its per-pod masquerade chain`);
    assert.match(sh('iptables-save', ['-t', 'nat']), /CNI-DN-/);
    const oldIpRule = new RegExp(`${ipRe(oldIp)}/32`);
    if (!forward) assert.match(sh('iptables', ['-S', 'CNI-FORWARD']), oldIpRule, 'the oldest sandbox has its firewall-plugin rules');

    await net.tearDown(oldId);
    const after = sh('iptables-save', []);
    assert.doesNotMatch(after, new RegExp(`^:${masqJump[1]} `, 'm'), "tearDown removed the per-pod CNI-<hash> nat chain (bridge DEL with ipMasq)");
    assert.doesNotMatch(after, new RegExp(oldId), "no rule mentions the sandbox (portmap's DEL ran)");
    assert.doesNotMatch(after, new RegExp(`${ipRe(oldIp)}[/:]`), 'no masquerade, DNAT or firewall rule for its IP');
    assert.ok(!existsSync(layout.netnsPath(oldId)));
    assert.doesNotMatch(sh('ls', [`${layout.ipamDir}/${name}`]), new RegExp(ipRe(oldIp)), 'lease released');
  }
  assert.deepEqual(await net.list(), []);

  // FORWARD and POSTROUTING flushed behind our back (a firewall reload): the next setUp puts the jumps back.
  sh('iptables', ['-D', 'FORWARD', ...forwardRules(name, cidr).jump]);
  sh('iptables', ['-t', 'nat', '-D', 'POSTROUTING', ...masqueradeRules(name, cidr).jump]);
  assert.deepEqual(ownChains(name, cidr), { forward: { jumps: 0, chain: true }, masquerade: { jumps: 0, chain: true } });
  await net.ensureNetworkRules();
  await net.ensureNetworkRules();
  assert.deepEqual(ownChains(name, cidr), INSTALLED);
  assert.equal(sh('iptables', ['-S', forwardChainName(name)]).split('\n').filter((l) => l.startsWith('-A')).length, forwardRules(name, cidr).rules.length, 'chain rebuilt, not doubled');
  const masqRules = sh('iptables', ['-t', 'nat', '-S', masqueradeChainName(name)]).split('\n').filter((l) => l.startsWith('-A'));
  assert.equal(masqRules.length, masqueradeRules(name, cidr).rules.length, 'masquerade chain rebuilt, not doubled');
  // Only the masquerade jump gone: the check notices it too.
  sh('iptables', ['-t', 'nat', '-D', 'POSTROUTING', ...masqueradeRules(name, cidr).jump]);
  await net.ensureNetworkRules();
  assert.deepEqual(ownChains(name, cidr), INSTALLED);

  // Lost cache (only the netns is left): list() names it by its prefix, tearDown still cleans up.
  const lostId = randomBytes(32).toString('hex');
  const lost = await net.setUp({ sandboxId: lostId, podUid: 'u', podName: 'p', namespace: 'default', portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] });
  rmSync(`${layout.cniStateDir}/${lostId}.json`);
  assert.deepEqual(await net.list(), [lostId.slice(0, 12)]);
  await net.tearDown(lostId.slice(0, 12));
  const afterLost = sh('iptables-save', []);
  assert.doesNotMatch(afterLost, new RegExp(lostId.slice(0, 12)));
  assert.doesNotMatch(afterLost, new RegExp(`${lost.ip.replace(/\./g, '\\.')}[/:]`), 'firewall and DNAT rules for the lost IP removed');
  assert.ok(!existsSync(layout.netnsPath(lostId)));
  assert.deepEqual(await net.list(), []);

  // Setup timing, with and without a hostPort (portmap or not).
  const timing: Record<string, number[]> = { hostPort: [], noPorts: [], tearDown: [] };
  for (let round = 0; round < 4; round++) {
    for (const mode of ['hostPort', 'noPorts'] as const) {
      const id = randomBytes(32).toString('hex');
      await net.createNetns(id);
      started = performance.now();
      const portMappings = mode === 'hostPort' ? [{ hostPort: hostPort + 1, containerPort: 80, protocol: 'tcp' as const }] : [];
      await net.setUp({ sandboxId: id, podUid: 'u', podName: 'p', namespace: 'default', portMappings });
      timing[mode].push(performance.now() - started);
      started = performance.now();
      await net.tearDown(id);
      timing.tearDown.push(performance.now() - started);
    }
  }
  t.diagnostic(
    `setUp first two ms: ${setUpMs.map((x) => x.toFixed(0)).join(', ')}; tearDown ${tearDownMs.toFixed(0)} ms; ` +
      `setUp median with a hostPort ${median(timing.hostPort).toFixed(0)} ms, without ${median(timing.noPorts).toFixed(0)} ms; ` +
      `tearDown median ${median(timing.tearDown).toFixed(0)} ms`,
  );

  await net.removeAll();
  assert.ok(!shOk('ip', ['link', 'show', name]), 'bridge removed');
  assert.ok(!existsSync(layout.cniStateDir), 'CNI state removed');
  const afterReset = sh('iptables-save', []);
  assert.doesNotMatch(afterReset, new RegExp(name));
  for (const chain of [forwardChainName(name), masqueradeChainName(name)]) assert.ok(!afterReset.includes(chain), `${chain} gone`);
  assert.deepEqual(ownChains(name, cidr), NONE, 'removeAll removed the FORWARD and POSTROUTING jumps and the chains');
});

test('a failing plugin rejects naming the plugin and its msg, and what was added is undone', { timeout: stretch(60_000) }, async (t) => {
  const { name, cidr, dir, layout } = scratchNetwork();
  // The real plugins, except a portmap whose ADD fails the way plugins do: {code,msg} on stdout, exit 1.
  const cniPath = `${dir}/cni`;
  mkdirSync(cniPath);
  for (const plugin of readdirSync('/usr/lib/cni')) if (plugin !== 'portmap') symlinkSync(`/usr/lib/cni/${plugin}`, `${cniPath}/${plugin}`);
  writeFileSync(
    `${cniPath}/portmap`,
    '#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = ADD ] || exit 0\necho \'{"cniVersion":"1.0.0","code":999,"msg":"boom from fake portmap"}\'\nexit 1\n',
  );
  chmodSync(`${cniPath}/portmap`, 0o755);
  const net = new CniNetwork({ layout, cniPath });
  t.after(async () => {
    await net.removeAll().catch((e) => console.error('removeAll in cleanup failed:', e));
    shOk('ip', ['link', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  const id = randomBytes(32).toString('hex');
  await net.createNetns(id);
  await assert.rejects(
    net.setUp({ sandboxId: id, podUid: 'u', podName: 'p', namespace: 'default', portMappings: [{ hostPort: 20000 + (randomBytes(2).readUInt16BE() % 30000), containerPort: 80, protocol: 'tcp' }] }),
    (err: Error) => /portmap/.test(err.message) && /boom from fake portmap/.test(err.message),
  );
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(id), 'ipMasq rules undone');
  const leases = existsSync(`${layout.ipamDir}/${name}`) ? readdirSync(`${layout.ipamDir}/${name}`) : [];
  assert.deepEqual(leases.filter((f) => /^\d/.test(f)), [], 'IP lease released');
  assert.equal(await net.status(id), undefined);
  await net.tearDown(id);
  assert.ok(!existsSync(layout.netnsPath(id)));
  await net.removeAll();
  assert.ok(!shOk('ip', ['link', 'show', name]), 'bridge removed');
  assert.deepEqual(ownChains(name, cidr), NONE);
});

test('concurrent setUp on a fresh bridge, then removeAll tears every sandbox down', { timeout: stretch(60_000) }, async (t) => {
  const { name, cidr, dir, layout } = scratchNetwork();
  const net = new CniNetwork({ layout });
  t.after(async () => {
    await net.removeAll().catch((e) => console.error('removeAll in cleanup failed:', e));
    shOk('ip', ['link', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });
  const ids = [0, 1, 2].map(() => randomBytes(32).toString('hex'));
  const basePort = 20000 + (randomBytes(2).readUInt16BE() % 30000);
  const started = performance.now();
  const sts = await Promise.all(
    ids.map((id, i) =>
      net.setUp({ sandboxId: id, podUid: `u${i}`, podName: `p${i}`, namespace: 'default', portMappings: [{ hostPort: basePort + i, containerPort: 80, protocol: 'tcp' }] }),
    ),
  );
  t.diagnostic(`3 concurrent setUps on a fresh bridge: ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(new Set(sts.map((s) => s.ip)).size, 3);
  for (const s of sts) assert.ok(cidrContains(cidr, s.ip));
  assert.equal((await net.list()).length, 3);
  assert.deepEqual(ownChains(name, cidr), INSTALLED, 'concurrent setUps insert each jump once');
  await net.removeAll();
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(name));
  assert.deepEqual(ownChains(name, cidr), NONE);
  for (const id of ids) assert.ok(!existsSync(layout.netnsPath(id)));
  assert.ok(!shOk('ip', ['link', 'show', name]), 'bridge removed');
});

test('a failing FORWARD rule install fails setUp, and what the plugins added is undone', { timeout: stretch(60_000) }, async (t) => {
  const { name, cidr, dir, layout } = scratchNetwork();
  // An iptables that refuses only our chain; the plugins' own iptables calls go through.
  const iptables = fakeTool(dir, 'iptables', `*${forwardChainName(name)}*`, 'echo "iptables: refused by the test" >&2; exit 4');
  const net = new CniNetwork({ layout });
  t.after(async () => {
    await net.removeAll().catch((e) => console.error('removeAll in cleanup failed:', e));
    shOk('ip', ['link', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  const id = randomBytes(32).toString('hex');
  await iptables.failing(() =>
    assert.rejects(
      net.setUp({ sandboxId: id, podUid: 'u', podName: 'p', namespace: 'default', portMappings: [{ hostPort: 20000 + (randomBytes(2).readUInt16BE() % 30000), containerPort: 80, protocol: 'tcp' }] }),
      (err: Error) => /iptables/.test(err.message) && /refused by the test/.test(err.message),
    ),
  );
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(id), 'portmap and ipMasq rules undone');
  const leases = existsSync(`${layout.ipamDir}/${name}`) ? readdirSync(`${layout.ipamDir}/${name}`) : [];
  assert.deepEqual(leases.filter((f) => /^\d/.test(f)), [], 'IP lease released');
  assert.equal(await net.status(id), undefined);
  assert.deepEqual(ownChains(name, cidr).forward, NONE.forward);
  // Once iptables works again, the next setUp installs the rules.
  const st = await net.setUp({ sandboxId: id, podUid: 'u', podName: 'p', namespace: 'default', portMappings: [] });
  assert.ok(cidrContains(cidr, st.ip));
  assert.deepEqual(ownChains(name, cidr), INSTALLED);
  await net.removeAll();
  assert.deepEqual(ownChains(name, cidr), NONE);
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(name));
});

test('lo failing to come up fails setUp naming the problem, and what the chain added is undone', { timeout: stretch(60_000) }, async (t) => {
  const { name, cidr, dir, layout } = scratchNetwork();
  // An ip that refuses only to set lo up; everything else goes to the real one.
  const ip = fakeTool(dir, 'ip', '*"link set lo up"*', 'echo "RTNETLINK answers: refused by the test" >&2; exit 2');
  const net = new CniNetwork({ layout });
  t.after(async () => {
    await net.removeAll().catch((e) => console.error('removeAll in cleanup failed:', e));
    shOk('ip', ['link', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  const id = randomBytes(32).toString('hex');
  await net.createNetns(id);
  await ip.failing(() =>
    assert.rejects(
      net.setUp({ sandboxId: id, podUid: 'u', podName: 'p', namespace: 'default', portMappings: [{ hostPort: 20000 + (randomBytes(2).readUInt16BE() % 30000), containerPort: 80, protocol: 'tcp' }] }),
      (err: Error) => /lo/.test(err.message) && new RegExp(layout.netnsName(id)).test(err.message) && /refused by the test/.test(err.message),
    ),
  );
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(id), 'portmap rules undone');
  const leases = existsSync(`${layout.ipamDir}/${name}`) ? readdirSync(`${layout.ipamDir}/${name}`) : [];
  assert.deepEqual(leases.filter((f) => /^\d/.test(f)), [], 'IP lease released');
  assert.ok(!sh('ip', ['-n', layout.netnsName(id), '-o', 'link']).includes('eth0'), 'the pod interface is gone');
  assert.equal(await net.status(id), undefined);
  await net.tearDown(id);
  assert.ok(!existsSync(layout.netnsPath(id)));
  await net.removeAll();
  assert.deepEqual(ownChains(name, cidr), NONE);
  assert.doesNotMatch(sh('iptables-save', []), new RegExp(name));
});
