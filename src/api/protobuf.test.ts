import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobuf } from './protobuf.js';

const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
const bytesField = (no: number, b: Buffer | string): Buffer => {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return Buffer.concat([varint((no << 3) | 2), varint(buf.length), buf]);
};
const entry = (no: number, k: string, v: Buffer | string): Buffer => bytesField(no, Buffer.concat([bytesField(1, k), bytesField(2, v)]));
const envelope = (apiVersion: string, kind: string, msg: Buffer): Buffer =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(1, Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)])), bytesField(2, msg), bytesField(3, ''), bytesField(4, '')]);

test('ConfigMap, Secret and Namespace bodies as kubectl create sends them', () => {
  const meta = bytesField(1, Buffer.concat([bytesField(1, 'cfg'), entry(11, 'app', 'x'), entry(12, 'note', 'long '.repeat(40))]));
  const cm = decodeProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([meta, entry(2, 'a', 'b'), entry(3, 'bin', Buffer.from([0, 255]))])));
  assert.deepEqual(cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', labels: { app: 'x' }, annotations: { note: 'long '.repeat(40) } },
    data: { a: 'b' },
    binaryData: { bin: 'AP8=' },
  });
  const sec = decodeProtobuf(envelope('v1', 'Secret', Buffer.concat([bytesField(1, bytesField(1, 'sec')), entry(2, 'pw', 's3cret'), bytesField(3, '')])));
  assert.deepEqual(sec, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { pw: Buffer.from('s3cret').toString('base64') }, type: 'Opaque' });
  const ns = decodeProtobuf(envelope('v1', 'Namespace', bytesField(1, bytesField(1, 'foo'))));
  assert.deepEqual(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' } });
});

test('the self-subject reviews kubectl auth can-i / --list / whoami send', () => {
  const attrs = Buffer.concat([bytesField(1, 'default'), bytesField(2, 'delete'), bytesField(3, ''), bytesField(5, 'pods'), bytesField(6, 'log')]);
  const ssar = decodeProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', Buffer.concat([bytesField(1, Buffer.alloc(0)), bytesField(2, bytesField(1, attrs))])));
  assert.deepEqual(ssar, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'delete', resource: 'pods', subresource: 'log' } },
  });
  const nonResource = decodeProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', bytesField(2, bytesField(2, Buffer.concat([bytesField(1, '/healthz'), bytesField(2, 'get')])))));
  assert.deepEqual(nonResource.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  const rules = decodeProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', bytesField(2, bytesField(1, 'kube-system'))));
  assert.deepEqual(rules.spec, { namespace: 'kube-system' });
  const who = decodeProtobuf(envelope('authentication.k8s.io/v1', 'SelfSubjectReview', bytesField(1, Buffer.alloc(0))));
  assert.deepEqual(who, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
});

test('bad protobuf bodies are 400 or 415, never a crash', () => {
  assert.throws(() => decodeProtobuf(Buffer.from('{"kind":"Pod"}')), { httpCode: 400 });
  assert.throws(() => decodeProtobuf(envelope('apps/v1', 'StatefulSet', Buffer.alloc(0))), { httpCode: 415 });
  const good = envelope('v1', 'ConfigMap', bytesField(1, bytesField(1, 'x')));
  for (let cut = 4; cut < good.length; cut++) {
    try {
      decodeProtobuf(good.subarray(0, cut));
    } catch (err) {
      assert.ok([400, 415].includes((err as { httpCode: number }).httpCode), `cut ${cut}: ${String(err)}`);
    }
  }
  for (let i = 0; i < 500; i++) {
    const mutated = Buffer.from(good);
    mutated[4 + (i % (good.length - 4))] = (i * 37) & 0xff;
    try {
      decodeProtobuf(mutated);
    } catch (err) {
      assert.ok([400, 415].includes((err as { httpCode: number }).httpCode), String(err));
    }
  }
});

