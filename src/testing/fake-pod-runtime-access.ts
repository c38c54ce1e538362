/** @module PodRuntimeAccess for API tests: log paths by container, exits tests trigger, scripted exec. */
import type { AttachStreams, ExecRequest, ExecStreams, PodRuntimeAccess } from '../core/ports.js';
import type { Pod } from '../core/types.js';

export type FakeExecHandler = (pod: Pod, container: string, req: ExecRequest, io: ExecStreams) => Promise<number>;

export type FakeAttachHandler = (pod: Pod, container: string, io: AttachStreams) => Promise<void>;

export class FakePodRuntimeAccess implements PodRuntimeAccess {
  /** `${namespace}/${name}/${container}` (+ `/previous`) → log path. */
  readonly logPaths = new Map<string, string>();
  private readonly exits = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  readonly execCalls: { pod: string; container: string; req: ExecRequest }[] = [];
  execHandler: FakeExecHandler = async (_pod, _c, req, io) => {
    io.stdout?.write(`${req.args.join(' ')}\n`);
    return 0;
  };

  setLogPath(namespace: string, name: string, container: string, path: string, previous = false): void {
    this.logPaths.set(`${namespace}/${name}/${container}${previous ? '/previous' : ''}`, path);
  }

  logPath(pod: Pod, container: string, previous: boolean): string | undefined {
    return this.logPaths.get(`${pod.metadata?.namespace}/${pod.metadata?.name}/${container}${previous ? '/previous' : ''}`);
  }

  private exit(key: string): { promise: Promise<void>; resolve: () => void } {
    let entry = this.exits.get(key);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.exits.set(key, entry);
    }
    return entry;
  }

  /** Makes `waitForExit` for that container resolve. */
  markExited(namespace: string, name: string, container: string): void {
    this.exit(`${namespace}/${name}/${container}`).resolve();
  }

  waitForExit(pod: Pod, container: string): Promise<void> {
    return this.exit(`${pod.metadata?.namespace}/${pod.metadata?.name}/${container}`).promise;
  }

  readonly attachCalls: { pod: string; container: string }[] = [];
  attachHandler: FakeAttachHandler = async () => {};

  attach(pod: Pod, container: string, io: AttachStreams): Promise<void> {
    this.attachCalls.push({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container });
    return this.attachHandler(pod, container, io);
  }

  exec(pod: Pod, container: string, req: ExecRequest, io: ExecStreams): Promise<number> {
    this.execCalls.push({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container, req });
    return this.execHandler(pod, container, req, io);
  }
}
