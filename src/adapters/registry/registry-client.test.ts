import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { parseAuthChallenges } from './auth-challenge.js';
import { RegistryClient, RegistryError } from './registry-client.js';
import { isLoopbackHost } from './registry-hosts.js';
import { parseDockerConfig } from '../../core/registry-auth.js';

async function serve(t: TestContext, handler: http.RequestListener): Promise<string> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    srv.closeAllConnections();
    srv.close();
  });
  return `127.0.0.1:${(srv.address() as { port: number }).port}`;
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

test('auth challenges: quoted commas, several params, basic and bearer', () => {
  const [b] = parseAuthChallenges('Bearer realm="http://a/token",service="reg",scope="repository:x/y:pull,push",error="insufficient_scope"');
  assert.equal(b.scheme, 'bearer');
  assert.deepEqual(b.params, { realm: 'http://a/token', service: 'reg', scope: 'repository:x/y:pull,push', error: 'insufficient_scope' });
  assert.deepEqual(parseAuthChallenges('Basic realm="r"'), [{ scheme: 'basic', params: { realm: 'r' } }]);
  assert.deepEqual(parseAuthChallenges(undefined), []);
});

test('loopback hosts and docker config credentials', () => {
  assert.ok(isLoopbackHost('127.0.0.1:5000') && isLoopbackHost('localhost') && isLoopbackHost('[::1]:5000') && isLoopbackHost('127.9.8.7'));
  assert.ok(!isLoopbackHost('128.0.0.1') && !isLoopbackHost('registry.example.com:5000'));
  const creds = parseDockerConfig(
    { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') }, 'reg:5000': { username: 'a', password: 'b' }, empty: {} } },
    'secret',
  );
  assert.deepEqual(creds, { 'docker.io': { username: 'u', password: 'p:w' }, 'reg:5000': { username: 'a', password: 'b' } });
  assert.throws(() => parseDockerConfig({ auths: { x: { auth: Buffer.from('nocolon').toString('base64') } } }, 's'), /not base64 of "user:password"/);
});

test('bearer token flow, token cached; Accept sent; Docker-Content-Digest returned', async (t) => {
  let tokenCalls = 0;
  const manifest = Buffer.from('{"schemaVersion":2}');
  const host = await serve(t, (req, res) => {
    if (req.url!.startsWith('/token')) {
      tokenCalls++;
      const u = new URL(req.url!, 'http://x');
      assert.equal(u.searchParams.get('scope'), 'repository:a/b:pull');
      assert.equal(u.searchParams.get('service'), 'svc');
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('alice:pw').toString('base64')}`);
      res.end(JSON.stringify({ access_token: 'T1', expires_in: 300 }));
      return;
    }
    if (req.headers.authorization !== 'Bearer T1') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc",scope="repository:a/b:pull"` });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}');
      return;
    }
    assert.match(String(req.headers.accept), /oci\.image\.index/);
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': 'sha256:abc' });
    res.end(manifest);
  });
  const c = new RegistryClient({ retryDelayMs: 1 });
  t.after(() => c.close());
  const ep = { host, insecure: true, credentials: { username: 'alice', password: 'pw' } };
  const m = await c.getManifest(ep, 'a/b', 'latest', ['application/vnd.oci.image.index.v1+json']);
  assert.deepEqual(m.bytes, manifest);
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(m.digest, 'sha256:abc');
  await c.getManifest(ep, 'a/b', 'latest', ['application/vnd.oci.image.index.v1+json']);
  assert.equal(tokenCalls, 1, 'the token is cached per scope');
});

test('wrong basic credentials: an unauthorized RegistryError naming the failure', async (t) => {
  const host = await serve(t, (_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  });
  const c = new RegistryClient({ retryDelayMs: 1 });
  t.after(() => c.close());
  await assert.rejects(
    c.getManifest({ host, insecure: true, credentials: { username: 'x', password: 'y' } }, 'a', 'latest', []),
    (e: unknown) => e instanceof RegistryError && e.kind === 'unauthorized' && /credentials were refused/.test(e.message),
  );
  await assert.rejects(c.getManifest({ host, insecure: true }, 'a', 'latest', []), /authentication required/);
});

test('blob: redirect to another host drops Authorization; a truncated answer resumes with Range', async (t) => {
  const blob = Buffer.alloc(300_000, 7);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) % 251;
  const seen: { auth?: string; range?: string }[] = [];
  let served = 0;
  const cdn = await serve(t, (req, res) => {
    seen.push({ auth: req.headers.authorization, range: req.headers.range });
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (served++ === 0) {
      // first answer: promise everything, send a third, then drop the connection
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, 100_000), () => res.destroy());
      return;
    }
    res.writeHead(206, { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}`, 'content-length': blob.length - start });
    res.end(blob.subarray(start));
  });
  const reg = await serve(t, (req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
      res.end();
      return;
    }
    res.writeHead(307, { location: `http://${cdn}/data?sig=1` });
    res.end();
  });
  const c = new RegistryClient({ retryDelayMs: 1 });
  t.after(() => c.close());
  const got = await readAll(c.openBlob({ host: reg, insecure: true, credentials: { username: 'u', password: 'p' } }, 'a', 'sha256:x', blob.length));
  assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(blob).digest('hex'));
  assert.ok(seen.length >= 2);
  assert.ok(seen.every((s) => s.auth === undefined), 'no Authorization to the other host');
  assert.equal(seen[0].range, undefined);
  assert.match(seen[1].range ?? '', /^bytes=\d+-$/);
});

test('registry down: an unreachable error saying so', async () => {
  const c = new RegistryClient({ retryDelayMs: 1, attempts: 2 });
  try {
    await assert.rejects(c.getManifest({ host: '127.0.0.1:1', insecure: true }, 'a', 'latest', []), (e: unknown) => e instanceof RegistryError && e.kind === 'unreachable' && /connection refused/.test(e.message));
  } finally {
    c.close();
  }
});
