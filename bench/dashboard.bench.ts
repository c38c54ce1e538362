/**
 * The dashboard's cost (issue 15), in Debian's Chromium driven by playwright-core against a real
 * daemon:
 *   paint    first contentful paint of /ui/ and the time until the pods list has loaded (signed in,
 *            fresh profile, median of --runs), beside the bundle's gzipped size
 *   list     the pods list with 500 pods: time to render all rows' count, the page's JS heap and
 *            DOM size, and frame times while scrolling from top to bottom (virtualised rows)
 *   watchers the daemon's extra CPU (user+system from /proc/<pid>/stat, in % of one core) while 5
 *            dashboards watch 100 running pods, beside 5 `kubectl get pods -A -w` watchers, with
 *            one pod status change a second during each window
 * The 500 listed pods are bound to another node (stored and listed, never run); the 100 watched
 * ones run (busybox sleep), so metrics and process reads are real.
 * Run as root: node --import tsx bench/dashboard.bench.ts [--only paint,list,watchers] [--runs 5] [--seconds 30]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { TestDaemon, peapodBin, repoRoot } from '../test/e2e/helpers/test-daemon.js';
import { httpsCall, readKubeconfig } from '../test/e2e/helpers/https-api.js';
import { goto, launchBrowser, type Browser } from '../test/browser/helpers/browser.js';
import type { Pod } from '../src/core/types.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string' }, seconds: { type: 'string' } } });
const only = new Set((values.only ?? 'paint,list,watchers').split(','));
const RUNS = Number(values.runs ?? 5);
const SECONDS = Number(values.seconds ?? 30);
const TICK_MS = 10;

/** The page's globals, inside page.evaluate callbacks (this file compiles without DOM types). */
declare const document: { querySelector(s: string): { scrollTop: number; scrollHeight: number } | null };
declare const requestAnimationFrame: (cb: (t: number) => void) => number;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

function bundleGzipKB(): number {
  const dir = `${repoRoot}/dist/web`;
  let total = 0;
  for (const f of readdirSync(dir)) if (statSync(`${dir}/${f}`).isFile()) total += gzipSync(readFileSync(`${dir}/${f}`), { level: 9 }).length;
  return total / 1024;
}

const d = new TestDaemon();
let browser: Browser | undefined;
const children: ChildProcess[] = [];

async function signIn(page: Page): Promise<string> {
  const link = execFileSync(peapodBin, ['dashboard', '--no-browser', '--socket', d.socket], { encoding: 'utf8' }).trim();
  await goto(page, link);
  await page.getByTestId('pod-count').waitFor();
  return new URL(link).origin;
}

function parkedPod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `listed-${String(i).padStart(3, '0')}`, namespace: 'bench', labels: { app: 'listed' } },
    spec: { nodeName: 'bench-elsewhere', containers: [{ name: 'c', image: 'localhost/busybox:latest' }] },
  } as Pod;
}

async function paint(origin: string): Promise<void> {
  const fcp: number[] = [];
  const firstRow: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const b = await launchBrowser({ daemonPort: Number(new URL(origin).port) });
    try {
      const page = await b.newPage();
      await signIn(page);
      await goto(page, 'about:blank');
      await goto(page, `${origin}/ui/#/pods`);
      await page.getByTestId('pod-count').waitFor();
      const t = await page.evaluate(() => {
        const p = performance.getEntriesByName('first-contentful-paint')[0];
        return { fcp: p ? p.startTime : NaN, now: performance.now() };
      });
      fcp.push(t.fcp);
      firstRow.push(t.now);
    } finally {
      await b.close();
    }
  }
  console.log(`paint: first contentful paint ${median(fcp).toFixed(0)} ms, pods list loaded ${median(firstRow).toFixed(0)} ms (median of ${RUNS}); bundle ${bundleGzipKB().toFixed(1)} KB gzipped`);
}

