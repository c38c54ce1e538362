/**
 * Issue 13's done-when, with the real kubectl against a real daemon: a client pod reaches a
 * 2-replica Deployment through its Service by short name and FQDN and sees both backends; a pod
 * that turns not-ready stops getting traffic within 2 s; a headless Service resolves to the pod
 * IPs; a NodePort answers on the node address from the host; `kubectl port-forward svc/web`; DNS
 * forwarding (to a fake upstream on 127.0.0.1: nothing leaves the machine) and negative answers;
 * bad Services refused naming the field. One daemon for the file (service accounts and RBAC:
 * service-accounts.e2e.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { TestDaemon, allRunning, httpGet, stretch } from './helpers/test-daemon.js';
import { haveKubectl, KUBECTL, kubectlFor, kubectlTestOptions } from './helpers/kubectl.js';
import type { Pod } from '../../src/core/types.js';

const opts = kubectlTestOptions('Services');

/** The only upstream resolver the daemon knows: answers A 192.0.2.77 for anything, on 127.0.0.1. */
const upstream = createSocket('udp4');
let upstreamQueries = 0;
upstream.on('message', (msg, r) => {
  const q = dnsPacket.decode(msg);
  upstreamQueries++;
  const name = q.questions?.[0]?.name ?? '';
  const answers = q.questions?.[0]?.type === 'A' && name.endsWith('example.com') ? [{ name, type: 'A' as const, ttl: 60, data: '192.0.2.77' }] : [];
  upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), r.port, r.address);
});
await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));

let d: TestDaemon;
const { kubectl, ok } = kubectlFor(() => d);

