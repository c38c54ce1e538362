/**
 * A sandbox that fails after its containers were already created: the containers of a new pod
 * are created while its network is set up (they join the pod's pinned namespaces), so when CNI
 * ADD then fails they must go with the sandbox. A /30 pod CIDR has one pod address: the second
 * pod's IPAM fails for real until the first pod is gone, then it starts on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Annotations } from '../../src/core/annotations.js';
import { allRunning, podManifest, useTestDaemon } from './helpers/test-daemon.js';
import { stretch } from './helpers/time-factor.js';

const image = 'localhost/busybox:latest';
const d = useTestDaemon({ podCidrBits: 30 });

const twoContainers = (name: string) =>
  podManifest(name, {
    terminationGracePeriodSeconds: 1,
    containers: [
      { name: 'a', image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] },
      { name: 'b', image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] },
    ],
  });

/** Containers the runtime holds (infra included): runc's state dirs (`runc list` fails while one goes). */
function runcContainers(): string[] {
  return readdirSync(d.layout.runcRoot);
}

/** `pod/container` of a container id, from its bundle's annotations. */
function describe(id: string): string {
  try {
    const a = (JSON.parse(readFileSync(`${d.layout.containerDir(id)}/config.json`, 'utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
    return `${a[Annotations.podName]}/${a[Annotations.containerName]}`;
  } catch {
    return `${id} (no bundle)`;
  }
}

test('CNI ADD fails after the containers were created: they are removed with the sandbox, the pod retries and starts once an address is free', { timeout: stretch(120_000) }, async () => {
  await d.client.createPod('default', twoContainers('first'));
  const first = await d.waitForPod('first', allRunning);
  assert.ok(first.status?.podIP);
  const held = runcContainers();
  assert.equal(held.length, 3, `infra + 2 containers: ${held.join(' ')}`);

  await d.client.createPod('default', twoContainers('second'));
  const deadline = Date.now() + stretch(20_000);
  let failed;
  while (!(failed = (await d.events('second')).find((e) => e.reason === 'FailedCreatePodSandBox'))) {
    assert.ok(Date.now() < deadline, `no FailedCreatePodSandBox for the second pod:\n${d.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(failed.message ?? '', /no IP addresses available|range/i, failed.message);
  // The containers really were made meanwhile (what this test is about), then removed.
  assert.ok((await d.events('second')).some((e) => e.reason === 'Created'), 'containers created alongside the failing sandbox');
  const second = await d.client.getPod('default', 'second');
  assert.equal(second.status?.phase, 'Pending');
  assert.ok(!second.status?.podIP);
  for (const c of second.status?.containerStatuses ?? []) assert.ok(!c.state?.running, `${c.name} must not run without a sandbox`);
  // Whatever the failed attempt created is gone again (a retry may be half-way: allow its
  // own containers only while it runs, so look twice).
  const leftovers = () => runcContainers().filter((id) => !held.includes(id));
  const settle = Date.now() + stretch(15_000);
  while (leftovers().length > 0) {
    assert.ok(Date.now() < settle, `containers of the failed sandbox stay: ${leftovers().join(' ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  await d.removePod('first');
  const started = await d.waitForPod('second', allRunning, 30_000);
  assert.equal(started.status?.podIP, first.status?.podIP, 'the one address of the /30, free again');
  // The first pod's records go right after its API object; then only the second's three stay.
  const until = Date.now() + stretch(10_000);
  while (runcContainers().length !== 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(runcContainers().map(describe).sort(), ['second/POD', 'second/a', 'second/b']);
  await d.removePod('second');
});
