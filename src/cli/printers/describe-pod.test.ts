import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event, Pod } from '../../core/types.js';
import { describePod, rfc1123z } from './describe-pod.js';

const now = Date.parse('2024-05-01T12:00:00Z');

const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web', tier: 'front' }, creationTimestamp: '2024-05-01T11:50:00Z' },
  spec: {
    nodeName: 'node1',
    initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
    containers: [
      {
        name: 'app',
        image: 'busybox:1.36',
        command: ['sleep'],
        args: ['3600'],
        ports: [{ containerPort: 80 }],
        env: [{ name: 'MODE', value: 'prod' }],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
  status: {
    phase: 'Running',
    hostIP: '192.168.1.10',
    podIP: '10.90.0.5',
    podIPs: [{ ip: '10.90.0.5' }],
    startTime: '2024-05-01T11:50:01Z',
    qosClass: 'BestEffort',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
    initContainerStatuses: [
      {
        name: 'init', image: 'docker.io/library/busybox:latest', imageID: 'docker.io/library/busybox@sha256:aa', containerID: 'runc://i1', ready: true, restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2024-05-01T11:50:02Z', finishedAt: '2024-05-01T11:50:03Z' } },
      },
    ],
    containerStatuses: [
      {
        name: 'app', image: 'docker.io/library/busybox:1.36', imageID: 'docker.io/library/busybox@sha256:bb', containerID: 'runc://c1', ready: true, restartCount: 1, started: true,
        state: { running: { startedAt: '2024-05-01T11:55:00Z' } },
        lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: '2024-05-01T11:50:04Z', finishedAt: '2024-05-01T11:54:59Z' } },
      },
    ],
  },
};

const events: Event[] = [
  { metadata: { name: 'e1' }, involvedObject: {}, type: 'Normal', reason: 'Pulled', message: 'Container image "busybox:1.36" already present on machine', source: { component: 'kubelet', host: 'node1' }, count: 2, firstTimestamp: '2024-05-01T11:50:04Z', lastTimestamp: '2024-05-01T11:55:00Z' },
  { metadata: { name: 'e0' }, involvedObject: {}, type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web to node1', source: { component: 'default-scheduler' }, lastTimestamp: '2024-05-01T11:50:00Z' },
];

test('rfc1123z formats like Go time.RFC1123Z in UTC', () => {
  assert.equal(rfc1123z('2024-05-01T11:50:01Z'), 'Wed, 01 May 2024 11:50:01 +0000');
});

// Widths follow Go tabwriter blocks: e.g. QoS Class aligns with the last volume's fields, as in kubectl.
test('describe pod follows kubectl layout', () => {
  const expected = `Name:         web
Namespace:    default
Priority:     0
Node:         node1/192.168.1.10
Start Time:   Wed, 01 May 2024 11:50:01 +0000
Labels:       app=web
              tier=front
Annotations:  <none>
Status:       Running
IP:           10.90.0.5
IPs:
  IP:  10.90.0.5
Init Containers:
  init:
    Container ID:  runc://i1
    Image:         busybox
    Image ID:      docker.io/library/busybox@sha256:aa
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      true
    State:          Terminated
      Reason:       Completed
      Exit Code:    0
      Started:      Wed, 01 May 2024 11:50:02 +0000
      Finished:     Wed, 01 May 2024 11:50:03 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:         <none>
Containers:
  app:
    Container ID:  runc://c1
    Image:         busybox:1.36
    Image ID:      docker.io/library/busybox@sha256:bb
    Port:          80/TCP
    Host Port:     0/TCP
    Command:
      sleep
    Args:
      3600
    State:          Running
      Started:      Wed, 01 May 2024 11:55:00 +0000
    Last State:     Terminated
      Reason:       Error
      Exit Code:    137
      Started:      Wed, 01 May 2024 11:50:04 +0000
      Finished:     Wed, 01 May 2024 11:54:59 +0000
    Ready:          True
    Restart Count:  1
    Environment:
      MODE:  prod
    Mounts:
      /data from data (ro)
Conditions:
  Type          Status
  Initialized   True 
  Ready         True 
Volumes:
  data:
    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:      
    SizeLimit:   <unset>
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     <none>
Events:
  Type    Reason     Age                 From               Message
  ----    ------     ----                ----               -------
  Normal  Scheduled  10m                 default-scheduler  Successfully assigned default/web to node1
  Normal  Pulled     5m (x2 over 9m56s)  kubelet, node1     Container image "busybox:1.36" already present on machine
`;
  const actual = describePod(pod, events, now);
  assert.equal(actual, expected);
});

test('describe prints <none> events and Terminating status', () => {
  const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-05-01T11:59:30Z', deletionGracePeriodSeconds: 30 } };
  const out = describePod(deleting, undefined, now);
  assert.match(out, /^Status:\s+Terminating \(lasts 30s\)$/m);
  assert.match(out, /^Termination Grace Period:\s+30s$/m);
  assert.match(out, /\nEvents:\s+<none>\n$/);
});