before(async () => {
  if (!haveKubectl) return;
  d = new TestDaemon({ dnsUpstream: `127.0.0.1:${upstream.address().port}` });
  await d.start();
  await d.importBusybox();
});
after(async () => {
  upstream.close();
  if (d) await d.cleanup();
});

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: localhost/busybox:latest
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: localhost/busybox:latest, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec:
  hostname: db-0
  subdomain: db
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: localhost/busybox:latest, command: [sleep, '3600']}]
`;

/** n HTTP/1.0 GETs from inside a pod, one answer (the backend's hostname) per line. */
async function fetchFrom(pod: string, host: string, n: number, port = 80): Promise<string[]> {
  const out = await ok(['exec', pod, '--', 'sh', '-c', `for i in $(seq ${n}); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port} | tail -1; echo; done`]);
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

const ready = (p: Pod): boolean => allRunning(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function webPods(): Promise<Pod[]> {
  const deadline = Date.now() + stretch(60_000);
  for (;;) {
    const pods = (await d.client.listPods('default', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    if (pods.length === 2 && pods.every(ready)) return pods;
    if (Date.now() > deadline) throw new Error(`web pods not ready: ${JSON.stringify(pods.map((p) => p.status?.conditions))}\n${d.log()}`);
    await sleep(200);
  }
}

test('a client pod reaches the 2-replica Deployment by http://web and the FQDN, and sees both backends', opts, async () => {
  // Everything the file's tests use starts at once (the headless db Service and its pod too).
  await ok(['apply', '-f', '-'], { stdin: WEB });
  const pods = await webPods();
  await d.waitForPod('client', allRunning, 60_000);
  const names = pods.map((p) => p.metadata!.name!).sort();
  assert.match(await ok(['exec', 'client', '--', 'cat', '/etc/resolv.conf']), /^nameserver 10\.\d+\.\d+\.10$/m);
  const seen = new Set<string>();
  for (let round = 0; round < 5 && seen.size < 2; round++) for (const h of await fetchFrom('client', 'web', 12)) seen.add(h);
  assert.deepEqual([...seen].sort(), names, 'both backends answer through http://web');
  assert.ok(names.includes((await fetchFrom('client', 'web.default.svc.cluster.local', 1))[0]), 'the FQDN works too');
  const table = await ok(['get', 'svc,ep,endpointslices']);
  assert.match(table, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
  assert.match(table, /^service\/web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+/m);
  assert.match(table, /^endpointslice\.discovery\.k8s\.io\/web-\w+\s+IPv4\s+8080\s+/m);
});

test('a pod that turns not-ready stops getting traffic within 2 s, and gets it back once ready', opts, async () => {
  const [a, b] = await webPods();
  const aName = a.metadata!.name!;
  const aIp = a.status!.podIP!;
  await ok(['exec', aName, '--', 'rm', '/tmp/ready']);
  await d.waitForPod(aName, (p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'False'), 20_000);
  const notReadyAt = Date.now();
  // The rules: a's address leaves the table within 2 s of the pod turning not-ready.
  for (;;) {
    const rules = execFileSync('nft', ['list', 'table', 'ip', d.layout.serviceRulesTable], { encoding: 'utf8' });
    if (!rules.includes(`${aIp} . 8080`) && !rules.includes(`dnat to ${aIp}:`)) break;
    assert.ok(Date.now() - notReadyAt < 2000, `${aIp} still in the Service rules ${Date.now() - notReadyAt} ms after the pod turned not-ready`);
    await sleep(20);
  }
  assert.ok(Date.now() - notReadyAt <= 2000);
  const answers = await fetchFrom('client', 'web', 10);
  assert.deepEqual(new Set(answers), new Set([b.metadata!.name]), 'only the ready backend answers');
  await ok(['exec', aName, '--', 'touch', '/tmp/ready']);
  await d.waitForPod(aName, ready, 20_000);
  const back = new Set<string>();
  for (let round = 0; round < 10 && back.size < 2; round++) for (const h of await fetchFrom('client', 'web', 10)) back.add(h);
  assert.equal(back.size, 2);
});

test('sessionAffinity ClientIP: a client keeps getting the same backend (without it, 12 answers from one of two backends: 1 in 2,048)', opts, async () => {
  await webPods();
  await ok(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Service\nmetadata: {name: sticky}\nspec: {selector: {app: web}, sessionAffinity: ClientIP, ports: [{port: 80, targetPort: http}]}\n' });
  let answers: string[] = [];
  for (let round = 0; round < 20 && answers.length < 12; round++) {
    answers = await fetchFrom('client', 'sticky', 12);
    if (answers.length < 12) await sleep(200);
  }
  assert.equal(answers.length, 12);
  assert.equal(new Set(answers).size, 1, `every answer from one backend: ${answers.join(', ')}`);
  const svc = JSON.parse(await ok(['get', 'svc', 'sticky', '-o', 'json']));
  assert.equal(svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800, 'the default affinity timeout');
});

test('hairpin: a backend reaching its own Service gets answers, from itself too', opts, async () => {
  const [a] = await webPods();
  const self = a.metadata!.name!;
  const seen = new Set<string>();
  for (let round = 0; round < 10 && !seen.has(self); round++) for (const h of await fetchFrom(self, 'web', 10)) seen.add(h);
  assert.ok(seen.has(self), `the pod reached itself through the Service (saw ${[...seen].join(', ')})`);
});

test('a headless Service resolves to the ready pod IPs, each pod also by <hostname>.<subdomain>', opts, async () => {
  const pod = await d.waitForPod('db-0', ready, 60_000);
  const ip = pod.status!.podIP!;
  const deadline = Date.now() + stretch(10_000);
  let out = '';
  while (Date.now() < deadline) {
    out = (await kubectl(['exec', 'client', '--', 'nslookup', 'db.default.svc.cluster.local'])).stdout;
    if (out.includes(ip)) break;
    await sleep(200);
  }
  assert.match(out, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`));
  assert.match(await ok(['exec', 'client', '--', 'nslookup', 'db-0.db.default.svc.cluster.local']), new RegExp(ip.replace(/\./g, '\\.')));
  assert.match((await kubectl(['exec', 'client', '--', 'cat', '/etc/hosts'])).stdout, /Kubernetes-managed hosts file/);
  assert.match(await ok(['exec', 'db-0', '--', 'cat', '/etc/hosts']), new RegExp(`${ip.replace(/\./g, '\\.')}\\s+db-0\\.db\\.default\\.svc\\.cluster\\.local\\s+db-0`));
});

test('cluster DNS: other names go to the upstream; unknown cluster names are NXDOMAIN; ExternalName is a CNAME', opts, async () => {
  const before = upstreamQueries;
  assert.match(await ok(['exec', 'client', '--', 'nslookup', '-type=a', 'www.example.com.']), /Address: 192\.0\.2\.77/);
  assert.ok(upstreamQueries > before, 'the fake upstream on 127.0.0.1 was asked');
  const nx = await kubectl(['exec', 'client', '--', 'nslookup', 'nope.default.svc.cluster.local.']);
  assert.match(nx.stdout + nx.stderr, /NXDOMAIN/);
  await ok(['create', 'service', 'externalname', 'ext', '--external-name', 'db.example.com']);
  const cname = await ok(['exec', 'client', '--', 'nslookup', '-type=a', 'ext.default.svc.cluster.local.']);
  assert.match(cname, /canonical name = db\.example\.com/);
  assert.match(cname, /192\.0\.2\.77/);
});

