/**
 * The scheduler's part for the node, with the real kubectl: pods from the Kubernetes
 * documentation that ran although a cluster keeps them Pending (nodeSelector, required node
 * affinity, pod affinity and topology spread on labels the node lacks, another schedulerName,
 * scheduling gates, extended resources, more cpu than the node has, untolerated taints, a host
 * port in use) now wait with PodScheduled=False and the scheduler's message, and run once what
 * they need appears (`kubectl label node`, `kubectl taint node`, a gate removed); a NoExecute taint
 * evicts running pods after their tolerationSeconds; PriorityClasses
 * (a missing one refused); a pod bound to a node that does not exist is removed by the pod GC.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { Pod } from '../../src/core/types.js';
import { haveKubectl, kubectlFor, kubectlTestOptions, startKubectlDaemon } from './helpers/kubectl.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const opts = kubectlTestOptions('scheduling');

let d: TestDaemon;
let node = '';
let lostDeletedAt = 0;
const { kubectl, ok } = kubectlFor(() => d);

const SLEEP = `    image: localhost/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`;
const pod = (name: string, spec: string, labels = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${labels ? `  labels: {${labels}}\n` : ''}spec:
  terminationGracePeriodSeconds: 1
${spec}`;
const container = (extra = '') => `  containers:
  - name: c
${SLEEP}
${extra}`;

async function apply(name: string, yaml: string): Promise<void> {
  writeFileSync(`${d.base}/${name}.yaml`, yaml);
  await ok(['apply', '-f', `${d.base}/${name}.yaml`]);
}

const get = (name: string): Promise<Pod> => d.client.getPod('default', name);

async function pendingWith(name: string, message: RegExp): Promise<Pod> {
  const deadline = Date.now() + stretch(20_000);
  let p: Pod | undefined;
  while (Date.now() < deadline) {
    p = await get(name);
    const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
    if (c?.status === 'False' && message.test(c.message ?? '')) {
      assert.equal(p.spec?.nodeName, undefined, 'not bound');
      assert.equal(p.status?.phase, 'Pending');
      return p;
    }
    await sleep(100);
  }
  throw new Error(`${name} is not Pending with ${message}: ${JSON.stringify(p?.status)}\n${d.log()}`);
}

const running = (name: string) => d.waitForPod(name, (p) => p.status?.phase === 'Running', stretch(30_000));

before(async () => {
  if (!haveKubectl) return;
  d = await startKubectlDaemon();
  node = (await ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  // Bound to a node that does not exist: Pending, Terminating once deleted, until the pod GC's
  // 40 s quarantine ends. Started first, checked last, so the wait overlaps the other tests.
  await apply('lost', pod('lost', `  nodeName: foo-node\n${container()}`));
  await apply('lost-kept', pod('lost-kept', `  nodeName: foo-node\n${container()}`));
  await ok(['delete', 'pod', 'lost', '--wait=false']);
  lostDeletedAt = Date.now();
});
after(async () => {
  await d?.cleanup();
});

test('nodeSelector and required node affinity on labels the node lacks: Pending with the scheduler message and a FailedScheduling event; kubectl label node lets it run', opts, async () => {
  await apply('nginx', pod('nginx', `${container()}  nodeSelector:\n    disktype: ssd\n`));
  await pendingWith('nginx', /^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\.$/);
  const described = await ok(['describe', 'pod', 'nginx']);
  assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector/);
  assert.match(await ok(['get', 'pod', 'nginx']), /nginx\s+0\/1\s+Pending/);
  const zoned = `${container()}  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: topology.kubernetes.io/zone
            operator: In
            values: [antarctica-east1, antarctica-west1]
`;
  await apply('with-node-affinity', pod('with-node-affinity', zoned));
  await pendingWith('with-node-affinity', /didn't match Pod's node affinity\/selector/);
  await ok(['label', 'node', node, 'disktype=ssd']);
  await running('nginx');
  assert.equal((await get('nginx')).spec?.nodeName, node);
  assert.match(await ok(['get', 'events', '--field-selector', 'involvedObject.name=nginx']), /Scheduled\s+pod\/nginx\s+Successfully assigned default\/nginx to /);
  await ok(['label', 'node', node, 'topology.kubernetes.io/zone=antarctica-east1']);
  await running('with-node-affinity');
  await ok(['label', 'node', node, 'disktype-', 'topology.kubernetes.io/zone-']);
  await ok(['delete', 'pod', 'nginx', 'with-node-affinity', '--now']);
});

test('pod affinity and topology spread on a label the node lacks; another schedulerName; scheduling gates', opts, async () => {
  const affinity = `${container()}  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchExpressions:
          - key: security
            operator: In
            values: [S1]
        topologyKey: topology.kubernetes.io/zone
`;
  await apply('with-pod-affinity', pod('with-pod-affinity', affinity));
  await pendingWith('with-pod-affinity', /1 node\(s\) didn't match pod affinity rules/);
  const spread = `${container()}  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels: {foo: bar}
`;
  await apply('spread', pod('spread', spread, 'foo: bar'));
  await pendingWith('spread', /1 node\(s\) didn't match pod topology spread constraints \(missing required label\)/);

  await apply('annotation-second-scheduler', pod('annotation-second-scheduler', `  schedulerName: my-scheduler\n${container()}`));
  await sleep(1000);
  const other = await get('annotation-second-scheduler');
  assert.equal(other.spec?.nodeName, undefined);
  assert.equal(other.status?.phase, 'Pending');
  assert.equal(other.status?.conditions, undefined, 'left for its own scheduler');

  await apply('test-pod', pod('test-pod', `  schedulingGates:\n  - name: example.com/foo\n  - name: example.com/bar\n${container()}`));
  await pendingWith('test-pod', /^Scheduling is blocked due to non-empty scheduling gates$/);
  assert.match(await ok(['get', 'pod', 'test-pod']), /test-pod\s+0\/1\s+SchedulingGated/);
  await ok(['patch', 'pod', 'test-pod', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
  await running('test-pod');
  await ok(['delete', 'pod', 'with-pod-affinity', 'spread', 'annotation-second-scheduler', 'test-pod', '--now']);
});

test('resources: extended resources the node lacks and more cpu than it has wait as Pending, not Failed; a host port in use too', opts, async () => {
  await apply('extended-resource-demo', pod('extended-resource-demo', container(`    resources:\n      requests: {example.com/dongle: 3}\n      limits: {example.com/dongle: 3}`)));
  await pendingWith('extended-resource-demo', /1 Insufficient example\.com\/dongle/);
  await apply('cpu-demo', pod('cpu-demo', container(`    resources:\n      requests: {cpu: "100"}`)));
  const cpu = await pendingWith('cpu-demo', /^0\/1 nodes are available: 1 Insufficient cpu\. preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\.$/);
  assert.equal(cpu.status?.reason, undefined, 'not rejected by the node: it was never sent there');
  await apply('port-a', pod('port-a', container(`    ports:\n    - {containerPort: 80, hostPort: 18089}`)));
  await running('port-a');
  await apply('port-b', pod('port-b', container(`    ports:\n    - {containerPort: 80, hostPort: 18089}`)));
  await pendingWith('port-b', /1 node\(s\) didn't have free ports for the requested pod ports/);
  await ok(['delete', 'pod', 'port-a', '--now']);
  await running('port-b');
  await ok(['delete', 'pod', 'extended-resource-demo', 'cpu-demo', 'port-b', '--now']);
});

test('kubectl taint node: new pods wait until they tolerate it or it goes', opts, async () => {
  await ok(['taint', 'node', node, 'dedicated=special-user:NoSchedule']);
  try {
    await apply('plain', pod('plain', container()));
    await pendingWith('plain', /1 node\(s\) had untolerated taint \{dedicated: special-user\}/);
    await apply('tolerant', pod('tolerant', `  tolerations:\n  - {key: dedicated, operator: Equal, value: special-user, effect: NoSchedule}\n${container()}`));
    await running('tolerant');
  } finally {
    await ok(['taint', 'node', node, 'dedicated-']);
  }
  await running('plain');
  await ok(['delete', 'pod', 'plain', 'tolerant', '--now']);
});

test('kubectl taint node with NoExecute evicts running pods: at once when not tolerated, after tolerationSeconds, never when tolerated without them', opts, async () => {
  const noExecute = (seconds?: number) => `  tolerations:\n  - {key: maintenance, operator: Exists, effect: NoExecute${seconds === undefined ? '' : `, tolerationSeconds: ${seconds}`}}\n${container()}`;
  await apply('evict-plain', pod('evict-plain', container()));
  await apply('evict-brief', pod('evict-brief', noExecute(3)));
  await apply('evict-never', pod('evict-never', noExecute()));
  await Promise.all(['evict-plain', 'evict-brief', 'evict-never'].map(running));
  /** When the pod was first seen leaving (deletionTimestamp set, or gone). */
  const leaving = async (name: string): Promise<number> => {
    const deadline = Date.now() + stretch(30_000);
    while (Date.now() < deadline) {
      const p = await get(name).catch(() => undefined);
      if (!p || p.metadata?.deletionTimestamp) return Date.now();
      await sleep(100);
    }
    throw new Error(`${name} was not evicted\n${d.log()}`);
  };
  const beforeTaint = Date.now();
  await ok(['taint', 'node', node, 'maintenance=now:NoExecute']);
  try {
    const [plainAt, briefAt] = await Promise.all([leaving('evict-plain'), leaving('evict-brief')]);
    assert.ok(briefAt - beforeTaint >= 3000, `tolerated for its 3 s (evicted after ${briefAt - beforeTaint} ms)`);
    assert.ok(plainAt < briefAt, 'the intolerant pod first');
    const never = await get('evict-never');
    assert.equal(never.metadata?.deletionTimestamp, undefined, 'tolerated forever');
    assert.equal(never.status?.phase, 'Running');
    const events = await ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.deepEqual(events.trim().split('\n').sort(), ['Marking for deletion Pod default/evict-brief', 'Marking for deletion Pod default/evict-plain']);
  } finally {
    await ok(['taint', 'node', node, 'maintenance-']);
  }
  await ok(['delete', 'pod', 'evict-plain', 'evict-brief', 'evict-never', '--now', '--ignore-not-found']);
});

