/**
 * @module Starting conmon for one container and reading its sync pipe. conmon forks a daemon that
 * setsid()s and runs `<runtime> create`; the pid (or the failure) arrives as one JSON line on
 * fd 3. The daemon is re-parented to PID 1, so the container outlives peapod.
 */
import { spawn } from 'node:child_process';
import { HelperNotStartedError, sharedLauncher } from '../process/launcher.js';

export interface ConmonArgs {
  conmonPath: string;
  runtimePath: string;
  runcRoot: string;
  id: string;
  name: string;
  bundle: string;
  persistDir: string;
  exitDir: string;
  socketDir: string;
  logPath: string;
  logSizeMax?: number;
  /** `-t`: conmon gives runc a console socket and holds the terminal's master side. */
  terminal?: boolean;
  /** `-i`: conmon holds the container's stdin open for attach sessions. */
  stdin?: boolean;
  /** `--leave-stdin-open`: an attach session that ends does not close the container's stdin. */
  leaveStdinOpen?: boolean;
}

export function conmonArgv(a: ConmonArgs): string[] {
  const argv = [
    '--api-version', '1',
    '-c', a.id,
    '-u', a.id,
    '-n', a.name,
    '-r', a.runtimePath,
    '--runtime-arg', '--root',
    '--runtime-arg', a.runcRoot,
    '-b', a.bundle,
    '-p', `${a.bundle}/pidfile`,
    '-P', `${a.bundle}/conmon.pid`,
    '-0', a.persistDir,
    '--exit-dir', a.exitDir,
    '--socket-dir-path', a.socketDir,
    '-l', `k8s-file:${a.logPath}`,
    '--log-level', 'info',
  ];
  if (a.logSizeMax && a.logSizeMax > 0) argv.push('--log-size-max', String(a.logSizeMax));
  if (a.terminal) argv.push('-t');
  if (a.stdin) argv.push('-i');
  if (a.stdin && a.leaveStdinOpen) argv.push('--leave-stdin-open');
  return argv;
}

export type SyncResult = { ok: true; pid: number } | { ok: false; message: string | undefined };

/**
 * Spawns conmon and resolves with the first sync message. Never rejects for a runtime failure:
 * `{ok:false}` carries the runtime's message (undefined when conmon died without one, P4).
 */
export function spawnConmon(args: ConmonArgs, opts: { cwd: string; tmpDir: string; timeoutMs: number }): Promise<SyncResult> {
  // conmon writes its `oom` file into its cwd.
  const launched = sharedLauncher()?.launchWithSyncPipe({
    argv: [args.conmonPath, ...conmonArgv(args)],
    cwd: opts.cwd,
    env: { ...process.env, TMPDIR: opts.tmpDir },
    timeoutMs: opts.timeoutMs,
  });
  if (!launched) return spawnConmonByNode(args, opts);
  return launched.then(
    ({ sync, stderr, timedOut }) => {
      if (timedOut) throw new Error(`conmon: no create result within ${opts.timeoutMs} ms`);
      const nl = sync.indexOf('\n');
      const line = nl >= 0 ? sync.slice(0, nl) : tryWhole(sync);
      // No line: conmon died early (e.g. its socket dir is missing, P6).
      return line === undefined ? { ok: false, message: stderr || undefined } : syncResult(line, stderr);
    },
    (e: unknown) => {
      if (e instanceof HelperNotStartedError) return spawnConmonByNode(args, opts);
      throw new Error(`conmon: ${(e as Error).message}`);
    },
  );
}

/** The sync message: conmon's pid of the container, or the runtime's failure. */
function syncResult(line: string, stderr: string): SyncResult {
  let msg: { data?: unknown; message?: unknown };
  try {
    msg = JSON.parse(line);
  } catch {
    return { ok: false, message: `conmon sent an unreadable sync message: ${line.slice(0, 200)}` };
  }
  const pid = typeof msg.data === 'number' ? msg.data : NaN;
  if (pid > 0) return { ok: true, pid };
  return { ok: false, message: typeof msg.message === 'string' ? msg.message : stderr || undefined };
}

/** The same with Node's own spawn (no launcher). */
function spawnConmonByNode(args: ConmonArgs, opts: { cwd: string; tmpDir: string; timeoutMs: number }): Promise<SyncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(args.conmonPath, conmonArgv(args), {
      cwd: opts.cwd, // conmon writes its `oom` file into its cwd
      detached: true,
      env: { ...process.env, _OCI_SYNCPIPE: '3', TMPDIR: opts.tmpDir },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    child.unref();
    const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    const stderr = child.stderr!;
    let buf = '';
    let errText = '';
    let done = false;
    const finish = (r: SyncResult | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sync.destroy();
      stderr.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const timer = setTimeout(() => finish(new Error(`conmon: no create result within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    stderr.on('data', (c: Buffer) => {
      if (errText.length < 65536) errText += c.toString('utf8');
    });
    sync.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      const line = nl >= 0 ? buf.slice(0, nl) : tryWhole(buf);
      if (line === undefined) return;
      finish(syncResult(line, errText));
    });
    // EOF without a line: conmon died early (e.g. its socket dir is missing, P6).
    sync.on('end', () => finish({ ok: false, message: errText || undefined }));
    sync.on('error', () => finish({ ok: false, message: errText || undefined }));
    child.on('error', (e) => finish(new Error(`conmon: ${e.message}`)));
  });
}

/** conmon may omit the trailing newline; a complete JSON object is enough. */
function tryWhole(buf: string): string | undefined {
  const t = buf.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  try {
    JSON.parse(t);
    return t;
  } catch {
    return undefined;
  }
}