test('a NodePort answers on the node address from the host', opts, async () => {
  await ok(['expose', 'deployment', 'web', '--name', 'web-np', '--type', 'NodePort', '--port', '80', '--target-port', '8080']);
  const svc = JSON.parse(await ok(['get', 'svc', 'web-np', '-o', 'json']));
  const nodePort = svc.spec.ports[0].nodePort as number;
  assert.ok(nodePort >= 30000 && nodePort <= 32767);
  const node = JSON.parse(await ok(['get', 'nodes', '-o', 'json'])).items[0];
  const nodeIP = node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address as string;
  const names = (await webPods()).map((p) => p.metadata!.name);
  const deadline = Date.now() + stretch(10_000);
  for (;;) {
    const res = await httpGet(`http://${nodeIP}:${nodePort}/`).catch((err: unknown) => ({ status: 0, body: String(err) }));
    if (res.status === 200 && names.includes(res.body.trim())) break;
    assert.ok(Date.now() < deadline, `no answer on ${nodeIP}:${nodePort}: ${res.body}`);
    await sleep(200);
  }
});

test('kubectl port-forward svc/web reaches a backend', opts, async () => {
  const names = (await webPods()).map((p) => p.metadata!.name);
  const pf = spawn(KUBECTL, ['port-forward', 'svc/web', ':80'], { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, HOME: `${d.base}/home` } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      pf.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      pf.on('exit', (code) => reject(new Error(`port-forward exited ${code}`)));
    });
    const res = await httpGet(`http://127.0.0.1:${port}/`, 5000);
    assert.ok(names.includes(res.body.trim()), res.body);
  } finally {
    pf.kill();
  }
});