test('PriorityClasses: the system ones exist, a missing one is refused, a created one sets the priority', opts, async () => {
  assert.match(await ok(['get', 'priorityclasses']), /^system-cluster-critical\s+2000000000\s+false/m);
  const yaml = pod('high', `  priorityClassName: high-priority\n${container()}`);
  writeFileSync(`${d.base}/high.yaml`, yaml);
  const refused = await kubectl(['apply', '-f', `${d.base}/high.yaml`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /pods "high" is forbidden: no PriorityClass with name high-priority was found/);
  writeFileSync(`${d.base}/pc.yaml`, 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high-priority\nvalue: 1000000\nglobalDefault: false\ndescription: "For XYZ service pods only."\n');
  await ok(['apply', '-f', `${d.base}/pc.yaml`]);
  await ok(['apply', '-f', `${d.base}/high.yaml`]);
  assert.equal((await get('high')).spec?.priority, 1_000_000);
  await running('high');
  writeFileSync(`${d.base}/too-high.yaml`, 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: too-high\nvalue: 2000000000\n');
  const tooHigh = await kubectl(['apply', '-f', `${d.base}/too-high.yaml`]);
  assert.equal(tooHigh.code, 1);
  assert.match(tooHigh.stderr, /maximum allowed value of a user defined priority is 1000000000/);
  await ok(['delete', 'pod', 'high', '--now']);
});

test('pods bound to a node that does not exist are removed by the pod GC after the quarantine, deleted or not', opts, async () => {
  const deadline = lostDeletedAt + stretch(90_000);
  const gone = async (name: string) => (await kubectl(['get', 'pod', name])).code !== 0;
  while (Date.now() < deadline) {
    if ((await gone('lost')) && (await gone('lost-kept'))) break;
    await sleep(500);
  }
  assert.ok(await gone('lost'), 'the deleted one gone');
  assert.ok(await gone('lost-kept'), 'the one nobody deleted gone too');
  assert.ok(Date.now() - lostDeletedAt >= 30_000, 'not before the quarantine');
});
