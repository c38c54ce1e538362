/**
 * @module One inotify watch on conmon's exit dir, fanned out to listeners. conmon writes each
 * exit file atomically (a temp file `<id>.XXXXXX` renamed into place), so one event per exit is
 * expected; duplicates (create + change) are folded by remembering ids whose file exists.
 */
import { existsSync, type FSWatcher, mkdirSync, watch } from 'node:fs';

export class ExitWatcher {
  private watcher: FSWatcher | undefined;
  private readonly listeners = new Set<(id: string) => void>();
  private readonly reported = new Set<string>();

  constructor(private readonly exitDir: string) {}

  subscribe(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    this.ensure();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Lets the id be reported again (its exit file was removed or the container recreated). */
  forget(id: string): void {
    this.reported.delete(id);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.reported.clear();
  }

  private ensure(): void {
    if (this.watcher) return;
    mkdirSync(this.exitDir, { recursive: true });
    this.watcher = watch(this.exitDir, { persistent: false }, (_event, filename) => {
      if (!filename) return;
      const name = filename.toString();
      if (name.includes('.')) return; // conmon's temp file before the rename
      if (!existsSync(`${this.exitDir}/${name}`)) {
        this.reported.delete(name);
        return;
      }
      if (this.reported.has(name)) return;
      this.reported.add(name);
      for (const l of [...this.listeners]) {
        try {
          l(name);
        } catch {
          // A listener's failure must not stop the others from hearing about the exit.
        }
      }
    });
    this.watcher.on('error', () => this.close());
  }
}
