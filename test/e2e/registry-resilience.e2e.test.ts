/**
 * Root e2e for pulls that go wrong midway: a daemon killed by SIGKILL in the middle of a layer
 * download leaves no image, no layer and no temp files behind, and the next pull completes; a
 * configured mirror is tried first and the upstream is used when the mirror fails. The registry
 * is Debian's docker-registry on 127.0.0.1, behind a small proxy that can trickle blobs (so the
 * kill lands mid-download) or answer 503 (a broken mirror).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ImageFiles } from '../../src/adapters/content/image-files.js';
import { Registries } from '../../src/adapters/registry/registries.js';
import { LocalImageStore } from '../../src/images/image-store.js';
import { gzip, makeBusyboxRootfs, OciLayoutBuilder, sha256, tarDir } from './helpers/image-fixtures.js';
import { RegistryProxy } from './helpers/registry-proxy.js';
import { TestDaemon } from './helpers/test-daemon.js';
import { TestRegistry } from './helpers/test-registry.js';

if (process.getuid?.() !== 0) {
  test('registry resilience e2e needs root', () => {
    assert.fail('run as root: these tests cannot run unprivileged');
  });
}

const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** busybox + a 4 MiB layer of random bytes (incompressible, so its blob stays 4 MiB). */
function buildImages(work: string) {
  makeBusyboxRootfs(`${work}/rootfs`);
  const baseTar = tarDir(`${work}/rootfs`);
  mkdirSync(`${work}/big`);
  writeFileSync(`${work}/big/random.bin`, randomBytes(4 << 20));
  const bigTar = tarDir(`${work}/big`);
  const layout = new OciLayoutBuilder(`${work}/layout`);
  const busybox = layout.image([{ blob: gzip(baseTar), tar: baseTar, mediaType: GZ }]);
  const bigBlob = gzip(bigTar);
  const big = layout.image([{ blob: gzip(baseTar), tar: baseTar, mediaType: GZ }, { blob: bigBlob, tar: bigTar, mediaType: GZ }]);
  layout.add(busybox, 'latest');
  layout.add(big, 'big');
  layout.write();
  return { dir: layout.dir, bigDigest: sha256(bigBlob), bigDiff: sha256(bigTar), randomSha: sha256(readFileSync(`${work}/big/random.bin`)) };
}

async function startRegistry(t: TestContext, work: string) {
  const images = buildImages(work);
  const reg = new TestRegistry();
  t.after(() => reg.stop());
  await reg.start();
  reg.push(images.dir, 'big', 'test/big:latest');
  reg.push(images.dir, 'latest', 'test/busybox:latest');
  return { reg, images };
}

async function startProxy(t: TestContext, upstream: string): Promise<RegistryProxy> {
  const p = new RegistryProxy(upstream);
  t.after(() => p.stop());
  await p.start();
  return p;
}

function listDir(d: string): string[] {
  return existsSync(d) ? readdirSync(d) : [];
}

test('a daemon killed mid-pull leaves no corrupt image, layer or temp file; the next pull completes', async (t) => {
  const work = mkdtempSync('/var/tmp/pp-pull-kill-');
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const { reg, images } = await startRegistry(t, work);
  const proxy = await startProxy(t, reg.host);
  proxy.blobDelayMs = 20; // 4 MiB in 16 KiB pieces: about 5 s, plenty of time to kill midway
  const d = new TestDaemon();
  t.after(() => d.cleanup());
  await d.start();
  const ref = `${proxy.host}/test/big:latest`;
  const layerName = images.bigDiff.slice(7, 19);
  const imagesDir = d.layout.imagesDir;

  let killed: Promise<void> | undefined;
  const pulling = d.client.pullImage(ref, (p) => {
    if (!killed && p.phase === 'downloading' && p.digest === images.bigDigest && (p.current ?? 0) > 256 * 1024) killed = d.kill9();
  });
  await assert.rejects(pulling, 'the pull ends with the daemon');
  assert.ok(killed, 'the daemon was killed while the big layer was downloading');
  await killed;

  // What the dead daemon left: never a finished-looking layer dir or an image entry.
  assert.ok(!listDir(`${imagesDir}/layers`).includes(layerName), 'no layer dir for the half-downloaded layer');
  assert.ok(!existsSync(`${imagesDir}/blobs/sha256/${images.bigDigest.slice(7)}`), 'no blob for the half-downloaded layer');
  const index = existsSync(`${imagesDir}/images.json`) ? readFileSync(`${imagesDir}/images.json`, 'utf8') : '';
  assert.ok(!index.includes('test/big'), 'no image entry');

  await d.start();
  assert.ok(!(await d.client.listImages()).items.some((i) => JSON.stringify(i).includes('test/big')), 'the restarted daemon lists no half-pulled image');
  proxy.blobDelayMs = 0;
  const done = await d.client.pullImage(ref);
  assert.match(JSON.stringify(done), /test\/big/);
  // the half-written temp files of the killed pull are gone, the layer is complete
  assert.deepEqual(listDir(`${imagesDir}/tmp`), []);
  assert.deepEqual(listDir(`${imagesDir}/layers`).filter((n) => n.startsWith('.tmp-')), []);
  assert.equal(sha256(readFileSync(`${imagesDir}/layers/${layerName}/random.bin`)), images.randomSha);
  assert.equal(sha256(readFileSync(`${imagesDir}/blobs/sha256/${images.bigDigest.slice(7)}`)), images.bigDigest);
});

test('a configured mirror is used first; when it fails, the upstream registry', async (t) => {
  const work = mkdtempSync('/var/tmp/pp-pull-mirror-');
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const { reg } = await startRegistry(t, work);
  const upstream = await startProxy(t, reg.host);
  const mirror = await startProxy(t, reg.host);
  const config = `${work}/registries.json`;
  writeFileSync(config, JSON.stringify({ registries: { [upstream.host]: { mirrors: [mirror.host] } } }));
  const registries = new Registries(config, { retryDelayMs: 10, attempts: 2 });
  t.after(() => registries.close());
  const store = new LocalImageStore({ storage: new ImageFiles(`${work}/images`), registry: registries });

  const viaMirror = await store.pull(`${upstream.host}/test/busybox:latest`);
  assert.ok(viaMirror.downloadedBytes > 0);
  assert.ok(mirror.requestsFor('/v2/test/busybox/manifests/latest').length > 0, 'the mirror was asked for the manifest');
  assert.ok(mirror.requestsFor('/blobs/').length > 0, 'the blobs came from the mirror');
  assert.deepEqual(upstream.requestsFor('/v2/test/'), [], 'the upstream was not contacted');

  mirror.failing = true;
  const mirrorBefore = mirror.requests.length;
  const viaUpstream = await store.pull(`${upstream.host}/test/big:latest`);
  assert.ok(viaUpstream.downloadedBytes > 0);
  assert.ok(mirror.requests.length > mirrorBefore, 'the mirror was tried first');
  assert.ok(upstream.requestsFor('/v2/test/big/manifests/latest').length > 0, 'then the upstream');
  assert.ok(upstream.requestsFor('/blobs/').length > 0, 'and the blobs came from the upstream');
  assert.ok((await store.list()).some((i) => i.names.includes(`${upstream.host}/test/big:latest`)));
});
