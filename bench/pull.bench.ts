/**
 * Pull benchmark (images.md §4–§5): a ~100 MB image (busybox + one big gzip layer of
 * /usr/share and /usr/lib content) pushed with skopeo to a private docker-registry on 127.0.0.1,
 * then, in the same run and in rotating order, each from an empty target on the same disk:
 *   peapod    LocalImageStore.pull (manifests, download, verification, unpack, metadata)
 *   tar       GNU `tar -xzf` of the same layer files into an empty dir (the yardstick)
 *   skopeo    `skopeo copy docker://… dir:DIR`, then `tar -xzf` of every layer
 *   podman    `podman pull` into a private --root (where podman is installed)
 * Page caches are dropped before every timed run where the kernel lets us (said in the output).
 * Run: node --import tsx bench/pull.bench.ts [--runs 5] [--rebuild] [--only peapod,tar,skopeo,podman]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ImageFiles } from '../src/adapters/content/image-files.js';
import { Registries } from '../src/adapters/registry/registries.js';
import { LocalImageStore } from '../src/images/image-store.js';
import { makeBusyboxRootfs, OciLayoutBuilder, tarDir } from '../test/e2e/helpers/image-fixtures.js';
import { TestRegistry } from '../test/e2e/helpers/test-registry.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, rebuild: { type: 'boolean' }, only: { type: 'string' } } });
const RUNS = Number(values.runs ?? 5);
const only = new Set((values.only ?? 'peapod,tar,skopeo,podman').split(','));
const LAYOUT = '/var/tmp/peapod-bench-pull-layout';
const BIG_SOURCES = ['usr/share/doc', 'usr/share/perl', 'usr/share/vim', 'usr/share/icons', 'usr/share/zoneinfo', 'usr/lib/python3.11', 'usr/lib/git-core'];
const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** The layout is cached between runs (building it gzips ~270 MB, about 10 s). */
function buildLayout(): void {
  if (existsSync(`${LAYOUT}/index.json`) && !values.rebuild) return;
  rmSync(LAYOUT, { recursive: true, force: true });
  const work = mkdtempSync('/var/tmp/peapod-bench-pull-build-');
  try {
    makeBusyboxRootfs(`${work}/rootfs`);
    const baseTar = tarDir(`${work}/rootfs`);
    const sources = BIG_SOURCES.filter((p) => existsSync(`/${p}`));
    execFileSync('tar', ['-c', '-f', `${work}/big.tar`, '--sort=name', '--numeric-owner', '--format=gnu', '-C', '/', ...sources]);
    execFileSync('sh', ['-c', `gzip -6 -n -c ${work}/big.tar > ${work}/big.tar.gz`]);
    const bigTar = readFileSync(`${work}/big.tar`);
    const bigGz = readFileSync(`${work}/big.tar.gz`);
    const layout = new OciLayoutBuilder(LAYOUT);
    const img = layout.image([
      { blob: execFileSync('gzip', ['-6', '-n', '-c'], { input: baseTar, maxBuffer: 64 << 20 }), tar: baseTar, mediaType: GZ },
      { blob: bigGz, tar: bigTar, mediaType: GZ },
    ]);
    layout.add(img, 'big');
    layout.write();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The gzip layer files of the image, bottom first. */
function layerFiles(): string[] {
  const index = JSON.parse(readFileSync(`${LAYOUT}/index.json`, 'utf8'));
  const blob = (d: string) => `${LAYOUT}/blobs/sha256/${d.slice(7)}`;
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((l: { digest: string }) => blob(l.digest));
}

let dropsCaches = false;
function dropCaches(): void {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    dropsCaches = true;
  } catch {
    dropsCaches = false;
  }
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  dropCaches();
  const t0 = performance.now();
  await fn();
  // the writes are part of the cost for everyone alike
  spawnSync('sync');
  return (performance.now() - t0) / 1000;
}

function tarXzf(files: string[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) execFileSync('tar', ['-xzf', f, '-C', dir, '--numeric-owner']);
}

const podmanConf = (dir: string) => {
  const conf = `${dir}/containers.conf`;
  writeFileSync(conf, '[engine]\nruntime = "runc"\n');
  return { ...process.env, CONTAINERS_CONF: conf };
};

function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const hasPodman = only.has('podman') && spawnSync('podman', ['--version']).status === 0;
  buildLayout();
  const files = layerFiles();
  const gzBytes = files.reduce((s, f) => s + Number(execFileSync('stat', ['-c', '%s', f]).toString()), 0);
  const reg = new TestRegistry();
  const scratch = mkdtempSync('/var/tmp/peapod-bench-pull-');
  const registries = new Registries(undefined);
  try {
    await reg.start();
    reg.push(LAYOUT, 'big', 'bench/big:latest');
    const ref = `${reg.host}/bench/big:latest`;
    const results: Record<string, number[]> = { peapod: [], tar: [], skopeo: [], podman: [] };
    const kinds = ['peapod', 'tar', 'skopeo', 'podman'].filter((k) => only.has(k) && (k !== 'podman' || hasPodman));
    for (let run = 0; run < RUNS; run++) {
      // rotate the order so no contender always runs after a particular other one
      const order = kinds.map((_, i) => kinds[(i + run) % kinds.length]);
      for (const kind of order) {
        const dir = `${scratch}/${kind}-${run}`;
        mkdirSync(dir);
        let secs = 0;
        if (kind === 'peapod') {
          const store = new LocalImageStore({ storage: new ImageFiles(`${dir}/images`), registry: registries });
          await store.init();
          secs = await timed(async () => {
            await store.pull(ref);
          });
        } else if (kind === 'tar') {
          secs = await timed(() => tarXzf(files, `${dir}/rootfs`));
        } else if (kind === 'skopeo') {
          secs = await timed(() => {
            execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `dir:${dir}/img`]);
            const m = JSON.parse(readFileSync(`${dir}/img/manifest.json`, 'utf8'));
            tarXzf(m.layers.map((l: { digest: string }) => `${dir}/img/${l.digest.slice(7)}`), `${dir}/rootfs`);
          });
        } else {
          const env = podmanConf(dir);
          const args = ['--root', `${dir}/root`, '--runroot', `${dir}/runroot`, '--storage-driver', 'overlay'];
          try {
            secs = await timed(() => {
              execFileSync('podman', [...args, 'pull', '-q', '--tls-verify=false', ref], { env, stdio: ['ignore', 'ignore', 'pipe'] });
            });
          } finally {
            spawnSync('podman', [...args, 'rmi', '-f', ref], { env, stdio: 'ignore' });
            unmountUnder(dir);
          }
        }
        results[kind].push(secs);
        rmSync(dir, { recursive: true, force: true });
        process.stderr.write(`run ${run + 1} ${kind}: ${secs.toFixed(2)} s\n`);
      }
    }
    const out: string[] = [];
    out.push(`image: busybox + ${BIG_SOURCES.length} dirs of /usr as one gzip layer, ${(gzBytes / 1e6).toFixed(1)} MB compressed, ${RUNS} runs, same disk (${scratch})`);
    out.push(dropsCaches ? 'page caches dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every timed run; every run ends with sync' : 'page caches NOT dropped (not permitted here); every run ends with sync');
    const tarMed = median(results.tar);
    for (const kind of kinds) {
      const xs = results[kind];
      const ratio = tarMed ? `  = ${(median(xs) / tarMed).toFixed(2)}× tar -xzf` : '';
      out.push(`${kind.padEnd(7)} median ${median(xs).toFixed(2)} s  [${xs.map((x) => x.toFixed(2)).join(' ')}]${ratio}`);
    }
    if (results.peapod.length && results.tar.length) {
      const per = results.peapod.map((p, i) => p / results.tar[i]);
      out.push(`peapod / tar per run: ${per.map((r) => r.toFixed(2)).join(' ')} (target ≤ 1.10)`);
    }
    console.log(out.join('\n'));
  } finally {
    registries.close();
    await reg.stop();
    unmountUnder(scratch);
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