test('a Deployment as kubectl create deployment sends it; a field the decoder does not read is a 415, not dropped', () => {
  const varintField = (no: number, n: number): Buffer => Buffer.concat([varint(no << 3), varint(n)]);
  const labels = entry(11, 'app', 'web');
  const container = Buffer.concat([bytesField(1, 'busybox'), bytesField(2, 'busybox:1.36'), bytesField(3, 'sleep'), bytesField(3, '3600'), bytesField(6, varintField(3, 80)), bytesField(8, '')]);
  const template = Buffer.concat([bytesField(1, labels), bytesField(2, bytesField(2, container))]);
  const spec = Buffer.concat([varintField(1, 3), bytesField(2, entry(1, 'app', 'web')), bytesField(3, template), bytesField(4, bytesField(1, ''))]);
  const body = Buffer.concat([bytesField(1, Buffer.concat([bytesField(1, 'web'), labels])), bytesField(2, spec), bytesField(3, '')]);
  assert.deepEqual(decodeProtobuf(envelope('apps/v1', 'Deployment', body)), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'busybox', image: 'busybox:1.36', command: ['sleep', '3600'], ports: [{ containerPort: 80 }] }] } },
    },
  });
  const withVolumes = Buffer.concat([bytesField(2, Buffer.concat([bytesField(3, Buffer.concat([bytesField(2, Buffer.concat([bytesField(1, bytesField(1, 'v'))]))]))]))]);
  assert.throws(() => decodeProtobuf(envelope('apps/v1', 'Deployment', withVolumes)), { httpCode: 415 });
});

// batch/v1 as kubectl 1.32 sends it: Go's generated marshalling writes every non-pointer field, empty or not.
const varintField = (no: number, n: number | bigint): Buffer => Buffer.concat([varint(no << 3), bigVarint(BigInt.asUintN(64, BigInt(n)))]);
function bigVarint(n: bigint): Buffer {
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}
const msg = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
/** A Container as Go writes it: the strings 5, 13, 14, 20 and the bools 16–18 present though empty. */
const goContainer = (...set: Buffer[]): Buffer =>
  msg(...set, bytesField(5, ''), bytesField(8, ''), bytesField(13, ''), bytesField(14, ''), varintField(16, 0), varintField(17, 0), varintField(18, 0), bytesField(20, ''));
/** The PodSpec's always-written empty fields: dnsPolicy 6, serviceAccountName 8, serviceAccount 9, nodeName 10, the host bools, hostname 16, subdomain 17, schedulerName 19. */
const goPodSpecEmpties = (): Buffer =>
  msg(bytesField(6, ''), bytesField(8, ''), bytesField(9, ''), bytesField(10, ''), varintField(11, 0), varintField(12, 0), varintField(13, 0), bytesField(16, ''), bytesField(17, ''), bytesField(19, ''));
/** The zero JobStatus kubectl sends (active 4, succeeded 5, failed 6, completedIndexes 7). */
const zeroJobStatus = bytesField(3, msg(varintField(4, 0), varintField(5, 0), varintField(6, 0), bytesField(7, '')));

test('a Job as kubectl create job NAME --image -- COMMAND sends it: the empty strings and false bools Go writes are unset, the zero status ignored', () => {
  const container = goContainer(bytesField(1, 'hello'), bytesField(2, 'localhost/busybox:latest'), bytesField(3, 'sh'), bytesField(3, '-c'), bytesField(3, 'echo hi'));
  const podSpec = msg(bytesField(2, container), bytesField(3, 'Never'), goPodSpecEmpties());
  const spec = bytesField(2, bytesField(6, msg(bytesField(1, Buffer.alloc(0)), bytesField(2, podSpec))));
  const job = decodeProtobuf(envelope('batch/v1', 'Job', msg(bytesField(1, bytesField(1, 'hello')), spec, zeroJobStatus)));
  assert.deepEqual(job, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'hello' },
    spec: {
      template: {
        metadata: {},
        spec: { containers: [{ name: 'hello', image: 'localhost/busybox:latest', command: ['sh', '-c', 'echo hi'] }], restartPolicy: 'Never' },
      },
    },
  });
});

