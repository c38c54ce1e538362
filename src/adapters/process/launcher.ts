/**
 * @module Runs commands for the daemon through a small helper process, because Node's spawn
 * forks the whole daemon: libuv (1.46, Node 20) spawns with fork(), which copies the page tables
 * of a 100-300 MB process and blocks the event loop meanwhile, 3-80 ms a command depending on the
 * daemon's size and the host's load, and a pod start runs about twenty commands. The helper is a
 * few lines of Python (Debian's python3) whose subprocess spawns with vfork: under 1 ms. It reads
 * one JSON request a line (argv, cwd, env, stdin, timeout), runs each in a thread of its own, and
 * writes one JSON answer a line (exit code or signal, stdout, stderr, or the spawn error). It
 * ends with the daemon (its stdin closes). Where python3 is missing, or the helper dies, commands
 * are spawned by Node as before, and the log says why once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * Debian's own python3 (scripts/setup.sh installs it), not whichever one PATH finds first: a
 * pyenv or virtualenv shim is a shell script that costs a fork chain and seconds under load.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface LaunchRequest {
  argv: readonly string[];
  cwd?: string;
  /** The whole environment; undefined inherits the daemon's. */
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Bytes of stdout and of stderr kept, each. */
  maxOutput: number;
}

export interface LaunchResult {
  stdout: Buffer;
  stderr: Buffer;
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
}

