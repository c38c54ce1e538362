/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * daemon: sign-in with the admin token and with a one-time link, the pods list following a pod's
 * creation and deletion live, the process-group page of a pod with shareProcessNamespace, logs
 * following, an exec terminal, and the bad input list: wrong and used tokens, a forged cookie,
 * cross-site requests, odd pod names, a 100 MB log, a 5,000-line YAML edit. Each must end in a
 * clear message, never a blank page, never a daemon error. PEAPOD_SCREENSHOTS=DIR saves the main
 * pages as PNGs there (docs/ holds the README's).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { stringify } from 'yaml';
import { TestDaemon, allRunning, peapodBin } from '../e2e/helpers/test-daemon.js';
import { httpsCall, readKubeconfig, type KubeconfigInfo } from '../e2e/helpers/https-api.js';
import { stretch } from '../e2e/helpers/time-factor.js';
import type { Pod } from '../../src/core/types.js';
import { goto, launchBrowser, type Browser } from './helpers/browser.js';

/** The page's DOM, inside page.evaluate callbacks (this file compiles without DOM types). */
declare const document: { querySelector(selector: string): { textContent: string | null; content?: string; value?: string } | null };
declare const Event: new (type: string, init: { bubbles: boolean }) => unknown;

const d = new TestDaemon();
let browser: Browser;
let page: Page;
let kc: KubeconfigInfo;
let base: string;
const shots = process.env.PEAPOD_SCREENSHOTS;

before(async () => {
  await d.start();
  await d.importBusybox();
  kc = await readKubeconfig(d.kubeconfigPath);
  base = `https://127.0.0.1:${kc.port}`;
  browser = await launchBrowser({ daemonPort: kc.port });
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await d.cleanup();
});

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, ...spec } as Pod['spec'] });
const busybox = 'localhost/busybox:latest';

function oneTimeLink(): string {
  return execFileSync(peapodBin, ['dashboard', '--no-browser', '--socket', d.socket], { encoding: 'utf8' }).trim();
}

async function sessionCookie(): Promise<string> {
  const c = (await browser.context.cookies(base)).find((x) => x.name === 'peapod_session');
  assert.ok(c, 'signed in: the session cookie is set');
  return c.value;
}

/**
 * Puts text into the YAML editor as a paste does: the value and one input event. (playwright's
 * fill types a 5,000-line text through the editing commands, which takes Chromium minutes.)
 */
