import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from './errors.js';
import { imageReferenceError, lookupCandidates, normalizeImageReference, normalizeLocalName, formatImageReference, parseImageReference } from './image-reference.js';

test('short names go to docker.io/library with tag latest', () => {
  assert.equal(normalizeImageReference('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageReference('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalizeImageReference('docker.io/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageReference('user/app'), 'docker.io/user/app:latest');
});

test('registries with ports, localhost and nested paths keep their domain', () => {
  assert.equal(normalizeImageReference('localhost/x'), 'localhost/x:latest');
  assert.equal(normalizeImageReference('host:5000/a/b:tag'), 'host:5000/a/b:tag');
  assert.equal(normalizeImageReference('127.0.0.1:15000/test/busybox'), '127.0.0.1:15000/test/busybox:latest');
  assert.equal(normalizeImageReference('quay.io/a/b/c:v1.2-rc_3'), 'quay.io/a/b/c:v1.2-rc_3');
  const r = parseImageReference('host:5000/a/b:tag');
  assert.deepEqual([r.domain, r.path, r.tag, r.explicitDomain], ['host:5000', 'a/b', 'tag', true]);
});

test('digests pin the image, with or without a tag', () => {
  const hex = 'a'.repeat(64);
  assert.equal(normalizeImageReference(`busybox@sha256:${hex}`), `docker.io/library/busybox@sha256:${hex}`);
  assert.equal(normalizeImageReference(`busybox:1@sha256:${hex}`), `docker.io/library/busybox:1@sha256:${hex}`);
  assert.equal(parseImageReference(`busybox@sha256:${hex}`).tag, undefined);
});

test('invalid names are rejected with a message saying why', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busybox:', /tag "" is invalid/],
    ['busybox:-x', /tag/],
    ['a//b', /empty component/],
    ['busybox@sha256:abc', /64 lowercase hex/],
    ['busybox@md5:0123456789abcdef0123456789abcdef', /only sha256/],
    ['host:99999/x', /invalid port/],
    ['with space', /whitespace/],
    ['a'.repeat(64).replace(/a/g, 'b'), /image id/],
    ['-bad', /component/],
    [`x/${'a'.repeat(300)}`, /255/],
  ];
  for (const [ref, why] of cases) {
    assert.throws(() => parseImageReference(ref), (e: unknown) => e instanceof BadRequestError && why.test(e.message) && e.message.includes(`"${ref}"`), ref);
    assert.match(imageReferenceError(ref) ?? '', why);
  }
  assert.equal(imageReferenceError('busybox'), undefined);
});

test('local names default to localhost/, explicit registries stay', () => {
  assert.equal(formatImageReference(normalizeLocalName('myimg')), 'localhost/myimg:latest');
  assert.equal(formatImageReference(normalizeLocalName('a/b:v2')), 'localhost/a/b:v2');
  assert.equal(formatImageReference(normalizeLocalName('docker.io/x')), 'docker.io/library/x:latest');
  assert.equal(formatImageReference(normalizeLocalName('reg:5000/x:1')), 'reg:5000/x:1');
});

test('lookup of a short name tries docker.io then localhost', () => {
  assert.deepEqual(lookupCandidates('busybox').map(formatImageReference), ['docker.io/library/busybox:latest', 'localhost/busybox:latest']);
  assert.deepEqual(lookupCandidates('localhost/busybox').map(formatImageReference), ['localhost/busybox:latest']);
});
