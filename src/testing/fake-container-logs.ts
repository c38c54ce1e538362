/** @module ContainerLogs over in-memory files: tests append lines; follow waits for more until `until`. */
import { NotFoundError } from '../core/errors.js';
import type { ContainerLogs, LogReadOptions } from '../core/ports.js';

export class FakeContainerLogs implements ContainerLogs {
  private readonly files = new Map<string, string[]>();
  private readonly waiters = new Set<() => void>();
  /** The options of every read, for assertions. */
  readonly reads: { path: string; opts: LogReadOptions }[] = [];

  append(path: string, ...lines: string[]): void {
    const file = this.files.get(path) ?? [];
    file.push(...lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)));
    this.files.set(path, file);
    for (const w of [...this.waiters]) w();
  }

  async *read(path: string, opts: LogReadOptions, signal?: AbortSignal): AsyncIterable<string> {
    this.reads.push({ path, opts });
    const file = this.files.get(path);
    if (!file) throw new NotFoundError(`log file ${path} not found`);
    let ended = false;
    void opts.until?.then(() => {
      ended = true;
      for (const w of [...this.waiters]) w();
    });
    let i = opts.tailLines !== undefined ? Math.max(0, file.length - opts.tailLines) : 0;
    for (;;) {
      while (i < file.length) {
        if (signal?.aborted) return;
        yield file[i++];
      }
      if (!opts.follow || ended || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake);
      });
    }
  }
}
