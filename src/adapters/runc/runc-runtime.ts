/**
 * @module OciRuntime on conmon + runc (or crun). Every container is a directory under
 * layout.containersDir that doubles as its OCI bundle; the runtime state lives under a private
 * `--root` (never /run/runc, P14). Nothing is remembered in memory that the disk does not also
 * hold, so a new instance on the same layout adopts what an earlier daemon started.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../core/layout.js';
import type {
  AttachStreams,
  ContainerCreateRequest,
  ExecRequest,
  ExecStreams,
  OciContainerInfo,
  OciRuntime,
  OciSpec,
  OciStatus,
} from '../../core/ports.js';
import { CommandError } from '../../core/errors.js';
import { run } from '../process/run.js';
import { attachConmon } from './conmon-attach.js';
import { spawnConmon } from './conmon-spawn.js';
import { CTL, logPathFromCmdline, reopenConmonLog, ReopenLogError } from './conmon-control.js';
import {
  CONFIG,
  conmonAlive,
  conmonDied,
  CREATED,
  exists,
  PERSIST,
  readConmonPid,
  readCgroupsPath,
  readExitFile,
  readText,
  removeContainerDir,
  STARTED,
} from './container-files.js';
import { ExitWatcher } from './exit-watcher.js';
import { clampRlimits, readHardLimitCaps } from './host-limits.js';
import { runExec } from './runc-exec.js';
import { conmonFailureText, isGoneMessage, runtimeErrorText } from './runtime-message.js';

export { detectOciRuntime } from './detect-oci-runtime.js';
export { ExecTimeoutError } from './runc-exec.js';
export { ReopenLogError } from './conmon-control.js';

export interface RuncRuntimeOptions {
  layout: Layout;
  /** /usr/sbin/runc or /usr/bin/crun. */
  runtimePath: string;
  conmonPath?: string;
  /** How long reopenLog waits for conmon to start the new file. Default 5 s. */
  reopenTimeoutMs?: number;
  /**
   * The cgroup2 mount on a cgroup v2 host: an exit 137 is an OOM kill when the container cgroup's
   * memory.events counts an `oom_kill` (the kernel's own record, whoever noticed it).
   */
  cgroupV2Mount?: string;
  /** No runtime could be found: every call fails with this (the daemon stays up to say so). */
  unavailable?: string;
}

/** A `runc create` (through conmon) failed; `message` is the runtime's own error text. */
export class CreateContainerError extends Error {
  readonly code = 'PEAPOD_CREATE_CONTAINER_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'CreateContainerError';
  }
}

