/**
 * Root e2e for pulling from Debian's docker-registry (distribution 2.8) on 127.0.0.1: plain HTTP,
 * basic auth (htpasswd) and TLS with a self-signed CA; images pushed with skopeo from an OCI
 * layout built from busybox-static (multi-arch index, whiteouts + opaque dir, zstd, v2s2); a
 * corrupted blob refused; shared base layers stored once; then pods through a real daemon.
 * Every registry is stopped by its PID in t.after; every temp dir removed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ImageFiles } from '../../src/adapters/content/image-files.js';
import { Registries } from '../../src/adapters/registry/registries.js';
import { LocalImageStore } from '../../src/images/image-store.js';
import type { Pod } from '../../src/core/types.js';
import { resourceFor } from '../../src/client/resource-paths.js';
import { TestDaemon, allRunning, peapodBin } from './helpers/test-daemon.js';
import { buildTestImages, listLayerDirs, REG_PASSWORD, REG_USER, TestRegistry, type TestImages } from './helpers/test-registry.js';
import { stretch } from './helpers/time-factor.js';

if (process.getuid?.() !== 0) {
  test('registry pull e2e needs root (mknod, trusted.* xattrs, runc)', () => {
    assert.fail('run as root: these tests cannot run unprivileged');
  });
}

const run = promisify(execFile);

function tmp(t: TestContext, prefix = 'pp-pull-'): string {
  const d = mkdtempSync(`/var/tmp/${prefix}`);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function startRegistry(t: TestContext, opts: ConstructorParameters<typeof TestRegistry>[0] = {}): Promise<TestRegistry> {
  const r = new TestRegistry(opts);
  t.after(() => r.stop());
  await r.start();
  return r;
}

function newStore(t: TestContext, root: string, configPath?: string) {
  const registries = new Registries(configPath, { retryDelayMs: 10, attempts: 2 });
  t.after(() => registries.close());
  const storage = new ImageFiles(`${root}/images`);
  return { storage, store: new LocalImageStore({ storage, registry: registries }) };
}

let images: TestImages | undefined;
let imagesDir: string | undefined;
function testImages(): TestImages {
  imagesDir ??= mkdtempSync('/var/tmp/pp-pull-imgs-');
  images ??= buildTestImages(imagesDir);
  return images;
}
test.after(() => {
  if (imagesDir) rmSync(imagesDir, { recursive: true, force: true });
});

test('plain HTTP: multi-arch, whiteouts, zstd, v2s2; shared base stored once; concurrent pulls share one download', async (t) => {
  const imgs = testImages();
  const reg = await startRegistry(t);
  for (const tag of ['latest', 'other', 'whiteout', 'zstd']) reg.push(imgs.dir, tag, `test/${tag}:v1`);
  reg.push(imgs.dir, 'multi', 'test/multi:v1', { all: true });
  reg.push(imgs.dir, 'armonly', 'test/armonly:v1', { all: true });
  reg.push(imgs.dir, 'latest', 'test/v2s2:v1', { format: 'v2s2' });
  const root = tmp(t);
  const { store, storage } = newStore(t, root);

  // two pulls at once of the same image: one download
  const [a, b] = await Promise.all([store.pull(`${reg.host}/test/multi:v1`), store.pull(`${reg.host}/test/multi:v1`)]);
  assert.equal(a, b, 'the second pull joined the first');
  assert.equal(a.imageRef, `${reg.host}/test/multi@${imgs.multi.digest}`, 'imageID names the index digest');
  assert.equal(a.image.id, JSON.parse(readFileSync(`${imgs.dir}/blobs/sha256/${imgs.busybox.digest.slice(7)}`, 'utf8')).config.digest, 'amd64 entry chosen');
  assert.equal(listLayerDirs(storage.root).length, 1);

  const other = await store.pull(`${reg.host}/test/other:v1`);
  assert.equal(other.downloadedBytes < 1000, true, `only the small top layer downloads (got ${other.downloadedBytes})`);
  assert.equal(listLayerDirs(storage.root).length, 2, 'the base layer shared by both images is stored once');

  const progress: string[] = [];
  const wo = await store.pull(`${reg.host}/test/whiteout:v1`, { onProgress: (p) => progress.push(`${p.phase}`) });
  assert.ok(progress.includes('exists') && progress.includes('downloading') && progress.includes('done'), progress.join());
  const top = wo.image.layerDirs[2];
  assert.ok(lstatSync(`${top}/etc/motd`).isCharacterDevice(), 'whiteout became a 0:0 char device');
  assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', `${top}/opq`], { encoding: 'utf8' }), 'y');
  assert.deepEqual(readdirSync(`${top}/opq`), ['new.txt']);

  const z = await store.pull(`${reg.host}/test/zstd:v1`);
  assert.equal(readFileSync(`${z.image.layerDirs[1]}/zstd.txt`, 'utf8'), 'zstd layer\n');
  const v2 = await store.pull(`${reg.host}/test/v2s2:v1`);
  assert.equal(v2.image.id, a.image.id, 'the v2s2 copy has the same config');

  // by digest: found again by the same reference afterwards
  const byDigest = await store.pull(`${reg.host}/test/whiteout@${imgs.whiteout.digest}`);
  assert.equal(byDigest.image.id, wo.image.id);
  assert.ok(await store.resolve(`${reg.host}/test/whiteout@${imgs.whiteout.digest}`));

  await assert.rejects(store.pull(`${reg.host}/test/armonly:v1`), /no image for linux\/amd64 .*linux\/arm64\/v8/);
  await assert.rejects(store.pull(`${reg.host}/test/latest:nope`), /not found.*MANIFEST_UNKNOWN/);
  const before = (await store.list()).length;
  await reg.stop();
  await assert.rejects(store.pull(`${reg.host}/test/latest:v2`), /connection refused/);
  assert.equal((await store.list()).length, before, 'failed pulls stored no image');
});

test('a corrupted blob in the registry is refused and nothing of it is stored', async (t) => {
  const imgs = testImages();
  const reg = await startRegistry(t);
  reg.push(imgs.dir, 'whiteout', 'test/whiteout:v1');
  const m = JSON.parse(readFileSync(`${imgs.dir}/blobs/sha256/${imgs.whiteout.digest.slice(7)}`, 'utf8'));
  const top = m.layers[2];
  const p = reg.blobPath(top.digest);
  const data = readFileSync(p);
  data[data.length - 12] ^= 0xff; // same size, different bytes (inside the gzip trailer area)
  writeFileSync(p, data);
  const root = tmp(t);
  const { store, storage } = newStore(t, root);
  await assert.rejects(store.pull(`${reg.host}/test/whiteout:v1`), /digest mismatch|diffID mismatch/);
  assert.deepEqual(await store.list(), []);
  assert.equal(await storage.hasBlob(top.digest), false, 'the corrupt blob was not kept');
  const diffIds: string[] = JSON.parse(readFileSync(`${imgs.dir}/blobs/sha256/${m.config.digest.slice(7)}`, 'utf8')).rootfs.diff_ids;
  assert.equal(await storage.hasLayer(diffIds[2]), false, 'the corrupt layer was not kept');
  assert.deepEqual(readdirSync(`${root}/images/tmp`), [], 'no temp files left');
});

test('basic auth + TLS with a self-signed CA from registries.json; wrong credentials and an untrusted CA are clear errors', async (t) => {
  const imgs = testImages();
  const reg = await startRegistry(t, { auth: true, tls: true });
  reg.push(imgs.dir, 'latest', 'test/secure:v1');
  const root = tmp(t);
  const config = `${root}/registries.json`;
  const auth = Buffer.from(`${REG_USER}:${REG_PASSWORD}`).toString('base64');
  writeFileSync(config, JSON.stringify({ registries: { [reg.host]: { insecure: false, ca: reg.caFile } }, auths: { [reg.host]: { auth } } }));
  const { store } = newStore(t, root, config);
  const ok = await store.pull(`${reg.host}/test/secure:v1`);
  assert.equal(ok.image.layerDirs.length, 1);

  await assert.rejects(store.pull(`${reg.host}/test/secure:v1`, { credentials: { [reg.host]: { username: REG_USER, password: 'wrong' } } }), /credentials were refused/);
  const anon = `${root}/anon.json`;
  writeFileSync(anon, JSON.stringify({ registries: { [reg.host]: { insecure: false, ca: reg.caFile } } }));
  await assert.rejects(newStore(t, `${root}/b`, anon).store.pull(`${reg.host}/test/secure:v1`), /authentication required/);
  const noCa = `${root}/noca.json`;
  writeFileSync(noCa, JSON.stringify({ registries: { [reg.host]: { insecure: false } }, auths: { [reg.host]: { auth } } }));
  await assert.rejects(newStore(t, `${root}/c`, noCa).store.pull(`${reg.host}/test/secure:v1`), /self-signed|certificate/);
});

test('pods from a registry through the daemon: pull policies, imagePullSecrets, imageID, bad images as waiting reasons; peapod image pull', async (t) => {
  const imgs = testImages();
  const reg = await startRegistry(t);
  reg.push(imgs.dir, 'whiteout', 'test/whiteout:v1');
  reg.push(imgs.dir, 'latest', 'test/busybox:latest');
  const sec = await startRegistry(t, { auth: true, storageDir: reg.storage });
  const d = new TestDaemon();
  t.after(() => d.cleanup());
  await d.start();

  const pod = (name: string, image: string, extra: Record<string, unknown> = {}): Pod =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image, command: ['sh', '-c', 'ls /opq /data; test -e /etc/motd || echo motd-gone; sleep 60'], ...extra }],
      },
    }) as Pod;

  await d.client.createPod('default', pod('wo', `${reg.host}/test/whiteout:v1`));
  const running = await d.waitForPod('wo', allRunning, 30_000);
  const st = running.status!.containerStatuses![0];
  assert.equal(st.imageID, `${reg.host}/test/whiteout@${imgs.whiteout.digest}`);
  let woLog = '';
  await waitFor(async () => /\/data:\na\.txt\n\n\/opq:\nnew\.txt\nmotd-gone/.test((woLog = await d.logs('wo', 'c'))), 'whiteouts applied in the container', 15_000, () => `${woLog}`);

  // imagePullSecrets: the secret holds the credentials of the auth registry
  const dockerconfig = Buffer.from(JSON.stringify({ auths: { [sec.host]: { auth: Buffer.from(`${REG_USER}:${REG_PASSWORD}`).toString('base64') } } })).toString('base64');
  await d.client.createObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerconfig } } as never);
  const withSecret = pod('sec', `${sec.host}/test/busybox`);
  withSecret.spec!.imagePullSecrets = [{ name: 'regcred' }];
  await d.client.createPod('default', withSecret);
  await d.waitForPod('sec', allRunning, 30_000);

  // no credentials, unknown tag, registry down, Never: waiting reasons; the daemon stays up
  await d.client.createPod('default', pod('noauth', `${sec.host}/test/busybox:latest`));
  await d.client.createPod('default', pod('notag', `${reg.host}/test/busybox:nope`));
  await d.client.createPod('default', pod('down', '127.0.0.1:1/test/busybox:v1'));
  await d.client.createPod('default', pod('never', `${reg.host}/test/busybox:other`, { imagePullPolicy: 'Never' }));
  const waiting = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting;
  for (const [name, re] of [
    ['noauth', /authentication required/],
    ['notag', /not found/],
    ['down', /connection refused/],
  ] as const) {
    const p = await d.waitForPod(name, (x) => /ErrImagePull|ImagePullBackOff/.test(waiting(x)?.reason ?? ''), 30_000);
    assert.match(waiting(p)!.message ?? '', re, `${name}: ${JSON.stringify(waiting(p))}`);
  }
  const never = await d.waitForPod('never', (x) => waiting(x)?.reason === 'ErrImageNeverPull', 30_000);
  assert.match(waiting(never)!.message!, /not present with pull policy of Never/);
  const events = await d.client.listObjects(resourceFor('v1', 'Event'), 'default');
  const msgs = (events.items as { reason?: string; message?: string }[]).map((e) => `${e.reason}: ${e.message}`);
  assert.ok(msgs.some((m) => /^Pulling: Pulling image/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^Pulled: Successfully pulled image .* in [\d.]+s\. Image size: \d+ bytes/.test(m)), msgs.join('\n'));

  // the CLI: progress lines (not a terminal) and the id; a clear error for a bad tag
  const env = { ...process.env, PEAPOD_SOCKET: d.socket };
  const okRun = await run(peapodBin, ['image', 'pull', `${reg.host}/test/whiteout:v1`], { env });
  assert.match(okRun.stdout.trim(), /^sha256:[a-f0-9]{64}$/);
  assert.match(okRun.stderr, /Pulled .*test\/whiteout@sha256:/);
  const bad = await run(peapodBin, ['image', 'pull', `${reg.host}/test/whiteout:nope`], { env }).then(
    () => assert.fail('pull of an unknown tag succeeded'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /not found/);
  const ls = await run(peapodBin, ['image', 'ls'], { env });
  assert.match(ls.stdout, /test\/whiteout/);
  await d.client.getVersion();
  assert.ok(existsSync(d.socket), 'daemon still up');
  for (const name of ['wo', 'sec', 'noauth', 'notag', 'down', 'never']) await d.client.deletePod('default', name).catch(() => {});
  for (const name of ['wo', 'sec', 'noauth', 'notag', 'down', 'never']) await d.waitForPodGone(name).catch(() => {});
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + stretch(timeoutMs);
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out: ${what} ${detail()}`);
}
