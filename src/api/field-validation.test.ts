import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFieldValidation, unknownFields } from './field-validation.js';

test('unknown fields are found at any depth of a Pod; known ones pass', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { 'any-key': 'x' }, selfLink: '' },
    spec: {
      bogus: 1,
      containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, nope: true }], env: [{ name: 'A', value: 'b' }] }],
      volumes: [{ name: 'v', emptyDir: {}, gitRepo: {} }],
    },
    status: { anything: 1 },
  };
  assert.deepEqual(unknownFields('Pod', pod), ['spec.bogus', 'spec.containers[0].ports[0].nope']);
  assert.throws(() => checkFieldValidation(new URLSearchParams('fieldValidation=Strict'), 'Pod', pod), {
    httpCode: 400,
    message: /strict decoding error: unknown field "spec\.bogus", unknown field "spec\.containers\[0\]\.ports\[0\]\.nope"/,
  });
  checkFieldValidation(new URLSearchParams('fieldValidation=Ignore'), 'Pod', pod);
  checkFieldValidation(new URLSearchParams(''), 'Pod', pod);
  assert.throws(() => checkFieldValidation(new URLSearchParams('fieldValidation=Loose'), 'Pod', pod), { httpCode: 400 });
  assert.deepEqual(unknownFields('ConfigMap', { metadata: { name: 'x' }, data: { a: 'b' }, dta: {} }), ['dta']);
  assert.deepEqual(unknownFields('Secret', { stringData: {}, type: 'Opaque', immutable: true }), []);
});
