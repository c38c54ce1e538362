/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a free port and a temp storage
 * dir, optionally with htpasswd basic auth and/or TLS with a self-signed CA made by openssl
 * (images.md §1), plus test images pushed with skopeo from an OCI layout built from
 * busybox-static. `stop()` kills the registry by its PID and removes its files.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { stretch } from './time-factor.js';
import { gzip, makeBusyboxRootfs, OciLayoutBuilder, sha256, tarDir, tarOf, zstd, type Desc } from './image-fixtures.js';

export const REG_USER = 'alice';
export const REG_PASSWORD = 's3cret';
/** bcrypt of "s3cret" (images.md §1.1): apache2-utils is not needed. */
const HTPASSWD_LINE = 'alice:$2y$05$hHp8.a7isEo6Phnje7XSq.Eg8hQ6JkyK9SXH0bYuFLTXPLixKMqK2';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RegistryOptions {
  auth?: boolean;
  tls?: boolean;
  /** Share another registry's storage (read-only use). */
  storageDir?: string;
}

export class TestRegistry {
  readonly dir: string;
  readonly storage: string;
  host = '';
  caFile: string | undefined;
  private child: ChildProcess | undefined;

  constructor(private readonly opts: RegistryOptions = {}) {
    this.dir = mkdtempSync('/var/tmp/peapod-reg-');
    this.storage = opts.storageDir ?? `${this.dir}/data`;
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.host = `127.0.0.1:${port}`;
    let yaml = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${this.storage}
  delete:
    enabled: true
http:
  addr: ${this.host}
  secret: peapod-test
`;
    if (this.opts.tls) {
      this.caFile = `${this.dir}/tls.crt`;
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', `${this.dir}/tls.key`, '-out', this.caFile, '-days', '30', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
      yaml += `  tls:\n    certificate: ${this.caFile}\n    key: ${this.dir}/tls.key\n`;
    }
    if (this.opts.auth) {
      writeFileSync(`${this.dir}/htpasswd`, `${HTPASSWD_LINE}\n`);
      yaml += `auth:\n  htpasswd:\n    realm: peapod-test\n    path: ${this.dir}/htpasswd\n`;
    }
    writeFileSync(`${this.dir}/config.yml`, yaml);
    const log = `${this.dir}/registry.log`;
    const out = (await import('node:fs')).openSync(log, 'a');
    this.child = spawn('/usr/bin/docker-registry', ['serve', `${this.dir}/config.yml`], { stdio: ['ignore', out, out] });
    const deadline = Date.now() + stretch(10_000);
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`docker-registry exited: ${readFileSync(log, 'utf8')}`);
      try {
        await fetchStatus(`${this.opts.tls ? 'https' : 'http'}://${this.host}/v2/`);
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`docker-registry did not answer on ${this.host}`);
  }

  /** skopeo copy from an OCI layout tag to <host>/<repo>. */
  push(layoutDir: string, tag: string, repo: string, opts: { all?: boolean; format?: 'v2s2' } = {}): void {
    const args = ['copy', '-q', '--dest-tls-verify=false'];
    if (this.opts.auth) args.push('--dest-creds', `${REG_USER}:${REG_PASSWORD}`);
    if (opts.all) args.push('--all');
    if (opts.format) args.push('--format', opts.format);
    if (this.opts.tls) args.splice(args.indexOf('--dest-tls-verify=false'), 1, `--dest-cert-dir=${this.certDir()}`);
    execFileSync('skopeo', [...args, `oci:${layoutDir}:${tag}`, `docker://${this.host}/${repo}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private certDir(): string {
    const d = `${this.dir}/certs`;
    if (!existsSync(d)) {
      mkdirSync(d);
      writeFileSync(`${d}/ca.crt`, readFileSync(this.caFile!));
    }
    return d;
  }

  /** The file of a blob in the registry's storage (to corrupt it). */
  blobPath(digest: string): string {
    const hex = digest.slice(7);
    return `${this.storage}/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(stretch(3000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    this.child = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function fetchStatus(url: string): Promise<number> {
  const https = await import('node:https');
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.get(url, { rejectUnauthorized: false } as never, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

const OCI_GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

export interface TestImages {
  dir: string;
  busybox: Desc;
  /** busybox + another layer: shares the base layer with busybox. */
  other: Desc;
  whiteout: Desc;
  zstdImage: Desc;
  multi: Desc;
  baseDigest: string;
  baseDiff: string;
}

/**
 * One OCI layout with tags: latest (busybox), other (busybox + /other.txt), whiteout (busybox +
 * files + whiteouts and an opaque dir), zstd (busybox layer zstd-compressed), multi (index:
 * amd64 → latest, arm64 → a placeholder).
 */
export function buildTestImages(work: string): TestImages {
  const rootfs = `${work}/rootfs`;
  makeBusyboxRootfs(rootfs);
  const baseTar = tarDir(rootfs);
  const baseBlob = gzip(baseTar);
  const base = { blob: baseBlob, tar: baseTar, mediaType: OCI_GZ };
  const layout = new OciLayoutBuilder(`${work}/layout`);
  const busybox = layout.image([base]);
  const otherTar = tarOf(`${work}/other`, { 'other.txt': 'other\n' });
  const other = layout.image([base, { blob: gzip(otherTar), tar: otherTar, mediaType: OCI_GZ }]);
  const l1Tar = tarOf(`${work}/l1`, { 'etc/motd': 'hello\n', 'data/a.txt': 'a', 'data/sub/b.txt': 'b', 'opq/x.txt': 'x', 'opq/y.txt': 'y', 'keep/k.txt': 'k' });
  const l2Tar = tarOf(`${work}/l2`, { 'etc/.wh.motd': '', 'data/.wh.sub': '', 'opq/.wh..wh..opq': '', 'opq/new.txt': 'new', 'keep/k2.txt': 'k2' });
  const whiteout = layout.image([base, { blob: gzip(l1Tar), tar: l1Tar, mediaType: OCI_GZ }, { blob: gzip(l2Tar), tar: l2Tar, mediaType: OCI_GZ }]);
  const zstdTar = tarOf(`${work}/z`, { 'zstd.txt': 'zstd layer\n' });
  const zstdImage = layout.image([{ blob: zstd(baseTar), tar: baseTar, mediaType: OCI_ZSTD }, { blob: zstd(zstdTar), tar: zstdTar, mediaType: OCI_ZSTD }]);
  const armTar = tarOf(`${work}/arm`, { 'ARCH.txt': 'arm64' });
  const arm = layout.image([{ blob: gzip(armTar), tar: armTar, mediaType: OCI_GZ }], {}, 'arm64');
  const multi = layout.imageIndex([
    { ...busybox, platform: { os: 'linux', architecture: 'amd64' } },
    { ...arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
  const armOnly = layout.imageIndex([{ ...arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }]);
  layout.add(busybox, 'latest');
  layout.add(other, 'other');
  layout.add(whiteout, 'whiteout');
  layout.add(zstdImage, 'zstd');
  layout.add(multi, 'multi');
  layout.add(armOnly, 'armonly');
  layout.write();
  return { dir: layout.dir, busybox, other, whiteout, zstdImage, multi, baseDigest: sha256(baseBlob), baseDiff: sha256(baseTar) };
}

export function listLayerDirs(imagesDir: string): string[] {
  const d = `${imagesDir}/layers`;
  return existsSync(d) ? readdirSync(d).filter((n) => /^[a-f0-9]{12}$/.test(n)) : [];
}