async function list(origin: string): Promise<void> {
  const kc = await readKubeconfig(d.kubeconfigPath);
  await httpsCall(kc, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }), headers: { 'Content-Type': 'application/json' } });
  for (let i = 0; i < 500; i += 25) await Promise.all(Array.from({ length: 25 }, (_, j) => d.client.createPod('bench', parkedPod(i + j))));
  browser ??= await launchBrowser({ daemonPort: Number(new URL(origin).port) });
  const page = await browser.newPage();
  await signIn(page);
  const renders: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await goto(page, 'about:blank');
    const start = Date.now();
    await goto(page, `${origin}/ui/#/pods?ns=bench`);
    await page.locator('[data-testid=pod-count]', { hasText: '500' }).waitFor();
    await page.locator('.scroller a.tr').first().waitFor();
    renders.push(Date.now() - start);
  }
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const metrics = new Map(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
  const rowsInDom = await page.locator('.scroller a.tr').count();
  const busy = async (): Promise<Map<string, number>> =>
    new Map(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
  const before = await busy();
  // Scroll top to bottom in 40 steps of a frame each, recording frame intervals.
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('.scroller')!;
    const out: number[] = [];
    let last = performance.now();
    for (let i = 1; i <= 40; i++) {
      el.scrollTop = (el.scrollHeight * i) / 40;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      out.push(now - last);
      last = now;
    }
    return out;
  });
  const after = await busy();
  const spent = (k: string): string => (((after.get(k) ?? 0) - (before.get(k) ?? 0)) * 1000).toFixed(0);
  console.log(`list: the 40 scroll steps cost the page ${spent('ScriptDuration')} ms of script, ${spent('LayoutDuration')} ms of layout, ${spent('RecalcStyleDuration')} ms of style, ${spent('TaskDuration')} ms of main-thread tasks in all`);
  console.log(
    `list: 500 pods rendered in ${median(renders)} ms (median of ${RUNS}, navigation to rows), JS heap ${((metrics.get('JSHeapUsedSize') ?? 0) / 1048576).toFixed(1)} MB, ` +
      `${metrics.get('Nodes')} DOM nodes (${rowsInDom} rows in the DOM); scrolling: frame p50 ${pct(frames, 0.5).toFixed(1)} ms, p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms`,
  );
  await d.client.request({ method: 'DELETE', path: '/api/v1/namespaces/bench' }).catch(() => undefined);
}

async function cpuWindow(label: string, tick: () => Promise<void>): Promise<number> {
  const t0 = Date.now();
  const c0 = cpuMsOf(d.pid);
  while (Date.now() - t0 < SECONDS * 1000) {
    await tick();
    await sleep(1000);
  }
  const pctCore = ((cpuMsOf(d.pid) - c0) / (Date.now() - t0)) * 100;
  console.log(`watchers: ${label}: daemon CPU ${pctCore.toFixed(1)} % of one core`);
  return pctCore;
}

async function watchers(origin: string): Promise<void> {
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        d.client.createPod('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `run-${i + j}` }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'localhost/busybox:latest', command: ['sleep', '3600'] }] } } as Pod),
      ),
    );
  }
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const pods = (await d.client.listPods('default')).items;
    if (pods.filter((p) => p.status?.phase === 'Running').length >= 100) break;
    await sleep(1000);
  }
  await sleep(5000);
  let n = 0;
  // One change a second: a label on a pod (a MODIFIED event for every watcher).
  const change = async (): Promise<void> => {
    const name = `run-${n++ % 100}`;
    await d.client.request({ method: 'PATCH', path: `/api/v1/namespaces/default/pods/${name}`, body: { metadata: { labels: { tick: String(n) } } }, headers: { 'Content-Type': 'application/merge-patch+json' } }).catch(() => undefined);
  };
  const idle = await cpuWindow('100 pods, nobody watching', change);
  browser ??= await launchBrowser({ daemonPort: Number(new URL(origin).port) });
  const pages: Page[] = [];
  for (let i = 0; i < 5; i++) {
    const page = i === 0 ? await browser.newPage() : await browser.context.newPage();
    if (i === 0) await signIn(page);
    await goto(page, `${origin}/ui/#/pods?ns=default`);
    await page.locator('[data-testid=pod-count]', { hasText: '100' }).waitFor({ timeout: 60_000 });
    pages.push(page);
  }
  await sleep(12_000); // past the first metrics poll of every page
  const dash = await cpuWindow('100 pods, 5 dashboards on the pods list', change);
  for (const p of pages) await p.close();
  for (let i = 0; i < 5; i++) {
    const c = spawn('/usr/bin/kubectl', ['get', 'pods', '-A', '-w'], { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, HOME: d.base }, stdio: 'ignore' });
    children.push(c);
  }
  await sleep(5000);
  const kubectl = await cpuWindow('100 pods, 5 kubectl get pods -A -w', change);
  for (const c of children.splice(0)) c.kill();
  console.log(`watchers: 5 dashboards add ${(dash - idle).toFixed(1)} % of a core (5 kubectl watchers add ${(kubectl - idle).toFixed(1)} %)`);
}

try {
  await d.start();
  await d.importBusybox();
  const kc = await readKubeconfig(d.kubeconfigPath);
  const origin = `https://127.0.0.1:${kc.port}`;
  if (only.has('paint')) await paint(origin);
  if (only.has('list')) await list(origin);
  if (only.has('watchers')) await watchers(origin);
} finally {
  for (const c of children) c.kill();
  await browser?.close();
  await d.cleanup();
}
