import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConfigAnnotations, isMirrorPod, planStaticPods, staticPodFromFile } from './static-pods.js';
import type { Pod } from './types.js';

const md5 = (t: string) => createHash('md5').update(t).digest('hex');
const node = { name: 'node1', uid: 'node-uid' };
const WEB = `apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  containers: [{ name: c, image: localhost/busybox:latest, command: [sleep, "3600"] }]
`;
const make = (path: string, text: string) => {
  const r = staticPodFromFile({ path, text }, node, '2026-12-07T00:00:00Z', md5);
  if ('error' in r) throw new Error(r.error);
  return r.pod;
};

test('a manifest becomes its mirror pod: <name>-<node>, bound, defaulted, the kubelet\'s annotations, owned by the Node', () => {
  const pod = make('/etc/peapod/manifests/web.yaml', WEB);
  const m = pod.metadata!;
  assert.equal(m.name, 'web-node1');
  assert.equal(m.namespace, 'default');
  assert.match(m.uid!, /^[0-9a-f]{32}$/);
  assert.deepEqual(
    [m.annotations![ConfigAnnotations.source], m.annotations![ConfigAnnotations.hash], m.annotations![ConfigAnnotations.mirror], m.annotations![ConfigAnnotations.file]],
    ['file', m.uid, m.uid, '/etc/peapod/manifests/web.yaml'],
  );
  assert.deepEqual(m.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'node-uid', controller: true }]);
  assert.deepEqual(m.labels, { app: 'web' });
  assert.equal(pod.spec!.nodeName, 'node1');
  assert.equal(pod.spec!.restartPolicy, 'Always', 'defaulted as the API server would');
  assert.equal(pod.status!.qosClass, 'BestEffort');
  assert.ok(isMirrorPod(pod));
  // the same file gives the same UID (the daemon restarts: nothing to redo); any change, another
  assert.equal(make('/etc/peapod/manifests/web.yaml', WEB).metadata!.uid, m.uid);
  assert.notEqual(make('/etc/peapod/manifests/web.yaml', WEB.replace('3600', '3601')).metadata!.uid, m.uid);
  assert.notEqual(make('/etc/peapod/manifests/other.yaml', WEB).metadata!.uid, m.uid, 'the file is part of it');
  // JSON works as YAML does
  assert.equal(make('/m/web.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j', namespace: 'ops' }, spec: { containers: [{ name: 'c', image: 'x' }] } })).metadata!.namespace, 'ops');
});

test('a malformed manifest is an error naming the file and the field', () => {
  const err = (text: string) => {
    const r = staticPodFromFile({ path: '/m/bad.yaml', text }, node, 'now', md5);
    assert.ok('error' in r, 'an error');
    return (r as { error: string }).error;
  };
  assert.equal(err(WEB.replace('image: localhost/busybox:latest, ', '')), '/m/bad.yaml: spec.containers[0].image: Required value');
  assert.match(err(WEB.replace('name: web,', '')), /^\/m\/bad\.yaml: metadata\.name: Required value/);
  assert.match(err(WEB.replace('kind: Pod', 'kind: Deployment')), /^\/m\/bad\.yaml: kind: Unsupported value: "Deployment": supported values: "Pod"$/);
  assert.match(err('apiVersion: v1\nkind: Pod\nmetadata: { name: x\n'), /^\/m\/bad\.yaml: not YAML or JSON: /);
  assert.match(err(`${WEB}---\n${WEB}`), /one pod per file: found 2 documents/);
  assert.match(err(''), /no pod in the file/);
  assert.match(err(WEB.replace('containers: [', 'containers: 5 #[')), /^\/m\/bad\.yaml: .*spec\.containers/);
  assert.match(err(WEB.replace('sleep', 'sleep, x: [').replace('"3600"] }]', '"3600"] }] }]')), /^\/m\/bad\.yaml: /);
});

test('planStaticPods: create what is missing; a changed file stops the old pod first, then makes the new one; a removed file stops its pod', () => {
  const v1 = make('/m/web.yaml', WEB);
  const v2 = make('/m/web.yaml', WEB.replace('3600', '7200'));
  const db = make('/m/db.yaml', WEB.replace('name: web', 'name: db'));
  const plain: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-node1', namespace: 'default', uid: 'u' }, spec: { nodeName: 'node1', containers: [] } };

  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: v1 }], [plain], 'node1'), { create: [v1], delete: [], conflicts: [] });
  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: v1 }], [v1], 'node1'), { create: [], delete: [], conflicts: [] }, 'in place: nothing');
  // changed: the old one goes first (same name), and nothing is created while it terminates
  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: v2 }], [v1], 'node1'), { create: [], delete: [v1], conflicts: [] });
  const terminating = { ...v1, metadata: { ...v1.metadata, deletionTimestamp: '2026-12-07T00:00:30Z' } };
  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: v2 }], [terminating], 'node1'), { create: [], delete: [], conflicts: [] });
  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: v2 }], [], 'node1').create, [v2], 'then the new one');
  // removed file: its pod is stopped (once); other nodes' mirrors and plain pods are left alone
  const otherNode = { ...db, spec: { ...db.spec!, nodeName: 'node2' } };
  assert.deepEqual(planStaticPods([], [v1, otherNode, plain], 'node1'), { create: [], delete: [v1], conflicts: [] });
  assert.deepEqual(planStaticPods([], [terminating], 'node1').delete, []);
});

test('planStaticPods: a name taken by a client\'s pod, or by another file, is a conflict naming the file', () => {
  const web = make('/m/web.yaml', WEB);
  const clients: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-node1', namespace: 'default', uid: 'u' }, spec: { nodeName: 'node1', containers: [] } };
  assert.deepEqual(planStaticPods([{ path: '/m/web.yaml', pod: web }], [clients], 'node1').conflicts, [
    { path: '/m/web.yaml', error: '/m/web.yaml: metadata.name: the pod default/web-node1 exists already and does not come from a manifest file' },
  ]);
  const copy = make('/m/web-copy.yaml', WEB);
  const plan = planStaticPods([{ path: '/m/web.yaml', pod: web }, { path: '/m/web-copy.yaml', pod: copy }], [], 'node1');
  assert.deepEqual(plan.create, [copy], 'the first file by name wins');
  assert.deepEqual(plan.conflicts, [{ path: '/m/web.yaml', error: '/m/web.yaml: metadata.name: Duplicate value: the pod default/web-node1 comes from /m/web-copy.yaml already' }]);
});
