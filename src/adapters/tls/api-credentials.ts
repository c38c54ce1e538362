/**
 * @module The HTTPS API's credentials, made once on first start and kept in `<data-dir>/pki`: a
 * self-signed CA, a serving certificate it signs (SANs 127.0.0.1, ::1, localhost and the host
 * name) and the admin bearer token, and the service account signing key. Keys and the token are 0600. Certificates come from the
 * `openssl` binary, which node:crypto cannot replace (it has no X.509 issuing API).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { run } from '../process/run.js';

export interface ApiCredentials {
  dir: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  token: string;
}

const FILES = { caKey: 'ca.key', caCert: 'ca.crt', key: 'apiserver.key', cert: 'apiserver.crt', token: 'admin.token' } as const;

/**
 * Loads the credentials from `dir`, making whatever is missing (a missing CA remakes everything).
 * A serving certificate that does not name every one of `hostNames` and `ips` (the Service
 * address pods use, the bridge gateway) is made again with the same CA, so clients keep trusting it.
 */
export async function ensureApiCredentials(dir: string, hostNames: readonly string[], openssl = 'openssl', ips: readonly string[] = []): Promise<ApiCredentials> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const p = (f: string): string => `${dir}/${f}`;
  const haveCa = existsSync(p(FILES.caKey)) && existsSync(p(FILES.caCert));
  if (!haveCa) await makeCa(dir, openssl);
  const haveCert = haveCa && existsSync(p(FILES.key)) && existsSync(p(FILES.cert));
  if (!haveCert || !coversNames(readFileSync(p(FILES.cert), 'utf8'), hostNames, ips)) await makeServingCert(dir, hostNames, openssl, ips);
  if (!existsSync(p(FILES.token))) writeSecret(p(FILES.token), `${randomBytes(32).toString('base64url')}\n`);
  for (const f of [FILES.caKey, FILES.key, FILES.token]) chmodSync(p(f), 0o600);
  return {
    dir,
    caPem: readFileSync(p(FILES.caCert), 'utf8'),
    certPem: readFileSync(p(FILES.cert), 'utf8'),
    keyPem: readFileSync(p(FILES.key), 'utf8'),
    token: readFileSync(p(FILES.token), 'utf8').trim(),
  };
}

/** Written to a temp name (created 0600) and renamed, so no reader sees a partial or open file. */
export function writeSecret(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, openssl: string): Promise<void> {
  const old = process.umask(0o077);
  try {
    await run(openssl, [
      'req', '-x509', ...KEY_ARGS,
      '-keyout', `${dir}/${FILES.caKey}.tmp`, '-out', `${dir}/${FILES.caCert}.tmp`,
      '-days', '3650', '-subj', '/CN=peapod-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  } finally {
    process.umask(old);
  }
  renameSync(`${dir}/${FILES.caKey}.tmp`, `${dir}/${FILES.caKey}`);
  renameSync(`${dir}/${FILES.caCert}.tmp`, `${dir}/${FILES.caCert}`);
}

export function subjectAltNames(hostNames: readonly string[], ips: readonly string[] = []): string {
  const names = new Set(['localhost', ...hostNames.filter((h) => /^[a-zA-Z0-9.-]+$/.test(h) && !/^[\d.]+$/.test(h))]);
  const addresses = new Set(['127.0.0.1', '::1', ...ips]);
  return [...[...addresses].map((ip) => `IP:${ip}`), ...[...names].map((n) => `DNS:${n}`)].join(',');
}

/** Whether a certificate's SANs include every wanted name and address. */
function coversNames(certPem: string, hostNames: readonly string[], ips: readonly string[]): boolean {
  let san: string;
  try {
    san = new X509Certificate(certPem).subjectAltName ?? '';
  } catch {
    return false;
  }
  const have = new Set(san.split(',').map((e) => e.trim().replace(/^IP Address:/, 'IP:')));
  const dnsOk = hostNames.filter((h) => /^[a-zA-Z0-9.-]+$/.test(h) && !/^[\d.]+$/.test(h)).every((h) => have.has(`DNS:${h}`));
  return dnsOk && ips.every((ip) => have.has(`IP:${ip}`));
}

async function makeServingCert(dir: string, hostNames: readonly string[], openssl: string, ips: readonly string[] = []): Promise<void> {
  const csr = `${dir}/apiserver.csr`;
  const ext = `${dir}/apiserver.ext`;
  const old = process.umask(0o077);
  try {
    await run(openssl, ['req', ...KEY_ARGS, '-keyout', `${dir}/${FILES.key}.tmp`, '-out', csr, '-subj', '/CN=peapod-apiserver']);
    writeFileSync(
      ext,
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${subjectAltNames(hostNames, ips)}\n`,
    );
    await run(openssl, [
      'x509', '-req', '-in', csr, '-CA', `${dir}/${FILES.caCert}`, '-CAkey', `${dir}/${FILES.caKey}`,
      '-CAcreateserial', '-days', '3650', '-extfile', ext, '-out', `${dir}/${FILES.cert}.tmp`,
    ]);
  } finally {
    process.umask(old);
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  renameSync(`${dir}/${FILES.key}.tmp`, `${dir}/${FILES.key}`);
  renameSync(`${dir}/${FILES.cert}.tmp`, `${dir}/${FILES.cert}`);
}

/**
 * The key service account tokens are signed with (the API server's --service-account-key-file),
 * `<dir>/sa.key`, made on first start (ECDSA P-256, 0600). Tokens stay valid across restarts.
 */
export function ensureServiceAccountKey(dir: string): { privateKey: KeyObject; publicKey: KeyObject } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = `${dir}/sa.key`;
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeSecret(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  }
  const privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