async function pasteYaml(text: string): Promise<void> {
  await page.evaluate((t) => {
    const el = document.querySelector('[data-testid=yaml-text]') as unknown as { value: string; dispatchEvent(e: unknown): void };
    el.value = t;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

async function shot(name: string): Promise<void> {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png` });
}

test('nothing without a session: the API says 401, the assets too, /ui/ is the sign-in page', async () => {
  for (const path of ['/api/v1/pods', '/apis/metrics.k8s.io/v1beta1/pods', '/ui/assets/app.js', '/apis/node.peapod.io/v1alpha1/namespaces/default/podprocesses/x']) {
    const r = await httpsCall(kc, 'GET', path, { token: null });
    assert.equal(r.code, 401, `${path} without a session: ${r.body}`);
  }
  // The WebSocket exec path too.
  const ws = await httpsCall(kc, 'GET', '/api/v1/namespaces/default/pods/x/exec?command=sh&stdout=true', {
    token: null,
    headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: base },
  }).catch((err: Error) => ({ code: -1, body: err.message }));
  assert.notEqual(ws.code, 101);
  await goto(page, `${base}/ui/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.match(await page.title(), /Sign in/);
  await shot('sign-in');
});

test('a wrong token is refused with a message; the admin token signs in (HttpOnly, Secure, SameSite=Strict cookie)', async () => {
  await page.fill('#token', 'not-the-token');
  await page.click('button[type=submit]');
  await page.getByText('That token is not valid').waitFor();
  await page.fill('#token', kc.token);
  await page.click('button[type=submit]');
  await page.getByTestId('pod-count').waitFor();
  const c = (await browser.context.cookies(base)).find((x) => x.name === 'peapod_session');
  assert.ok(c && c.httpOnly && c.secure && c.sameSite === 'Strict', JSON.stringify(c));
});

test('a one-time link signs in once; used again it says so', async () => {
  const link = oneTimeLink();
  assert.match(link, /^https:\/\/127\.0\.0\.1:\d+\/ui\/login\?once=[\w-]{20,}$/);
  await browser.context.clearCookies();
  await goto(page, link);
  await page.getByTestId('pod-count').waitFor();
  // the secret does not stay in the address bar
  assert.ok(!page.url().includes('once='), page.url());
  await goto(page, link);
  await page.getByText('This sign-in link has expired or was already used').waitFor();
  await goto(page, `${base}/ui/`);
  await page.getByTestId('pod-count').waitFor();
});

test('the pods list follows a pod created and deleted, with the kubectl STATUS', async () => {
  await goto(page, `${base}/ui/#/pods`);
  await page.getByTestId('pod-count').waitFor();
  const row = page.locator('[data-pod="default/live-1"]');
  assert.equal(await row.count(), 0);
  await d.client.createPod('default', pod('live-1', { containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] }));
  await row.locator('[data-testid=status]', { hasText: 'Running' }).waitFor({ timeout: stretch(60_000) });
  await d.client.deletePod('default', 'live-1', { gracePeriodSeconds: 0 });
  await row.waitFor({ state: 'detached', timeout: stretch(60_000) });
});

test('the process group: shared namespaces drawn, catatonit as PID 1, each container with its processes', async () => {
  await d.client.createPod('default', pod('group', {
    shareProcessNamespace: true,
    volumes: [{ name: 'shared', emptyDir: {} }],
    initContainers: [{ name: 'setup', image: busybox, command: ['sh', '-c', 'echo ready > /shared/ready'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }],
    containers: [
      { name: 'sleeper', image: busybox, command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/shared', readOnly: true }] },
      { name: 'ticker', image: busybox, command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done'], volumeMounts: [{ name: 'shared', mountPath: '/data' }] },
    ],
  }));
  await d.waitForPod('group', allRunning, stretch(60_000));
  await goto(page, `${base}/ui/#/pods/default/group`);
  await page.getByTestId('ns-pid').waitFor();
  const infra = page.locator('[data-container=infra] [data-testid=process]');
  await infra.filter({ hasText: 'catatonit' }).waitFor({ timeout: stretch(30_000) });
  assert.equal((await infra.first().locator('td').first().textContent())?.trim(), '1', 'catatonit is PID 1 of the pod');
  const sleeper = page.locator('[data-container=sleeper] [data-testid=process]', { hasText: 'sleep 3600' });
  await sleeper.waitFor();
  assert.notEqual((await sleeper.locator('td').first().textContent())?.trim(), '1');
  await page.locator('[data-container=ticker] [data-testid=process]', { hasText: 'sh -c' }).first().waitFor();
  assert.match((await page.locator('[data-container=setup]').textContent()) ?? '', /Completed \(exit 0\)/);
  assert.match((await page.locator('[data-volume=shared]').textContent()) ?? '', /sleeper → \/shared\s*read-only.*ticker → \/data\s*read-write/s);
  await shot('pod-process-group');
});

test('logs follow the container; search keeps the matching lines', async () => {
  await page.getByRole('tab', { name: 'Logs' }).click();
  await page.selectOption('[data-testid=log-container]', 'ticker');
  const log = page.getByTestId('log');
  await log.filter({ hasText: /tick \d+/ }).waitFor();
  const lastTick = async (): Promise<number> => Math.max(...[...((await log.textContent()) ?? '').matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  const first = await lastTick();
  await page.waitForFunction((n) => {
    const text = document.querySelector('[data-testid=log]')?.textContent ?? '';
    return Math.max(...[...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]))) >= n + 3;
  }, first);
  await page.fill('[data-testid=log-search]', 'tick 2');
  const lines = ((await log.textContent()) ?? '').split('\n').filter(Boolean);
  assert.ok(lines.length > 0 && lines.every((l) => l.includes('tick 2')), lines.join('|'));
  await page.fill('[data-testid=log-search]', '');
  await shot('pod-logs');
});

test('exec: a terminal in the page runs a command in the container and shows its output', async () => {
  await page.getByRole('tab', { name: 'Exec' }).click();
  await page.fill('[data-testid=exec-command]', 'sh');
  await page.click('[data-testid=exec-connect]');
  await page.getByTestId('exec-state').filter({ hasText: 'connected' }).waitFor({ timeout: stretch(30_000) });
  await page.locator('.xterm').click();
  await page.keyboard.type('echo hello-$((6*7)) from $(hostname)\n');
  await page.locator('.xterm-rows', { hasText: 'hello-42 from group' }).waitFor({ timeout: stretch(30_000) });
  await shot('pod-exec');
  await page.keyboard.type('exit\n');
  await page.getByTestId('exec-state').filter({ hasText: 'ended' }).waitFor({ timeout: stretch(30_000) });
});

test('a forged cookie and cross-site requests are refused; a change needs the CSRF token', async () => {
  const cookie = await sessionCookie();
  const forged = await httpsCall(kc, 'GET', '/api/v1/pods', { token: null, headers: { Cookie: 'peapod_session=forged-value-0123456789' } });
  assert.equal(forged.code, 401);
  const asUi = await httpsCall(kc, 'GET', '/ui/', { token: null, headers: { Cookie: 'peapod_session=forged-value-0123456789' } });
  assert.match(asUi.body, /Your session has ended or is not valid/);

  const withCookie = { token: null, headers: { Cookie: `peapod_session=${cookie}` } };
  assert.equal((await httpsCall(kc, 'GET', '/api/v1/pods', withCookie)).code, 200);
  const evil = await httpsCall(kc, 'GET', '/api/v1/pods', { token: null, headers: { Cookie: `peapod_session=${cookie}`, Origin: 'https://evil.example' } });
  assert.equal(evil.code, 403);
  const crossSite = await httpsCall(kc, 'GET', '/api/v1/pods', { token: null, headers: { Cookie: `peapod_session=${cookie}`, 'Sec-Fetch-Site': 'cross-site' } });
  assert.equal(crossSite.code, 403);
  const body = JSON.stringify(pod('csrf', { containers: [{ name: 'c', image: busybox }] }));
  const json = { 'Content-Type': 'application/json', Cookie: `peapod_session=${cookie}` };
  const noCsrf = await httpsCall(kc, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { token: null, headers: json, body });
  assert.equal(noCsrf.code, 403);
  assert.match(noCsrf.body, /CSRF/);
  const csrf = await page.evaluate(() => document.querySelector('meta[name=csrf-token]')?.content ?? '');
  const ok = await httpsCall(kc, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { token: null, headers: { ...json, 'X-CSRF-Token': csrf }, body });
  assert.equal(ok.code, 201, ok.body);
  // A WebSocket from another origin is refused even with the cookie.
  const wsEvil = await httpsCall(kc, 'GET', '/api/v1/namespaces/default/pods/group/exec?container=sleeper&command=sh&stdin=true&stdout=true&tty=true', {
    token: null,
    headers: { Cookie: `peapod_session=${cookie}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io', Origin: 'https://evil.example' },
  });
  assert.equal(wsEvil.code, 403);
  // From a page of another origin the browser sends no cookie (SameSite=Strict): 401, and CORS keeps the answer from the page.
  const other = await browser.context.newPage();
  await other.goto('about:blank');
  const seen = await other.evaluate(async (url) => {
    try {
      const r = await fetch(url, { credentials: 'include' });
      return `status ${r.status}`;
    } catch (err) {
      return `blocked: ${(err as Error).message}`;
    }
  }, `${base}/api/v1/pods`);
  assert.match(seen, /blocked|status 401/);
  await other.close();
});

test('odd pod names: a clear "not found", a name with dots and dashes works, a broken address does not break the page', async () => {
  for (const hash of ['#/pods/default/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E', '#/pods/no-such-ns/x', '#/pods/default/%E0%A4%A', '#/pods/default/a%2Fb']) {
    await goto(page, `${base}/ui/${hash}`);
    await page.getByText(/not found/).first().waitFor();
  }
  await d.client.createPod('default', pod('a.b-c.123', { containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] }));
  await goto(page, `${base}/ui/#/pods/default/a.b-c.123`);
  await page.getByTestId('pod-status').filter({ hasText: 'Running' }).waitFor({ timeout: stretch(60_000) });
  await d.client.deletePod('default', 'a.b-c.123', { gracePeriodSeconds: 0 });
  await page.getByText(/not found/).waitFor({ timeout: stretch(60_000) });
});

test('a 100 MB log: the page keeps the last lines and offers the whole file as a download', async () => {
  await d.client.createPod('default', pod('flood', {
    // 100 MiB in lines of 1,000 characters (conmon's cost is per line: short lines would take minutes).
    containers: [{ name: 'c', image: busybox, command: ['sh', '-c', 'l=$(head -c 999 /dev/zero | tr "\\0" x); yes "$l" | head -c 104857600; echo; echo END-OF-FLOOD; sleep 3600'] }],
  }));
  await d.waitForPod('flood', allRunning, stretch(60_000));
  await goto(page, `${base}/ui/#/pods/default/flood`);
  await page.getByRole('tab', { name: 'Logs' }).click();
  await page.getByTestId('log').filter({ hasText: 'END-OF-FLOOD' }).waitFor({ timeout: stretch(180_000) });
  const lines = await page.evaluate(() => (document.querySelector('[data-testid=log]')?.textContent ?? '').split('\n').length);
  assert.ok(lines <= 5000 && lines > 100, `${lines} lines kept`);
  assert.match((await page.getByTestId('log').textContent()) ?? '', /x{999}/);
  const href = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
  assert.match(href ?? '', /\/api\/v1\/namespaces\/default\/pods\/flood\/log\?container=c$/);
  await d.client.deletePod('default', 'flood', { gracePeriodSeconds: 0 });
});

test('a 5,000-line YAML edit: a field error is shown at its line; a valid one applies', async () => {
  await goto(page, `${base}/ui/#/pods/default/group`);
  await page.getByRole('tab', { name: 'YAML' }).click();
  await page.waitForFunction(() => (document.querySelector('[data-testid=yaml-text]')?.value ?? '').includes('shareProcessNamespace'));
  const current = (await d.client.getPod('default', 'group')) as Pod & { metadata: { annotations?: Record<string, string>; labels?: Record<string, string> } };
  const annotations: Record<string, string> = {};
  for (let i = 0; i < 5000; i++) annotations[`note-${i}`] = `value ${i}`;
  const bad = { ...current, metadata: { ...current.metadata, annotations, labels: { app: 'bad value!' } } };
  const badText = stringify(bad, { lineWidth: 0 });
  assert.ok(badText.split('\n').length > 5000);
  await pasteYaml(badText);
  await page.click('[data-testid=yaml-apply]');
  const problems = page.getByTestId('yaml-problems');
  await problems.waitFor();
  const text = (await problems.textContent()) ?? '';
  assert.match(text, /line \d+/);
  assert.match(text, /metadata\.labels/);
  const line = Number(/line (\d+)/.exec(text)![1]);
  assert.match(badText.split('\n')[line - 1], /app: bad value!|labels:/, `line ${line} is the field's`);
  await shot('pod-yaml-error');
  const good = { ...current, metadata: { ...current.metadata, annotations } };
  await pasteYaml(stringify(good, { lineWidth: 0 }));
  await page.click('[data-testid=yaml-apply]');
  await page.getByText('Applied.').waitFor({ timeout: stretch(30_000) });
  const after = (await d.client.getPod('default', 'group')) as Pod & { metadata: { annotations?: Record<string, string> } };
  assert.equal(Object.keys(after.metadata.annotations ?? {}).filter((k) => k.startsWith('note-')).length, 5000);
});

test('a Deployment in its discovered view: scaled to 2 and restarted from the page, through the API', async () => {
  await d.client.request({
    method: 'POST',
    path: '/apis/apps/v1/namespaces/default/deployments',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] } },
      },
    },
  });
  await goto(page, `${base}/ui/#/r/apps/v1/deployments?ns=default`);
  const row = page.locator('tr', { hasText: 'web' });
  await row.waitFor();
  page.once('dialog', (dialog) => void dialog.accept('2'));
  await row.getByRole('button', { name: 'Scale' }).click();
  await row.locator('td', { hasText: /^2\/2$/ }).waitFor({ timeout: stretch(90_000) });
  await row.getByRole('button', { name: 'Restart' }).click();
  const deadline = Date.now() + stretch(30_000);
  let restartedAt: string | undefined;
  while (!restartedAt && Date.now() < deadline) {
    const dep = await d.client.request<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>({ method: 'GET', path: '/apis/apps/v1/namespaces/default/deployments/web' });
    restartedAt = dep.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    if (!restartedAt) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(restartedAt, 'the restart annotation is set');
  await shot('deployments');
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached', timeout: stretch(60_000) });
});

test('the list and the daemon after all of it: no page error, no daemon error', async () => {
  await goto(page, `${base}/ui/#/pods`);
  await page.getByTestId('pod-count').waitFor();
  await shot('pods-list');
  assert.deepEqual(browser.pageErrors, []);
  const log = readFileSync(d.logFile, 'utf8');
  assert.doesNotMatch(log, / ERROR |request handler crashed|unhandled rejection/);
  assert.equal((await httpsCall(kc, 'GET', '/healthz')).code, 200);
});