test('bad Services are refused naming the field, and nothing is stored', opts, async () => {
  const svc = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json']));
  const np = JSON.parse(await ok(['get', 'svc', 'web-np', '-o', 'json'])).spec.ports[0].nodePort as number;
  const cases: Array<[string, RegExp]> = [
    ['spec: {clusterIP: 192.0.2.1, ports: [{port: 80}]}', /spec\.clusterIPs: Invalid value: \[\]string\{"192\.0\.2\.1"\}: failed to allocate IP 192\.0\.2\.1: the provided IP \(192\.0\.2\.1\) is not in the valid range/],
    [`spec: {clusterIP: ${svc.spec.clusterIP}, ports: [{port: 80}]}`, /spec\.clusterIPs: Invalid value: .*: provided IP is already allocated/],
    ['spec: {type: NodePort, ports: [{port: 80, nodePort: 80}]}', /spec\.ports\[0\]\.nodePort: Invalid value: 80: provided port is not in the valid range\. The range of valid ports is 30000-32767/],
    ['spec: {ports: [{name: a, port: 80}, {name: a, port: 81}]}', /spec\.ports\[1\]\.name: Duplicate value: "a"/],
    [`spec: {type: NodePort, ports: [{port: 80, nodePort: ${np}}]}`, new RegExp(`spec\\.ports\\[0\\]\\.nodePort: Invalid value: ${np}: provided port is already allocated`)],
  ];
  for (const [spec, message] of cases) {
    const r = await kubectl(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: Service\nmetadata: {name: bad}\n${spec}\n` });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /The Service "bad" is invalid/);
  }
  assert.match((await kubectl(['get', 'svc', 'bad'])).stderr, /NotFound/);
  const rules = execFileSync('nft', ['list', 'table', 'ip', d.layout.serviceRulesTable], { encoding: 'utf8' });
  assert.ok(!rules.includes('default/bad/') && !rules.includes('192.0.2.1'), 'no rule written for a refused Service');
});

test('a Service without a selector sends its traffic to hand-made Endpoints (mirrored into a slice); bad Endpoints are refused naming the field', opts, async () => {
  const [a] = await webPods();
  const ip = a.status!.podIP!;
  await ok(['apply', '-f', '-'], {
    stdin: `apiVersion: v1
kind: Service
metadata: {name: manual}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: manual}
subsets: [{addresses: [{ip: ${ip}}], ports: [{name: http, port: 8080}]}]
`,
  });
  const deadline = Date.now() + stretch(10_000);
  let slices = '';
  while (Date.now() < deadline) {
    slices = await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=manual']);
    if (slices.includes(ip)) break;
    await sleep(200);
  }
  assert.match(slices, new RegExp(`^manual-\\w+\\s+IPv4\\s+8080\\s+${ip.replace(/\./g, '\\.')}\\s+`, 'm'), 'the endpointslice mirroring controller copied the Endpoints');
  const ep = await ok(['get', 'ep', 'manual']);
  assert.match(ep, /^NAME\s+ENDPOINTS\s+AGE$/m);
  assert.match(ep, new RegExp(`^manual\\s+${ip.replace(/\./g, '\\.')}:8080\\s+`, 'm'));
  let answers: string[] = [];
  for (let round = 0; round < 20 && answers.length === 0; round++) {
    answers = await fetchFrom('client', 'manual', 3);
    if (answers.length === 0) await sleep(200);
  }
  assert.deepEqual(new Set(answers), new Set([a.metadata!.name]), 'only the hand-made endpoint answers');

  const bad = await kubectl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: manual-bad}\nsubsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: 8080}]}]\n' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The Endpoints "manual-bad" is invalid: subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "127\.0\.0\.1": may not be in the loopback range/);
  assert.match((await kubectl(['get', 'ep', 'manual-bad'])).stderr, /NotFound/);
});

/** Packets a resolver must survive: junk, truncations, impossible counts, a compression loop, responses. */
function malformed(i: number): Buffer {
  const header = (qd: number, flags = 0x0100): Buffer => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(i & 0xffff, 0);
    h.writeUInt16BE(flags, 2);
    h.writeUInt16BE(qd, 4);
    return h;
  };
  switch (i % 7) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + ((i * 31) % 700) }, (_, j) => (i * 7 + j * 13) & 0xff));
    case 1:
      return header(1).subarray(0, 1 + (i % 11)); // shorter than a header
    case 2:
      return Buffer.concat([header(65535), Buffer.from([3, 0x77, 0x65, 0x62, 0, 0, 1, 0, 1])]); // 65,535 questions announced
    case 3:
      return Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]); // a name pointing at itself
    case 4:
      return Buffer.concat([header(1), Buffer.from([63, 0x61, 0x62])]); // a label longer than the packet
    case 5: // a response, which must never be answered (no reflection loops)
      return dnsPacket.encode({ type: 'response', id: i & 0xffff, flags: dnsPacket.RECURSION_AVAILABLE, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    default:
      return Buffer.concat([header(1), Buffer.alloc(4000, 0x3f)]); // oversized junk
  }
}

test('a flood of malformed packets and queries at cluster DNS never stops the resolver or the daemon', opts, async () => {
  // From the host to the kube-dns ClusterIP: the Service rules' output hook sends it where pods' queries go.
  const dnsIP = JSON.parse(await ok(['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'json'])).spec.clusterIP as string;
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '0.0.0.0', r));
  // Responses go from a socket of their own, which must never hear back (no reflection loops).
  const responder = createSocket('udp4');
  await new Promise<void>((r) => responder.bind(0, '0.0.0.0', r));
  let reflected = 0;
  responder.on('message', () => reflected++);
  const answered = new Map<number, string>();
  sock.on('message', (msg) => {
    try {
      const r = dnsPacket.decode(msg) as { id?: number; rcode?: string };
      answered.set(r.id ?? -1, r.rcode ?? '');
    } catch {
      // a reply the codec cannot read would itself be a failure: counted as missing below
    }
  });
  try {
    const query = (id: number, name: string): Buffer => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] });
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const packet = i % 4 === 0 ? query(i & 0xffff, i % 8 === 0 ? 'web.default.svc.cluster.local' : `n${i}.nope.default.svc.cluster.local`) : malformed(i);
      await new Promise<void>((r) => (i % 7 === 5 && i % 4 !== 0 ? responder : sock).send(packet, 53, dnsIP, () => r()));
    }
    // TCP: a zero length, a frame never completed, then garbage after a good frame.
    for (const bytes of [Buffer.from([0, 0, 1, 2]), Buffer.from([0xff, 0xff, 1, 2, 3]), Buffer.concat([dnsPacket.streamEncode({ type: 'query', id: 1, questions: [{ name: 'web', type: 'A' }] }), Buffer.alloc(64, 0xee)])]) {
      const c = connect(53, dnsIP);
      c.on('error', () => undefined);
      c.end(bytes);
    }
    await sleep(stretch(500));
    assert.ok([...answered.keys()].filter((id) => id % 4 === 0).length > 0, 'queries inside the flood were answered');
    assert.equal(reflected, 0, 'responses sent to the resolver are never answered');
    // Afterwards: a fresh query from the host, a pod's lookup, the API.
    answered.clear();
    const deadline = Date.now() + stretch(5000);
    while (!answered.has(4242) && Date.now() < deadline) {
      sock.send(query(4242, 'web.default.svc.cluster.local'), 53, dnsIP);
      await sleep(100);
    }
    assert.equal(answered.get(4242), 'NOERROR');
  } finally {
    sock.close();
    responder.close();
  }
  process.kill(d.pid, 0);
  const svc = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json']));
  // kube-dns's second port: the same number over TCP, through its own rule.
  const tcpReply = await new Promise<Buffer>((resolve, reject) => {
    const c = connect(53, dnsIP, () => c.write(dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] })));
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => (c.destroy(), reject(new Error('no TCP answer from cluster DNS'))), stretch(5000));
    c.on('error', reject);
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        c.end();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
  assert.deepEqual((dnsPacket.decode(tcpReply).answers ?? []).map((a) => (a as { data: unknown }).data), [svc.spec.clusterIP]);
  assert.match(await ok(['exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local']), new RegExp(`Address: ${svc.spec.clusterIP.replace(/\./g, '\\.')}`));
});
