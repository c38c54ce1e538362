import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../core/types.js';
import { podTable } from './pod-table.js';
import { imageTable, namespaceTable, splitReference } from './simple-tables.js';

const now = Date.parse('2024-05-01T12:00:00Z');

function runningPod(name: string, namespace: string, created: string): Pod {
  return {
    metadata: { name, namespace, creationTimestamp: created },
    spec: { nodeName: 'node1', containers: [{ name: 'app', image: 'busybox' }] },
    status: {
      phase: 'Running',
      podIP: '10.90.0.5',
      podIPs: [{ ip: '10.90.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: created } } },
      ],
    },
  };
}

test('get pods table has kubectl columns and ages from a fixed now', () => {
  const out = podTable([runningPod('web', 'default', '2024-05-01T11:55:00Z'), runningPod('db-0', 'default', '2024-04-29T12:00:00Z')], { now });
  const lines = out.split('\n');
  assert.equal(lines[0], 'NAME   READY   STATUS    RESTARTS   AGE');
  assert.equal(lines[1], 'web    1/1     Running   0          5m');
  assert.equal(lines[2], 'db-0   1/1     Running   0          2d');
});

test('wide and all-namespaces add the extra columns', () => {
  const out = podTable([runningPod('web', 'team-a', '2024-05-01T11:59:30Z')], { now, wide: true, withNamespace: true });
  const [header, row] = out.split('\n');
  assert.equal(header, 'NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE   IP          NODE    NOMINATED NODE   READINESS GATES');
  assert.equal(row, 'team-a      web    1/1     Running   0          30s   10.90.0.5   node1   <none>           <none>');
});

test('namespace table', () => {
  assert.equal(
    namespaceTable([{ metadata: { name: 'default', creationTimestamp: '2024-05-01T09:00:00Z' }, status: { phase: 'Active' } }], now),
    'NAME      STATUS   AGE\ndefault   Active   3h\n',
  );
});

test('image table splits repository and tag, podman-style', () => {
  assert.deepEqual(splitReference('localhost:5000/busybox'), ['localhost:5000/busybox', 'latest']);
  assert.deepEqual(splitReference('docker.io/library/busybox:1.36'), ['docker.io/library/busybox', '1.36']);
  const out = imageTable(
    [{ metadata: { name: 'sha256:0123456789abcdef0123' }, names: ['docker.io/library/busybox:1.36'], size: 4_270_000, created: '2024-04-17T12:00:00Z' }],
    now,
  );
  assert.equal(
    out,
    'REPOSITORY                 TAG   IMAGE ID      CREATED      SIZE\ndocker.io/library/busybox  1.36  0123456789ab  2 weeks ago  4.27 MB\n',
  );
});