test('a Job as create job --from=cronjob sends it: every JobSpec field by number, pointer zeros kept, the owner reference and the defaulted template', () => {
  const ownerRef = msg(bytesField(1, 'CronJob'), bytesField(3, 'tick'), bytesField(4, 'uid-1'), bytesField(5, 'batch/v1'), varintField(6, 1));
  const meta = msg(bytesField(1, 'tick-manual'), entry(11, 'team', 'a'), entry(12, 'cronjob.kubernetes.io/instantiate', 'manual'), bytesField(13, ownerRef), varintField(7, 0), bytesField(8, ''));
  const quantity = (s: string): Buffer => bytesField(1, s);
  const resources = msg(entry(1, 'memory', quantity('64Mi')), entry(2, 'cpu', quantity('100m')));
  const container = goContainer(
    bytesField(1, 'c'),
    bytesField(2, 'localhost/busybox:latest'),
    bytesField(4, 'arg'),
    bytesField(7, msg(bytesField(1, 'K'), bytesField(2, 'v'))),
    bytesField(9, msg(bytesField(1, 'data'), varintField(2, 1), bytesField(3, '/data'), bytesField(4, ''), bytesField(6, ''))),
  );
  const podSpec = msg(
    // The stored template's resources (8), after the empty one goContainer writes.
    bytesField(2, msg(container, bytesField(8, resources))),
    bytesField(3, 'OnFailure'),
    varintField(4, 1),
    varintField(5, 600),
    bytesField(6, 'ClusterFirst'),
    entry(7, 'disk', 'ssd'),
    bytesField(14, Buffer.alloc(0)),
    bytesField(16, 'h'),
    bytesField(17, 'sub'),
    bytesField(19, 'default-scheduler'),
    bytesField(20, goContainer(bytesField(1, 'init'), bytesField(2, 'localhost/busybox:latest'))),
    varintField(21, 0),
    bytesField(24, 'low'),
    varintField(25, -5),
    varintField(27, 1),
    bytesField(29, 'runc'),
    varintField(30, 0),
    bytesField(31, 'Never'),
    varintField(35, 0),
    varintField(37, 1),
  );
  const exitCodes = msg(bytesField(1, 'c'), bytesField(2, 'In'), varintField(3, 42), varintField(3, 43), bytesField(3, Buffer.from([44, 45])));
  const pfp = msg(
    bytesField(1, msg(bytesField(1, 'FailJob'), bytesField(2, exitCodes))),
    bytesField(1, msg(bytesField(1, 'Ignore'), bytesField(3, msg(bytesField(1, 'DisruptionTarget'), bytesField(2, 'True'))))),
  );
  const successPolicy = bytesField(1, msg(bytesField(1, '0-2'), varintField(2, 2)));
  const spec = msg(
    varintField(1, 2),
    varintField(2, 3),
    varintField(3, 120),
    bytesField(4, entry(1, 'k', 'v')),
    varintField(5, 0),
    bytesField(6, msg(bytesField(1, entry(11, 'app', 'tick')), bytesField(2, podSpec))),
    varintField(7, 0),
    varintField(8, 30),
    bytesField(9, 'Indexed'),
    varintField(10, 0),
    bytesField(11, pfp),
    varintField(12, 1),
    varintField(13, 2),
    bytesField(14, 'Failed'),
    bytesField(15, 'kubernetes.io/job-controller'),
    bytesField(16, successPolicy),
  );
  const job = decodeProtobuf(envelope('batch/v1', 'Job', msg(bytesField(1, meta), bytesField(2, spec), zeroJobStatus)));
  assert.deepEqual(job.metadata, {
    name: 'tick-manual',
    labels: { team: 'a' },
    annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
    ownerReferences: [{ kind: 'CronJob', name: 'tick', uid: 'uid-1', apiVersion: 'batch/v1', controller: true }],
  });
  assert.deepEqual(job.spec, {
    parallelism: 2,
    completions: 3,
    activeDeadlineSeconds: 120,
    selector: { matchLabels: { k: 'v' } },
    manualSelector: false,
    template: {
      metadata: { labels: { app: 'tick' } },
      spec: {
        containers: [
          { name: 'c', image: 'localhost/busybox:latest', args: ['arg'], env: [{ name: 'K', value: 'v' }], resources: { limits: { memory: '64Mi' }, requests: { cpu: '100m' } }, volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data' }] },
        ],
        restartPolicy: 'OnFailure',
        terminationGracePeriodSeconds: 1,
        activeDeadlineSeconds: 600,
        dnsPolicy: 'ClusterFirst',
        nodeSelector: { disk: 'ssd' },
        securityContext: {},
        hostname: 'h',
        subdomain: 'sub',
        schedulerName: 'default-scheduler',
        initContainers: [{ name: 'init', image: 'localhost/busybox:latest' }],
        automountServiceAccountToken: false,
        priorityClassName: 'low',
        priority: -5,
        shareProcessNamespace: true,
        runtimeClassName: 'runc',
        enableServiceLinks: false,
        preemptionPolicy: 'Never',
        setHostnameAsFQDN: false,
        hostUsers: true,
      },
    },
    backoffLimit: 0,
    ttlSecondsAfterFinished: 30,
    completionMode: 'Indexed',
    suspend: false,
    podFailurePolicy: {
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42, 43, 44, 45] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    },
    backoffLimitPerIndex: 1,
    maxFailedIndexes: 2,
    podReplacementPolicy: 'Failed',
    managedBy: 'kubernetes.io/job-controller',
    successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
  });
});

