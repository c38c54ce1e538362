/**
 * Static pods: a file in the daemon's manifests directory runs its pod with no client involved,
 * shown as the mirror pod `<name>-<node>` that clients may read but not change or delete; a
 * changed file replaces the pod, a removed file stops it, a malformed one is a Warning Event on
 * the Node naming file and field while the daemon (and the other pods) carry on; a daemon
 * restart adopts the static pod as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ForbiddenError } from '../../src/core/errors.js';
import type { Pod } from '../../src/core/types.js';
import { allRunning, stretch, useTestDaemon } from './helpers/test-daemon.js';

const d = useTestDaemon();
const node = hostname().toLowerCase();

const manifest = (name: string, seconds: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: localhost/busybox:latest
    command: ["sleep", "${seconds}"]
`;
const ids = (p: Pod) => (p.status?.containerStatuses ?? []).map((c) => c.containerID);

test('a manifest file runs its pod as a read-only mirror pod; a change replaces it, a restart adopts it, removing the file stops it; a bad file is an Event', async (t) => {
  const dir = d.manifestsDir;
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const name = `web-${node}`;

  writeFileSync(`${dir}/web.yaml`, manifest('web', '3600'));
  const first = await d.waitForPod(name, allRunning, 30_000);
  const a = first.metadata!.annotations!;
  assert.deepEqual([a['kubernetes.io/config.source'], a['kubernetes.io/config.mirror'], a['kubernetes.io/config.hash']], ['file', first.metadata!.uid, first.metadata!.uid]);
  assert.equal(a['peapod.io/static-pod-file'], `${dir}/web.yaml`);
  assert.equal(first.metadata!.ownerReferences?.[0]?.kind, 'Node');
  assert.equal(first.spec!.nodeName, node);

  // read-only to clients: the error names the file to change instead
  await assert.rejects(d.client.deletePod('default', name), (err: Error) => err instanceof ForbiddenError && err.message.includes(`${dir}/web.yaml: remove that file instead`));
  await assert.rejects(d.client.updatePod('default', { ...first, metadata: { ...first.metadata, labels: { app: 'x' } } }), ForbiddenError);
  await assert.rejects(
    d.client.createPod('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fake', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }),
    ForbiddenError,
  );

  // a malformed file: a Warning Event on the Node naming file and field; the running pod is untouched
  writeFileSync(`${dir}/bad.yaml`, manifest('bad', '3600').replace('    image: localhost/busybox:latest\n', ''));
  let warning;
  for (const deadline = Date.now() + stretch(20_000); !warning && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    warning = (await d.client.listEvents('default')).items.find((e) => e.reason === 'InvalidManifest');
  }
  assert.ok(warning, `no InvalidManifest event:\n${d.log()}`);
  assert.equal(warning.type, 'Warning');
  assert.deepEqual([warning.involvedObject.kind, warning.involvedObject.name], ['Node', node]);
  assert.equal(warning.message, `${dir}/bad.yaml: spec.containers[0].image: Required value`);
  assert.equal((await d.client.getVersion()).minor, '32', 'the daemon is up');
  rmSync(`${dir}/bad.yaml`);

  // a restart adopts the static pod as it is: same uid, same containers
  await d.stop();
  await d.start();
  const adopted = await d.waitForPod(name, allRunning);
  assert.equal(adopted.metadata!.uid, first.metadata!.uid);
  assert.deepEqual(ids(adopted), ids(first));

  // a changed file: the old pod is stopped, a new one (new uid) runs the new spec
  writeFileSync(`${dir}/web.yaml`, manifest('web', '7200'));
  const second = await d.waitForPod(name, (p) => p.metadata!.uid !== first.metadata!.uid && allRunning(p), 40_000);
  assert.deepEqual(second.spec!.containers[0].command, ['sleep', '7200']);

  // the file goes: so does the pod
  rmSync(`${dir}/web.yaml`);
  await d.waitForPodGone(name, 30_000);
});
