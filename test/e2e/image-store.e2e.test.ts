/**
 * Root e2e for the local image store (images/ + adapters/content) with real GNU tar, zstd, mknod
 * and setfattr. Every test works in its own temp dir and removes it, even on failure.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ImageFiles } from '../../src/adapters/content/image-files.js';
import { ConflictError } from '../../src/core/errors.js';
import { LocalImageStore } from '../../src/images/image-store.js';
import { gzip, makeBusyboxRootfs, OciLayoutBuilder, rawTar, sha256, tarDir, tarOf, zstd } from './helpers/image-fixtures.js';

if (process.getuid?.() !== 0) {
  test('image store e2e needs root (mknod, trusted.* xattrs)', () => {
    assert.fail('run as root: these tests cannot run unprivileged');
  });
}

const OCI_GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

function tmp(t: TestContext): string {
  const d = mkdtempSync(`${tmpdir()}/pp-img-`);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function newStore(root: string, inUse: (id: string) => boolean = () => false) {
  const storage = new ImageFiles(`${root}/images`);
  return { storage, store: new LocalImageStore({ storage, inUse }) };
}

const ls = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

/** busybox base layer + whiteout layers + a multi-arch index, as images.md §2.1 describes. */
function buildLayout(work: string) {
  const rootfs = `${work}/rootfs`;
  makeBusyboxRootfs(rootfs);
  const baseTar = tarDir(rootfs);
  const base = { blob: gzip(baseTar), tar: baseTar, mediaType: OCI_GZ };
  const l1Tar = tarOf(`${work}/l1`, {
    'etc/motd': 'hello\n',
    'data/a.txt': 'a',
    'data/sub/b.txt': 'b',
    'opq/x.txt': 'x',
    'opq/y.txt': 'y',
    'keep/k.txt': 'k',
  });
  const l2Tar = tarOf(`${work}/l2`, {
    'etc/.wh.motd': '',
    'data/.wh.sub': '',
    'opq/.wh..wh..opq': '',
    'opq/new.txt': 'new',
    'keep/k2.txt': 'k2',
    'keep/.wh.k2.txt': '', // same layer has k2.txt: it must stay a file
    '.wh..wh.plnk/': '',
  });
  const layout = new OciLayoutBuilder(`${work}/layout`);
  const busybox = layout.image([base]);
  const whiteout = layout.image([base, { blob: gzip(l1Tar), tar: l1Tar, mediaType: OCI_GZ }, { blob: zstd(l2Tar), tar: l2Tar, mediaType: OCI_ZSTD }]);
  const armTar = tarOf(`${work}/arm`, { 'ARCH.txt': 'arm64' });
  const arm = layout.image([{ blob: gzip(armTar), tar: armTar, mediaType: OCI_GZ }], {}, 'arm64');
  const multi = layout.imageIndex([
    { ...busybox, platform: { os: 'linux', architecture: 'amd64' } },
    { ...arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
  layout.add(whiteout, 'whiteout');
  layout.add(multi, 'multi');
  layout.write();
  return { dir: layout.dir, busybox, whiteout, arm, baseDiff: sha256(baseTar), l2Diff: sha256(l2Tar), armDiff: sha256(armTar) };
}

test('import a directory and a tar.gz with --change instructions', async (t) => {
  const work = tmp(t);
  const { store } = newStore(work);
  makeBusyboxRootfs(`${work}/rootfs`);
  const t0 = performance.now();
  const img = await store.importRootfs(`${work}/rootfs`, 'bb', ['ENV PATH=/usr/bin:/bin', 'ENV A=1 B=2', 'CMD ["sh"]', 'WORKDIR /tmp', 'LABEL x=y']);
  const ms = performance.now() - t0;
  t.diagnostic(`import of the busybox rootfs dir: ${ms.toFixed(0)} ms`);
  assert.deepEqual(img.names, ['localhost/bb:latest']);
  assert.deepEqual(img.config.Env, ['PATH=/usr/bin:/bin', 'A=1', 'B=2']);
  assert.deepEqual(img.config.Cmd, ['sh']);
  assert.equal(img.config.WorkingDir, '/tmp');
  assert.equal(img.layerDirs.length, 1);
  const layer = img.layerDirs[0];
  assert.ok(lstatSync(`${layer}/bin/busybox`).isFile());
  assert.equal(lstatSync(`${layer}/tmp`).mode & 0o7777, 0o1777);
  assert.ok(lstatSync(`${layer}/bin/sh`).isSymbolicLink());
  assert.ok(img.size > 500_000, `size ${img.size}`);
  assert.match(img.id, /^sha256:[a-f0-9]{64}$/);
  assert.equal((await store.resolve('bb'))?.id, img.id, 'short name finds localhost/');
  assert.equal((await store.resolve(img.id.slice(7, 19)))?.id, img.id, 'id prefix');
  assert.equal(await store.resolve('docker.io/library/bb'), undefined);

  // reproducible: the same tree gives the same layer
  const again = await store.importRootfs(`${work}/rootfs`, 'bb2', []);
  assert.deepEqual(again.layerDirs, img.layerDirs);

  const tgz = `${work}/rootfs.tar.gz`;
  writeFileSync(tgz, gzip(tarDir(`${work}/rootfs`)));
  const t1 = performance.now();
  const fromTar = await store.importRootfs(tgz, 'example.com/team/app:v1', ['CMD sh -c "echo hi"', 'ENTRYPOINT ["/bin/sh"]', 'USER 1000', 'EXPOSE 8080', 'STOPSIGNAL SIGINT', 'VOLUME /data']);
  t.diagnostic(`import of the busybox rootfs tar.gz: ${(performance.now() - t1).toFixed(0)} ms`);
  assert.deepEqual(fromTar.names, ['example.com/team/app:v1']);
  assert.deepEqual(fromTar.config.Cmd, ['/bin/sh', '-c', 'sh -c "echo hi"']);
  assert.deepEqual(fromTar.config.Entrypoint, ['/bin/sh']);
  assert.equal(fromTar.config.User, '1000');
  assert.deepEqual(fromTar.config.ExposedPorts, { '8080/tcp': {} });
  assert.ok(readFileSync(`${fromTar.layerDirs[0]}/etc/passwd`, 'utf8').startsWith('root:'));

  await assert.rejects(store.importRootfs(`${work}/rootfs`, 'bad', ['RUN true']), /unknown instruction RUN/);
  await assert.rejects(store.importRootfs(`${work}/rootfs`, 'Bad', []), /lowercase/);
  await assert.rejects(store.importRootfs(`${work}/nope`, 'x', []), /does not exist/);
});

test('OCI layout: index with amd64/arm64, whiteouts, opaque dir, zstd layer; as dir and as oci-archive', async (t) => {
  const work = tmp(t);
  const f = buildLayout(`${work}/fx`);
  const { store, storage } = newStore(`${work}/s1`);
  const t0 = performance.now();
  const loaded = await store.load(f.dir, { name: 'test/img' });
  t.diagnostic(`load of the OCI layout dir (3 images' worth of blobs): ${(performance.now() - t0).toFixed(0)} ms`);
  assert.deepEqual(loaded.map((i) => i.names).sort(), [['localhost/test/img:multi'], ['localhost/test/img:whiteout']]);
  const wo = (await store.resolve('localhost/test/img:whiteout'))!;
  const multi = (await store.resolve('localhost/test/img:multi'))!;
  assert.equal(wo.layerDirs.length, 3);
  assert.equal(multi.layerDirs.length, 1);
  assert.equal(multi.layerDirs[0], wo.layerDirs[0], 'shared base layer is one directory');
  assert.equal(ls(storage.layersDir).length, 3, 'base + 2 whiteout layers; the arm64 layer is not unpacked');
  assert.equal(await storage.hasBlob(f.arm.digest), false, 'the arm64 manifest is not stored');
  assert.equal(await storage.hasLayer(f.armDiff), false);
  assert.deepEqual(wo.repoDigests, [`localhost/test/img@${f.whiteout.digest}`]);

  const top = wo.layerDirs[2];
  for (const dev of ['etc/motd', 'data/sub']) {
    const st = lstatSync(`${top}/${dev}`);
    assert.ok(st.isCharacterDevice(), `${dev} is a whiteout device`);
    assert.equal(st.rdev, 0);
  }
  assert.equal(existsSync(`${top}/etc/.wh.motd`), false);
  assert.equal(existsSync(`${top}/opq/.wh..wh..opq`), false);
  assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', `${top}/opq`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), 'y');
  assert.ok(lstatSync(`${top}/keep/k2.txt`).isFile(), 'a whiteout of a name in the same layer keeps the file');
  assert.ok(existsSync(`${top}/.wh..wh.plnk`), 'other .wh..wh.* names are left alone');
  assert.ok(lstatSync(`${wo.layerDirs[1]}/etc/motd`).isFile());

  // as an oci-archive, into a second store, twice at once
  const archive = `${work}/oci.tar`;
  execFileSync('tar', ['-c', '-f', archive, '-C', f.dir, '.']);
  const { store: s2, storage: st2 } = newStore(`${work}/s2`);
  const t1 = performance.now();
  const [a, b] = await Promise.all([s2.load(archive, { name: 'arch' }), s2.load(archive, { name: 'arch' })]);
  t.diagnostic(`two concurrent loads of the oci-archive: ${(performance.now() - t1).toFixed(0)} ms`);
  assert.deepEqual(a.map((i) => i.id).sort(), loaded.map((i) => i.id).sort());
  assert.deepEqual(b.map((i) => i.id).sort(), loaded.map((i) => i.id).sort());
  assert.equal((await s2.list()).length, 2);
  assert.equal(ls(st2.layersDir).length, 3);
  assert.deepEqual(ls(`${work}/s2/images/tmp`), []);
  assert.ok(lstatSync(`${(await s2.resolve('localhost/arch:whiteout'))!.layerDirs[2]}/etc/motd`).isCharacterDevice());

  // without a caller name, tag-only ref names give unnamed images
  const { store: s3 } = newStore(`${work}/s3`);
  const unnamed = await s3.load(archive);
  assert.deepEqual(unnamed.map((i) => i.names), [[], []]);
  assert.ok(await s3.resolve(unnamed[0].id));

  // a fresh store object over the same dir sees the same images
  const { store: reopened } = newStore(`${work}/s2`);
  assert.equal((await reopened.list()).length, 2);
});

test('docker-archive with plain and gzip layers and legacy symlinks; shared base stored once', async (t) => {
  const work = tmp(t);
  makeBusyboxRootfs(`${work}/rootfs`);
  const baseTar = tarDir(`${work}/rootfs`);
  const topTar = tarOf(`${work}/top`, { 'hello.txt': 'hi' });
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(baseTar), sha256(topTar)] } }));
  const dir = `${work}/dock`;
  const baseHex = sha256(baseTar).slice(7);
  mkdirSync(`${dir}/legacy1`, { recursive: true });
  writeFileSync(`${dir}/${baseHex}.tar`, baseTar);
  symlinkSync(`../${baseHex}.tar`, `${dir}/legacy1/layer.tar`);
  writeFileSync(`${dir}/top.tar.gz`, gzip(topTar));
  writeFileSync(`${dir}/${sha256(cfg).slice(7)}.json`, cfg);
  writeFileSync(`${dir}/manifest.json`, JSON.stringify([{ Config: `${sha256(cfg).slice(7)}.json`, RepoTags: ['busybox:dock', 'docker.io/test/bb:1'], Layers: ['legacy1/layer.tar', 'top.tar.gz'] }]));
  const archive = `${work}/docker.tar`;
  execFileSync('tar', ['-c', '-f', archive, '-C', dir, 'legacy1', `${baseHex}.tar`, `${sha256(cfg).slice(7)}.json`, 'top.tar.gz', 'manifest.json']);

  const { store, storage } = newStore(`${work}/s`);
  // the same base layer, gzip-compressed in an OCI layout: same diffID, so one directory
  const layout = new OciLayoutBuilder(`${work}/oci`);
  layout.add(layout.image([{ blob: gzip(baseTar), tar: baseTar, mediaType: OCI_GZ }]), 'base');
  layout.write();
  const [base] = await store.load(layout.dir, { name: 'base' });
  const t0 = performance.now();
  const [img] = await store.load(archive);
  t.diagnostic(`load of a ~1 MB docker-archive: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(img.id, sha256(cfg));
  assert.deepEqual(img.names.sort(), ['docker.io/library/busybox:dock', 'docker.io/test/bb:1']);
  assert.equal(img.layerDirs[0], base.layerDirs[0], 'same diffID as the imported rootfs: one layer dir');
  assert.equal(ls(storage.layersDir).length, 2);
  assert.equal(readFileSync(`${img.layerDirs[1]}/hello.txt`, 'utf8'), 'hi');
  assert.equal((await store.resolve('busybox:dock'))?.id, img.id);
});

test('a corrupted blob is refused and leaves nothing behind', async (t) => {
  const work = tmp(t);
  const f = buildLayout(`${work}/fx`);
  const { store, storage } = newStore(`${work}/s`);
  // flip a byte in the zstd layer
  const m = JSON.parse(readFileSync(`${f.dir}/blobs/sha256/${f.whiteout.digest.slice(7)}`, 'utf8'));
  const p = `${f.dir}/blobs/sha256/${m.layers[2].digest.slice(7)}`;
  const bytes = readFileSync(p);
  bytes[bytes.length - 5] ^= 0xff;
  writeFileSync(p, bytes);
  await assert.rejects(store.load(f.dir, { name: 'bad' }), /digest mismatch/);
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(ls(`${work}/s/images/tmp`), []);
  assert.deepEqual(ls(storage.layersDir).filter((n) => n.startsWith('.tmp')), []);
  // the unreferenced leftovers go at the next start
  const { store: again, storage: s2 } = newStore(`${work}/s`);
  await again.list();
  assert.deepEqual(await s2.listBlobs(), []);
  assert.deepEqual(ls(s2.layersDir), []);
});

test('hostile archives are refused and write nothing outside the store', async (t) => {
  const work = tmp(t);
  const outside = `${work}/outside`;
  mkdirSync(outside);
  const sandbox = `${work}/cwd/a/b`;
  mkdirSync(sandbox, { recursive: true });
  const { store } = newStore(`${work}/cwd/a/b/s`);
  const abs = `${outside}/abs-${process.pid}`;
  const cases: [string, Buffer, RegExp][] = [
    ['dotdot', rawTar([{ name: 'index.json', data: '{"manifests":[]}' }, { name: '../../escape', data: 'x' }]), /"\.\."/],
    ['absolute', rawTar([{ name: abs, data: 'x' }, { name: 'index.json', data: '{"manifests":[]}' }]), /absolute path/],
    ['symlink', rawTar([{ name: 'evil', type: 'symlink', link: outside }, { name: 'evil/pwned', data: 'x' }, { name: 'index.json', data: '{"manifests":[]}' }]), /outside/],
    ['symlink-rel', rawTar([{ name: 'evil', type: 'symlink', link: 'sub' }, { name: 'evil/pwned', data: 'x' }]), /below the symlink/],
  ];
  for (const [name, tarBytes, why] of cases) {
    const p = `${work}/${name}.tar`;
    writeFileSync(p, tarBytes);
    await assert.rejects(store.load(p), why, name);
  }
  // a hostile *layer* inside a valid layout: GNU tar refuses its members, the load fails
  const layout = new OciLayoutBuilder(`${work}/hl`);
  const evil = rawTar([{ name: '../../../escape-layer', data: 'x' }, { name: `${outside}/abs2`, data: 'x' }, { name: 'ok.txt', data: 'ok' }]);
  layout.add(layout.image([{ blob: gzip(evil), tar: evil, mediaType: OCI_GZ }]), 'evil');
  layout.write();
  await assert.rejects(store.load(layout.dir, { name: 'evil' }), /tar -x/);
  assert.deepEqual(ls(outside), [], 'nothing written outside');
  assert.equal(existsSync(`${work}/escape`), false);
  assert.equal(existsSync(`${work}/cwd/escape`), false);
  assert.equal(existsSync(`${work}/cwd/escape-layer`), false);
  assert.equal(existsSync(`${work}/escape-layer`), false);
  assert.deepEqual(await store.list(), []);
});

test('remove: untag, in-use refusal, layers freed only when unused', async (t) => {
  const work = tmp(t);
  const f = buildLayout(`${work}/fx`);
  const used = new Set<string>();
  const { store, storage } = newStore(`${work}/s`, (id) => used.has(id));
  await store.load(f.dir, { name: 'x' });
  const wo = (await store.resolve('localhost/x:whiteout'))!;
  const multi = (await store.resolve('localhost/x:multi'))!;
  // a second name on the same image
  await store.load(f.dir, { name: 'y' });
  assert.deepEqual((await store.resolve(wo.id))!.names.sort(), ['localhost/x:whiteout', 'localhost/y:whiteout']);

  used.add(wo.id);
  const untagged = await store.remove('localhost/y:whiteout');
  assert.equal(untagged.id, wo.id);
  assert.deepEqual((await store.resolve(wo.id))!.names, ['localhost/x:whiteout'], 'untag works while in use');
  await assert.rejects(store.remove('localhost/x:whiteout'), (e: unknown) => e instanceof ConflictError && /in use/.test(e.message));
  used.clear();

  await store.remove('localhost/x:whiteout');
  assert.equal(await store.resolve(wo.id), undefined);
  assert.ok(existsSync(wo.layerDirs[0]), 'base layer kept: multi still uses it');
  assert.equal(existsSync(wo.layerDirs[2]), false);
  assert.equal(await storage.hasBlob(f.whiteout.digest), false);
  await store.remove('localhost/y:multi');
  await store.remove(multi.id.slice(7, 20));
  assert.equal(existsSync(wo.layerDirs[0]), false);
  assert.deepEqual(await storage.listBlobs(), []);
  assert.deepEqual(ls(storage.layersDir), []);
  await assert.rejects(store.remove('localhost/x:multi'), /not found/);
});

test('temp leftovers of an interrupted run are removed at start', async (t) => {
  const work = tmp(t);
  const { store: first } = newStore(work);
  await first.list();
  mkdirSync(`${work}/images/layers/.tmp-0123456789ab-dead`, { recursive: true });
  writeFileSync(`${work}/images/tmp/ingest-1-junk`, 'x');
  writeFileSync(`${work}/images/blobs/sha256/${'e'.repeat(64)}`, 'orphan');
  const { store } = newStore(work);
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(ls(`${work}/images/layers`), []);
  assert.deepEqual(ls(`${work}/images/tmp`), []);
  assert.deepEqual(ls(`${work}/images/blobs/sha256`), []);
});