test('a CronJob as kubectl create cronjob sends it: schedule, time zone, policies, history limits and the job template', () => {
  const podSpec = msg(bytesField(2, goContainer(bytesField(1, 'every'), bytesField(2, 'localhost/busybox:latest'), bytesField(3, 'date'))), bytesField(3, 'OnFailure'), goPodSpecEmpties());
  const jobTemplate = msg(bytesField(1, bytesField(1, 'every')), bytesField(2, bytesField(6, msg(bytesField(1, Buffer.alloc(0)), bytesField(2, podSpec)))));
  const created = (extra: Buffer): Record<string, unknown> =>
    decodeProtobuf(envelope('batch/v1', 'CronJob', msg(bytesField(1, bytesField(1, 'every')), bytesField(2, msg(bytesField(1, '*/1 * * * *'), extra, bytesField(5, jobTemplate))), bytesField(3, Buffer.alloc(0)))));
  // kubectl create cronjob: the concurrencyPolicy it leaves empty is unset, so the server's default applies.
  assert.deepEqual(created(bytesField(3, '')), {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'every' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        metadata: { name: 'every' },
        spec: { template: { metadata: {}, spec: { containers: [{ name: 'every', image: 'localhost/busybox:latest', command: ['date'] }], restartPolicy: 'OnFailure' } } },
      },
    },
  });
  const all = created(msg(varintField(2, 0), bytesField(3, 'Forbid'), varintField(4, 1), varintField(6, 0), varintField(7, 2), bytesField(8, 'Europe/Paris')));
  const { jobTemplate: _, ...rest } = all.spec as Record<string, unknown>;
  assert.deepEqual(rest, { schedule: '*/1 * * * *', startingDeadlineSeconds: 0, concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 2, timeZone: 'Europe/Paris' });
});

test('batch bodies with a field the decoders do not read are a 415 naming it, never stored without it', () => {
  const job = (spec: Buffer): Buffer => envelope('batch/v1', 'Job', msg(bytesField(1, bytesField(1, 'j')), bytesField(2, spec)));
  const withPodSpec = (podSpec: Buffer): Buffer => job(bytesField(6, bytesField(2, podSpec)));
  const cases: [Buffer, RegExp][] = [
    [job(varintField(99, 1)), /field 99 of JobSpec/],
    [withPodSpec(bytesField(14, varintField(2, 1000))), /field 2 of PodSecurityContext/],
    [withPodSpec(bytesField(1, bytesField(1, 'v'))), /field 1 of PodSpec/],
    [withPodSpec(bytesField(2, msg(bytesField(1, 'c'), bytesField(8, bytesField(3, bytesField(1, 'gpu')))))), /field 3 of ResourceRequirements/],
    [withPodSpec(bytesField(2, msg(bytesField(1, 'c'), bytesField(11, bytesField(1, Buffer.alloc(1)))))), /field 11 of Container/],
    [job(bytesField(11, bytesField(1, bytesField(9, 'x')))), /field 9 of PodFailurePolicyRule/],
    [envelope('batch/v1', 'CronJob', bytesField(2, varintField(9, 1))), /field 9 of CronJobSpec/],
    [envelope('batch/v1', 'Job', bytesField(1, bytesField(13, bytesField(8, 'x')))), /field 8 of OwnerReference/],
  ];
  for (const [body, message] of cases) assert.throws(() => decodeProtobuf(body), (err: { httpCode?: number; message?: string }) => err.httpCode === 415 && message.test(err.message ?? ''), String(message));
  // A truncated packed exit-code list is a 400.
  assert.throws(() => decodeProtobuf(job(bytesField(11, bytesField(1, bytesField(2, bytesField(3, Buffer.from([0x80]))))))), { httpCode: 400 });
});
