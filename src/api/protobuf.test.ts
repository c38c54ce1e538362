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
  assert.throws(() => decodeProtobuf(envelope('apps/v1', 'Deployment', Buffer.alloc(0))), { httpCode: 415 });
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
