import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../core/errors.js';
import { checkConfig, checkManifest, isIndex, ociArchitecture, selectManifest, type ImageIndexJson } from './oci-types.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

test('selectManifest picks the wanted platform and skips attestations', () => {
  const index: ImageIndexJson = {
    manifests: [
      { digest: d('0'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      { digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: d('2'), size: 1, platform: { os: 'linux', architecture: 'amd64' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      { digest: d('3'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  };
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' })?.digest, d('3'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'arm64' })?.digest, d('1'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(ociArchitecture('x64'), 'amd64');
});

test('manifest/index detection and checks', () => {
  assert.equal(isIndex(undefined, { manifests: [] }), true);
  assert.equal(isIndex('application/vnd.oci.image.manifest.v1+json', { manifests: [] }), false);
  assert.throws(() => checkManifest({ schemaVersion: 1, fsLayers: [] }, 'm'), /schema 1/);
  assert.throws(() => checkManifest({ config: { digest: 'sha256:xyz', size: 1 }, layers: [] }, 'm'), BadRequestError);
  assert.throws(() => checkConfig({ rootfs: { type: 'layers', diff_ids: [d('a')] } }, 'c', 2), /1 diff_ids for 2 layers/);
});