/** The init process runc recorded in its state.json: pid and start time (clock ticks since boot). */
export function initProcess(stateJson: string | undefined): { pid: number; start: string } | undefined {
  if (stateJson === undefined) return undefined;
  try {
    const s = JSON.parse(stateJson) as { init_process_pid?: unknown; init_process_start?: unknown };
    const pid = s.init_process_pid;
    const start = s.init_process_start;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
    if ((typeof start !== 'number' && typeof start !== 'string') || !/^\d+$/.test(String(start))) return undefined;
    return { pid, start: String(start) };
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
export function procStartTime(stat: string | undefined): string | undefined {
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

interface RuncState {
  id: string;
  pid: number;
  status: string;
  created?: string;
}

export class RuncRuntime implements OciRuntime {
  readonly name: string;
  private readonly layout: Layout;
  private readonly runtimePath: string;
  private readonly conmonPath: string;
  private readonly reopenTimeoutMs: number;
  private readonly cgroupV2Mount: string | undefined;
  private readonly unavailable: string | undefined;
  private readonly annotationCache = new Map<string, Record<string, string>>();
  private readonly exits: ExitWatcher;
  private limitCaps: Promise<Map<string, number> | undefined> | undefined;

  constructor(opts: RuncRuntimeOptions) {
    this.layout = opts.layout;
    this.runtimePath = opts.runtimePath;
    this.conmonPath = opts.conmonPath ?? '/usr/bin/conmon';
    this.reopenTimeoutMs = opts.reopenTimeoutMs ?? 5000;
    this.cgroupV2Mount = opts.cgroupV2Mount;
    this.unavailable = opts.unavailable;
    this.name = /crun$/.test(opts.runtimePath) ? 'crun' : 'runc';
    this.exits = new ExitWatcher(this.layout.exitDir);
  }

  private get tmpDir(): string {
    return `${this.layout.runDir}/tmp`;
  }

  private runtime(args: string[], allowFailure = false) {
    if (this.unavailable) return Promise.reject(new Error(this.unavailable));
    return run(this.runtimePath, ['--root', this.layout.runcRoot, ...args], { allowFailure });
  }

  async create(req: ContainerCreateRequest): Promise<{ pid: number }> {
    const { id } = req;
    if (this.unavailable) throw new CreateContainerError(this.unavailable);
    const dir = this.layout.containerDir(id);
    const persist = `${dir}/${PERSIST}`;
    // Never touch (or clean up after a failed create of) a container that already has this id.
    if (await exists(`${dir}/${CONFIG}`)) throw new CreateContainerError(`container ${id} already exists`);
    await Promise.all([
      mkdir(persist, { recursive: true }),
      mkdir(this.layout.exitDir, { recursive: true }),
      mkdir(this.layout.conmonSocketDir, { recursive: true }),
      mkdir(this.layout.runcRoot, { recursive: true }),
      mkdir(this.tmpDir, { recursive: true }),
      mkdir(dirname(req.logPath), { recursive: true }),
    ]);
    // A leftover exit file from an earlier container with this id would read as this one's exit.
    await Promise.all([rm(`${this.layout.exitDir}/${id}`, { force: true }), rm(`${persist}/exit`, { force: true }), rm(`${persist}/oom`, { force: true })]);
    this.exits.forget(id);
    this.limitCaps ??= readHardLimitCaps().catch(() => undefined);
    await writeFile(`${dir}/${CONFIG}`, JSON.stringify(clampRlimits(req.spec, await this.limitCaps)));
    await writeFile(`${dir}/${CREATED}`, new Date().toISOString());
    this.annotationCache.set(id, { ...(req.spec.annotations ?? {}) });
    let result;
    try {
      result = await spawnConmon(
        {
          conmonPath: this.conmonPath,
          runtimePath: this.runtimePath,
          runcRoot: this.layout.runcRoot,
          id,
          name: req.spec.annotations?.['io.kubernetes.container.name'] ?? id,
          bundle: dir,
          persistDir: persist,
          exitDir: this.layout.exitDir,
          socketDir: this.layout.conmonSocketDir,
          logPath: req.logPath,
          ...(req.logSizeMax !== undefined ? { logSizeMax: req.logSizeMax } : {}),
          terminal: req.spec.process?.terminal === true,
          stdin: req.stdin === true,
          leaveStdinOpen: req.stdinOnce !== true,
        },
        { cwd: dir, tmpDir: this.tmpDir, timeoutMs: req.timeoutMs ?? 60_000 },
      );
    } catch (e) {
      await this.remove(id).catch(() => {});
      throw new CreateContainerError((e as Error).message);
    }
    if (!result.ok) {
      await this.remove(id).catch(() => {});
      throw new CreateContainerError(conmonFailureText(result.message, this.name));
    }
    return { pid: result.pid };
  }

  async start(id: string): Promise<void> {
    if (await this.startByFifo(id)) {
      await writeFile(`${this.layout.containerDir(id)}/${STARTED}`, new Date().toISOString());
      return;
    }
    const r = await this.runtime(['start', id], true);
    if (r.exitCode !== 0) {
      throw new CommandError(`${this.name} start ${id}`, r.exitCode, r.stderr, runtimeErrorText(r.stderr || r.stdout));
    }
    await writeFile(`${this.layout.containerDir(id)}/${STARTED}`, new Date().toISOString());
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    const sig = signal.replace(/^SIG/i, '').toUpperCase();
    if (!all && (await this.signalInit(id, sig))) return;
    const r = await this.runtime(['kill', ...(all ? ['--all'] : []), id, sig], true);
    if (r.exitCode === 0) return;
    const text = runtimeErrorText(r.stderr || r.stdout);
    // Nothing left to signal: the caller wanted it dead, and it is.
    if (isGoneMessage(text)) return;
    throw new CommandError(`${this.name} kill ${id} ${sig}`, r.exitCode, r.stderr, text);
  }

  async remove(id: string): Promise<void> {
    const dir = this.layout.containerDir(id);
    const conmonPid = await readConmonPid(dir);
    const r = await this.runtime(['delete', '--force', id], true);
    if (r.exitCode !== 0) {
      const text = runtimeErrorText(r.stderr || r.stdout);
      if (!isGoneMessage(text)) throw new CommandError(`${this.name} delete --force ${id}`, r.exitCode, r.stderr, text);
    }
    // conmon writes the exit file after the delete killed the process: wait for it to go, so
    // nothing is written back after the cleanup below.
    if (conmonPid !== undefined) await this.waitConmonGone(conmonPid, id);
    await Promise.all([
      rm(`${this.layout.exitDir}/${id}`, { force: true }),
      rm(`${this.layout.conmonSocketDir}/${id}`, { force: true }),
    ]);
    await removeContainerDir(dir);
    this.annotationCache.delete(id);
    this.exits.forget(id);
  }

  /**
   * `runc kill` without --all, done here: runc reads its state.json, checks that the pid still
   * names the container's init (its start time in /proc/<pid>/stat) and sends kill(2). The same
   * check and the same syscall cost no runc exec (~25 ms of CPU: a delete sends two, a restart
   * one). False (the caller runs runc) for crun, an unknown signal, or anything unexpected.
   */
  private async signalInit(id: string, sig: string): Promise<boolean> {
    if (this.name !== 'runc' || !/^[A-Z0-9]+$/.test(sig) || !(`SIG${sig}` in osConstants.signals)) return false;
    const init = initProcess(await readText(`${this.layout.runcRoot}/${id}/state.json`));
    if (!init) return false;
    const started = procStartTime(await readText(`/proc/${init.pid}/stat`));
    if (started === undefined || started !== init.start) return false;
    try {
      process.kill(init.pid, `SIG${sig}` as NodeJS.Signals);
    } catch {
      return false;
    }
    return true;
  }

  /**
   * `runc start` done here: a created container's init waits to open runc's exec fifo for
   * writing; a reader makes it write one byte and exec the process, and the fifo is removed
   * (runc's state reads "created" while it exists). runc does exactly this, at the cost of an
   * exec (~25 ms of CPU, three on every pod start's critical path). False, with nothing
   * consumed, when the init is not waiting there (no fifo, no writer yet, or crun): the caller
   * runs the runtime's own start, which also says what is wrong.
   */
  private async startByFifo(id: string): Promise<boolean> {
    if (this.name !== 'runc') return false;
    const dir = `${this.layout.runcRoot}/${id}`;
    const init = initProcess(await readText(`${dir}/state.json`));
    if (!init) return false;
    const fifo = `${dir}/exec.fifo`;
    let fd: number;
    try {
      // Non-blocking: the open never waits for a writer, and the read below is the event loop's.
      fd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch {
      return false;
    }
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      return false;
    }
    const data = await new Promise<number>((resolve) => {
      const pipe = new Socket({ fd, readable: true, writable: false });
      let n = 0;
      // As runc does while it waits: an init that died (or is a zombie) never writes. Unless it
      // wrote and its process already ran to its end (a busy event loop had not read the byte
      // yet): the byte is still in the FIFO, so one last read of it decides.
      const watch = setInterval(() => {
        void readText(`/proc/${init.pid}/stat`).then((stat) => {
          if (n !== 0 || (procStartTime(stat) === init.start && !/^\S+ \(.*\) Z/.test(stat ?? ''))) return;
          n += readPending(fd);
          pipe.destroy();
        });
      }, 100);
      const done = (): void => {
        clearInterval(watch);
        resolve(n);
      };
      pipe.on('data', (chunk: Buffer) => (n += chunk.length));
      pipe.on('error', done);
      pipe.on('close', done);
    });
    if (data <= 0) return false;
    await rm(fifo, { force: true });
    return true;
  }

  private async waitConmonGone(pid: number, id: string): Promise<void> {
    for (let waited = 0; waited < 2000; waited += 20) {
      if (!(await conmonAlive(pid, id))) return;
      await sleep(20);
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  async inspect(id: string): Promise<OciContainerInfo | undefined> {
    if (!(await exists(`${this.layout.containerDir(id)}/${CONFIG}`))) return undefined;
    // conmon writes the exit file once the process is gone: that is all the runtime could say
    // (a `runc state` costs ~25 ms of CPU on every exit, the hot path of restarts and deletes).
    if (await exists(`${this.layout.exitDir}/${id}`)) return this.describe(id, undefined);
    let r = await this.runtime(['state', id], true);
    if (r.exitCode !== 0 && !/does not exist/.test(r.stderr)) r = await this.runtime(['state', id], true);
    if (r.exitCode !== 0 && !/does not exist/.test(r.stderr)) throw new CommandError(`${this.runtimePath} state ${id}`, r.exitCode, r.stderr);
    let state: RuncState | undefined;
    if (r.exitCode === 0) {
      try {
        state = JSON.parse(r.stdout) as RuncState;
      } catch {
        state = undefined;
      }
    }
    return this.describe(id, state);
  }

  async list(): Promise<OciContainerInfo[]> {
    let entries: string[];
    try {
      entries = await readdir(this.layout.containersDir);
    } catch {
      return [];
    }
    const ids = (await Promise.all(entries.map(async (e) => ((await exists(`${this.layout.containerDir(e)}/${CONFIG}`)) ? e : undefined)))).filter(
      (e): e is string => e !== undefined,
    );
    if (ids.length === 0) return [];
    const states = new Map<string, RuncState>();
    // `runc list` fails now and then while another container's state dir is being created or
    // removed. A failed list must not read as "nothing runs" (every container would look gone,
    // and every pod's sandbox would be recreated): retry, then fail the whole relist.
    let r = await this.runtime(['list', '--format', 'json'], true);
    for (let attempt = 1; r.exitCode !== 0 && attempt < 3; attempt++) r = await this.runtime(['list', '--format', 'json'], true);
    if (r.exitCode !== 0) throw new CommandError(`${this.runtimePath} list`, r.exitCode, r.stderr);
    if (r.stdout.trim() !== '') {
      const parsed = JSON.parse(r.stdout) as RuncState[] | null;
      for (const s of parsed ?? []) states.set(s.id, s);
    }
    const infos = await Promise.all(ids.map((id) => this.describe(id, states.get(id))));
    return infos.filter((i): i is OciContainerInfo => i !== undefined);
  }

  private async annotations(id: string): Promise<Record<string, string> | undefined> {
    const cached = this.annotationCache.get(id);
    if (cached) return cached;
    const text = await readText(`${this.layout.containerDir(id)}/${CONFIG}`);
    if (text === undefined) return undefined;
    let spec: OciSpec;
    try {
      spec = JSON.parse(text) as OciSpec;
    } catch {
      return undefined;
    }
    const annotations = { ...(spec.annotations ?? {}) };
    this.annotationCache.set(id, annotations);
    return annotations;
  }

  private async describe(id: string, state: RuncState | undefined): Promise<OciContainerInfo | undefined> {
    const dir = this.layout.containerDir(id);
    const [annotations, created, started, exitRun, exitPersist, oomPersist, oomCwd] = await Promise.all([
      this.annotations(id),
      readText(`${dir}/${CREATED}`),
      readText(`${dir}/${STARTED}`),
      readExitFile(`${this.layout.exitDir}/${id}`),
      readExitFile(`${dir}/${PERSIST}/exit`),
      exists(`${dir}/${PERSIST}/oom`),
      exists(`${dir}/oom`),
    ]);
    if (annotations === undefined) return undefined;
    const exit = exitRun ?? exitPersist;
    let status: OciStatus;
    let pid: number | undefined;
    if (exit) {
      status = 'stopped';
    } else if (state?.status === 'created' && (await conmonDied(dir, id))) {
      // Created, but its conmon is gone: the daemon died before conmon could report the create
      // (conmon exits when its sync pipe has no reader). Nothing would record its exit or carry
      // its output, so it can never run: an instance in an unknown state, to kill and replace.
      status = 'unknown';
    } else if (state && (state.status === 'running' || state.status === 'created' || state.status === 'paused')) {
      status = state.status === 'created' ? 'created' : 'running';
      pid = state.pid > 0 ? state.pid : undefined;
    } else if (state) {
      // Stopped but conmon has not written the code yet: still "running" until the exit file
      // (and the onExit event) lands, so a stopped container always has an exit code.
      const conmonPid = await readConmonPid(dir);
      status = conmonPid !== undefined && (await conmonAlive(conmonPid, id)) ? 'running' : 'unknown';
    } else {
      // Bundle on disk, runtime and exit file know nothing: what a host reboot leaves.
      status = 'unknown';
    }
    const info: OciContainerInfo = {
      id,
      annotations,
      status,
      createdAt: created?.trim() || state?.created || new Date(0).toISOString(),
    };
    if (pid !== undefined) info.pid = pid;
    if (started?.trim()) info.startedAt = started.trim();
    if (exit) {
      info.exitCode = exit.code;
      info.finishedAt = exit.finishedAt;
      info.oomKilled = exit.code === 137 && (oomPersist || oomCwd || (await this.cgroupOomKilled(id)));
    }
    return info;
  }

  /**
   * cgroup v2: the container cgroup's memory.events counts an oom_kill. The cgroup goes with
   * `delete`, so what it said is kept as conmon's `oom` marker in the persist dir.
   */
  private async cgroupOomKilled(id: string): Promise<boolean> {
    if (!this.cgroupV2Mount) return false;
    const dir = this.layout.containerDir(id);
    const cgroupsPath = await readCgroupsPath(dir);
    if (!cgroupsPath) return false;
    const events = await readText(`${this.cgroupV2Mount}${cgroupsPath}/memory.events`);
    const kills = Number(/^oom_kill (\d+)$/m.exec(events ?? '')?.[1] ?? 0);
    if (kills === 0) return false;
    await writeFile(`${dir}/${PERSIST}/oom`, '').catch(() => {});
    return true;
  }

  exec(id: string, req: ExecRequest, io: ExecStreams): Promise<number> {
    return runExec({ runtimePath: this.runtimePath, runcRoot: this.layout.runcRoot, tmpDir: this.tmpDir }, id, req, io);
  }

  attach(id: string, io: AttachStreams): Promise<void> {
    return attachConmon(this.layout.containerDir(id), io);
  }

  onExit(listener: (id: string) => void): () => void {
    return this.exits.subscribe(listener);
  }

  async reopenLog(id: string): Promise<void> {
    const dir = this.layout.containerDir(id);
    const pid = await readConmonPid(dir);
    if (pid === undefined || !(await conmonAlive(pid, id))) throw new ReopenLogError(`conmon of container ${id} is not running`);
    // The path is conmon's own (its command line), so containers adopted from an earlier daemon work too.
    const logPath = logPathFromCmdline((await readText(`/proc/${pid}/cmdline`)) ?? '');
    if (logPath === undefined) throw new ReopenLogError(`conmon of container ${id} has no k8s-file log`);
    await reopenConmonLog(`${dir}/${CTL}`, logPath, () => conmonAlive(pid, id), this.reopenTimeoutMs);
  }
}

/** What a non-blocking FIFO holds right now: 0 when nothing (EAGAIN), at its end, or closed. */
function readPending(fd: number): number {
  try {
    return readSync(fd, Buffer.alloc(1), 0, 1, null);
  } catch {
    return 0;
  }
}
