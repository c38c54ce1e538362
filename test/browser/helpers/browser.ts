/**
 * @module Debian's Chromium driven by playwright-core for the dashboard's browser tests: a fresh
 * profile per launch, the flags this closed network needs (no background connections), the
 * daemon's self-signed certificate accepted, and every page error collected for the asserts.
 * Chromium runs in a network namespace of its own, with only `lo`, reaching the daemon's port on
 * its 127.0.0.1 through a pair of socats over a unix socket: Chromium aborts every request in
 * flight (ERR_NETWORK_CHANGED) whenever an interface of its namespace comes or goes, and the e2e
 * tests beside it make veths and bridges all the time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { stretch } from '../../e2e/helpers/time-factor.js';

/** Every wait's upper bound: generous for a machine half as fast under a full suite's load. */
export const WAIT_MS = stretch(60_000);

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Uncaught errors of every page (a blank page usually starts as one). */
  pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** page.goto, again if Chromium aborts it with ERR_NETWORK_CHANGED all the same. */
export async function goto(page: Page, url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (err) {
      if (attempt >= 5 || !/ERR_NETWORK_CHANGED|ERR_NETWORK_IO_SUSPENDED/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: scripts/setup.sh --test installs Debian's chromium`);
}

/**
 * The wrapper Chromium is started through: a new network namespace with `lo` up and a socat
 * that carries 127.0.0.1:<port> there to `sock` (its pid in `pidFile`, for the cleanup).
 */
function netnsWrapper(dir: string, port: number, sock: string, pidFile: string): string {
  const path = `${dir}/chromium-netns.sh`;
  writeFileSync(
    path,
    `#!/bin/sh
exec unshare --net sh -c 'ip link set lo up || exit 1
socat TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${sock} </dev/null >/dev/null 2>&1 &
echo $! > ${pidFile}
exec ${CHROMIUM} "$@"' chromium "$@"
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** `daemonPort`: the HTTPS port the pages will open (127.0.0.1 inside Chromium's namespace reaches it). */
export async function launchBrowser(opts: { daemonPort: number; viewport?: { width: number; height: number } }): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync('/var/tmp/peapod-chromium-');
  const sock = `${profile}/daemon.sock`;
  const pidFile = `${profile}/socat.pid`;
  // The host side: the unix socket to the daemon's TCP port.
  const relay: ChildProcess = spawn('socat', [`UNIX-LISTEN:${sock},fork,mode=600`, `TCP:127.0.0.1:${opts.daemonPort}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  const stopRelays = (): void => {
    relay.kill();
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()));
    } catch {
      /* not started, or gone */
    }
  };
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: netnsWrapper(profile, opts.daemonPort, sock, pidFile),
      headless: true,
      ignoreHTTPSErrors: true,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    stopRelays();
    throw err;
  }
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const pageErrors: string[] = [];
  const watch = (p: Page): void => {
    p.on('pageerror', (e) => pageErrors.push(e.message));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  return {
    context,
    pageErrors,
    newPage: async () => context.pages()[0] ?? context.newPage(),
    close: async () => {
      await context.close().catch(() => undefined);
      stopRelays();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
