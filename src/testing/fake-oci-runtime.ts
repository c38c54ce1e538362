/**
 * @module An in-memory OciRuntime for the agent's unit tests. A container's process is played
 * by its command (the OCI spec's args), so a pod spec says how each container behaves:
 *   ['exit', CODE, MS?]  exits with CODE, MS after it started (0: at once);
 *   ['trap', MS]         exits 0, MS after SIGTERM (an app that shuts down gracefully);
 *   ['ignore']           ignores SIGTERM (only SIGKILL ends it);
 *   anything else        runs until signalled, and SIGTERM ends it at once (143).
 * Times run on the FakeClock; exits are announced through onExit as conmon's exit files are.
 * `calls` records every operation, in order, by container name, for ordering assertions.
 */
import type { ContainerCreateRequest, OciContainerInfo, OciRuntime, OciStatus } from '../core/ports.js';
import { Annotations } from '../core/annotations.js';
import type { FakeClock } from './fake-clock.js';

export interface FakeContainer {
  id: string;
  name: string;
  args: string[];
  annotations: Record<string, string>;
  status: OciStatus;
  pid: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  signals: string[];
}

export class FakeOciRuntime implements OciRuntime {
  readonly name = 'fake';
  readonly containers = new Map<string, FakeContainer>();
  /** e.g. `create main`, `start main`, `kill main SIGTERM`, `exit main 0`, `remove main`. */
  readonly calls: string[] = [];
  /** Makes the next create of a container of this name fail with this message. */
  readonly failCreate = new Map<string, string>();
  /** Exit code of `exec` (hooks, probes) per container name; 0 when absent. */
  readonly execExitCode = new Map<string, number>();
  /** Execs in containers of these names wait until the test releases them. */
  private readonly held = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(id: string) => void>();
  private nextPid = 1000;

  constructor(private readonly clock: FakeClock) {}

  async create(req: ContainerCreateRequest): Promise<{ pid: number }> {
    const annotations = { ...(req.spec.annotations ?? {}) };
    const name = annotations[Annotations.containerName] ?? req.id;
    const failure = this.failCreate.get(name);
    if (failure !== undefined) {
      this.failCreate.delete(name);
      throw new Error(failure);
    }
    if (this.containers.has(req.id)) throw new Error(`container ${req.id} already exists`);
    const args = ((req.spec.process as { args?: string[] }).args ?? []).map(String);
    const c: FakeContainer = { id: req.id, name, args, annotations, status: 'created', pid: this.nextPid++, createdAt: this.clock.now(), signals: [] };
    this.containers.set(req.id, c);
    this.calls.push(`create ${name}`);
    return { pid: c.pid };
  }

  async start(id: string): Promise<void> {
    const c = this.must(id);
    if (c.status !== 'created') throw new Error(`cannot start a container that is ${c.status}`);
    c.status = 'running';
    c.startedAt = this.clock.now();
    this.calls.push(`start ${c.name}`);
    if (c.args[0] === 'exit') this.after(Number(c.args[2] ?? 0), () => this.exit(id, Number(c.args[1] ?? 0)));
  }

  async kill(id: string, signal: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || (c.status !== 'running' && c.status !== 'created')) return;
    const sig = signal.startsWith('SIG') ? signal : `SIG${signal}`;
    c.signals.push(sig);
    this.calls.push(`kill ${c.name} ${sig}`);
    if (sig === 'SIGKILL') {
      this.after(0, () => this.exit(id, 137));
      return;
    }
    if (c.status === 'created' || c.args[0] === 'ignore') return;
    if (c.args[0] === 'trap') this.after(Number(c.args[1] ?? 0), () => this.exit(id, 0));
    else this.after(0, () => this.exit(id, 143));
  }

  /** As `runc delete --force`: a live process is killed first, and conmon reports that exit. */
  async remove(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.containers.delete(id);
    this.calls.push(`remove ${c.name}`);
    if (c.status === 'running' || c.status === 'created') for (const l of [...this.listeners]) l(id);
  }

  async inspect(id: string): Promise<OciContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c ? info(c) : undefined;
  }

  async list(): Promise<OciContainerInfo[]> {
    return [...this.containers.values()].map(info);
  }

  async exec(id: string): Promise<number> {
    const c = this.must(id);
    await this.held.get(c.name);
    return this.execExitCode.get(c.name) ?? 0;
  }

  /** Execs in containers of this name (a postStart hook, say) block until the returned function is called. */
  holdExec(name: string): () => void {
    let release!: () => void;
    this.held.set(name, new Promise<void>((r) => (release = r)));
    return () => {
      this.held.delete(name);
      release();
    };
  }

  async attach(): Promise<void> {}

  onExit(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async reopenLog(): Promise<void> {}

  /** The process ends by itself now (or by a signal the fake already handled). */
  exit(id: string, code: number): void {
    const c = this.containers.get(id);
    if (!c || (c.status !== 'running' && c.status !== 'created')) return;
    c.status = 'stopped';
    c.exitCode = code;
    c.finishedAt = this.clock.now();
    this.calls.push(`exit ${c.name} ${code}`);
    for (const l of [...this.listeners]) l(id);
  }

  /** Every instance made for a container name, oldest first. */
  byName(name: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.name === name).sort((a, b) => a.createdAt - b.createdAt || a.pid - b.pid);
  }

  /** The newest instance of a container name. */
  current(name: string): FakeContainer | undefined {
    return this.byName(name).at(-1);
  }

  running(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.status === 'running');
  }

  private after(ms: number, fn: () => void): void {
    // 0 ms: soon, without the test having to move the clock (a process dying at once).
    if (ms <= 0) setImmediate(fn);
    else this.clock.setTimeout(fn, ms);
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} does not exist`);
    return c;
  }
}

function info(c: FakeContainer): OciContainerInfo {
  const out: OciContainerInfo = { id: c.id, annotations: c.annotations, status: c.status, createdAt: new Date(c.createdAt).toISOString() };
  if (c.status === 'running' || c.status === 'created') out.pid = c.pid;
  if (c.startedAt !== undefined) out.startedAt = new Date(c.startedAt).toISOString();
  if (c.finishedAt !== undefined) out.finishedAt = new Date(c.finishedAt).toISOString();
  if (c.exitCode !== undefined) out.exitCode = c.exitCode;
  return out;
}