/** A command that could not be started at all (ENOENT, EACCES...): `errno` as Node names it. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly errno: string | undefined,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

const HELPER = String.raw`
import base64, json, os, select, signal, subprocess, sys, threading, time
lock = threading.Lock()
def answer(msg):
    line = json.dumps(msg) + "\n"
    with lock:
        sys.stdout.write(line)
        sys.stdout.flush()
def b64(data):
    return base64.b64encode(data).decode("ascii")
def sync(req):
    # conmon: its sync pipe is fd 3; it daemonizes, so the answer is the pipe's first line (or
    # its end, when conmon died), not the process's exit.
    rid = req["id"]
    r, w = os.pipe()
    env = dict(req.get("env") or os.environ)
    env["_OCI_SYNCPIPE"] = str(w)
    try:
        p = subprocess.Popen(req["argv"], cwd=req.get("cwd"), env=env, close_fds=True, pass_fds=(w,),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    except OSError as e:
        os.close(r)
        os.close(w)
        answer({"id": rid, "error": str(e.strerror or e), "errno": e.errno})
        return
    os.close(w)
    data = b""
    timed_out = False
    deadline = time.monotonic() + (req.get("timeout") or 60)
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            timed_out = True
            break
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    err = b""
    if b"\n" not in data and not timed_out:
        # No sync message: conmon failed; what it said is on stderr.
        while len(err) < 65536 and select.select([p.stderr], [], [], 1.0)[0]:
            chunk = os.read(p.stderr.fileno(), 65536)
            if not chunk:
                break
            err += chunk
    answer({"id": rid, "sync": b64(data), "err": b64(err), "timedOut": timed_out})
    p.stderr.close()
    p.wait()
def serve(req):
    if req.get("sync"):
        return sync(req)
    rid = req["id"]
    try:
        data = base64.b64decode(req["input"]) if req.get("input") is not None else None
        p = subprocess.Popen(req["argv"], cwd=req.get("cwd"), env=req.get("env"), close_fds=True,
                             stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, restore_signals=True)
    except OSError as e:
        answer({"id": rid, "error": str(e.strerror or e), "errno": e.errno})
        return
    try:
        out, err = p.communicate(data, timeout=req.get("timeout"))
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    cap = req.get("max") or (16 << 20)
    code = p.returncode
    answer({"id": rid, "code": code if code >= 0 else None,
            "signal": signal.Signals(-code).name if code < 0 else None,
            "out": b64(out[:cap]), "err": b64(err[:cap])})
answer({"id": 0, "ready": True})
for line in sys.stdin:
    threading.Thread(target=serve, args=(json.loads(line),), daemon=True).start()
`;

interface Answer extends LaunchResult {
  sync: Buffer;
  timedOut: boolean;
}

type Pending = { resolve: (r: Answer) => void; reject: (e: Error) => void };

export class Launcher {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the helper could not be used: every command goes through Node's spawn. */
  private broken: string | undefined;
  /** The helper said it runs: from then on a command in flight when it dies may have run. */
  private ready = false;
  /** The environment the helper inherited (JSON). */
  private helperEnv = '';

  constructor(
    private readonly python = PYTHON,
    private readonly onFallback: (why: string) => void = () => {},
  ) {}

  /** Whether commands go through the helper (false once it could not start or died). */
  get available(): boolean {
    return this.broken === undefined;
  }

  launch(req: LaunchRequest): Promise<LaunchResult> | undefined {
    return this.send({
      argv: req.argv,
      cwd: req.cwd ?? null,
      env: this.envFor(req.env),
      input: req.input === undefined ? null : Buffer.from(req.input).toString('base64'),
      timeout: req.timeoutMs === undefined ? null : req.timeoutMs / 1000,
      max: req.maxOutput,
    });
  }

  /**
   * Starts a program that reports through a sync pipe and daemonizes (conmon): resolves with the
   * pipe's first line ('' when it closed without one, or none came in time) and, then only, the
   * program's stderr. The helper sets _OCI_SYNCPIPE to the pipe's fd.
   */
  launchWithSyncPipe(req: Omit<LaunchRequest, 'input' | 'maxOutput'>): Promise<{ sync: string; stderr: string; timedOut: boolean }> | undefined {
    const started = this.send({
      sync: true,
      argv: req.argv,
      cwd: req.cwd ?? null,
      env: this.envFor(req.env),
      timeout: req.timeoutMs === undefined ? null : req.timeoutMs / 1000,
    });
    return started?.then((r) => ({ sync: r.sync.toString('utf8'), stderr: r.stderr.toString('utf8'), timedOut: r.timedOut }));
  }

  /**
   * The environment to send: none when it is the helper's own (the daemon's when it started),
   * so the common case costs nothing; the daemon's current one when that changed since.
   */
  private envFor(env: NodeJS.ProcessEnv | undefined): Record<string, string> | null {
    const wanted = stringEnv(env ?? process.env);
    return JSON.stringify(wanted) === this.helperEnv ? null : wanted;
  }

  private send(msg: Record<string, unknown>): Promise<Answer> | undefined {
    if (this.broken) return undefined;
    const child = this.ensure();
    if (!child) return undefined;
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An answer awaited keeps the process alive, as a child of its own would.
      if (this.pending.size === 1) refStream(child.stdout, true);
      child.stdin!.write(`${JSON.stringify({ id, ...msg })}\n`);
    });
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private ensure(): ChildProcess | undefined {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(this.python, ['-c', HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.helperEnv = JSON.stringify(stringEnv(process.env));
    } catch (err) {
      this.fail(`cannot start ${this.python}: ${(err as Error).message}`);
      return undefined;
    }
    child.unref();
    refStream(child.stdin, false);
    refStream(child.stdout, false);
    child.stdin!.on('error', () => {});
    child.on('error', (err) => this.fail(`${this.python}: ${err.message}`));
    child.on('exit', (code, signal) => this.fail(`the command helper (${this.python}) ended (${signal ?? `exit ${code}`})`));
    createInterface({ input: child.stdout! }).on('line', (line) => this.answer(line));
    this.child = child;
    return child;
  }

  private answer(line: string): void {
    let msg: { id: number; code?: number | null; signal?: string | null; out?: string; err?: string; sync?: string; timedOut?: boolean; error?: string; errno?: number };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.id === 0) {
      this.ready = true;
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0 && this.child) refStream(this.child.stdout, false);
    if (msg.error !== undefined) {
      p.reject(new LaunchError(msg.error, msg.errno === undefined ? undefined : ERRNO_NAMES[msg.errno]));
      return;
    }
    const decode = (text: string | undefined): Buffer => Buffer.from(text ?? '', 'base64');
    p.resolve({ code: msg.code ?? null, signal: msg.signal ?? null, stdout: decode(msg.out), stderr: decode(msg.err), sync: decode(msg.sync), timedOut: msg.timedOut === true });
  }

  /** The helper is unusable: say why once, fail what waits on it (those callers retry by spawn). */
  private fail(why: string): void {
    if (this.broken) return;
    this.broken = why;
    this.child = undefined;
    this.onFallback(why);
    for (const p of this.pending.values()) p.reject(this.ready ? new HelperGoneError(why) : new HelperNotStartedError(why));
    this.pending.clear();
  }
}

/** Commands go through one shared helper unless PEAPOD_SPAWN=node (then Node spawns them). */
let shared: Launcher | undefined = process.env.PEAPOD_SPAWN === 'node' ? undefined : new Launcher();

export function sharedLauncher(): Launcher | undefined {
  return shared;
}

/** Where the daemon logs why commands fall back to Node's spawn. */
export function onLauncherFallback(log: (why: string) => void): void {
  if (shared) shared = new Launcher(PYTHON, log);
}

/** The helper went away with the command in flight: whether it ran is unknown. */
export class HelperGoneError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'HelperGoneError';
  }
}

/** The helper never started (no python3): the command did not run, and may be spawned by Node. */
export class HelperNotStartedError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'HelperNotStartedError';
  }
}

function refStream(stream: unknown, ref: boolean): void {
  const s = stream as { ref?: () => void; unref?: () => void } | null;
  if (ref) s?.ref?.();
  else s?.unref?.();
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 8: 'ENOEXEC', 13: 'EACCES', 20: 'ENOTDIR', 21: 'EISDIR', 26: 'ETXTBSY' };
