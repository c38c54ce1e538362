/**
 * @module The static pods' manifests directory, watched as the kubelet's file source does: every
 * regular file in it (dotfiles skipped, as editors' swap files), read whole, reported as one
 * snapshot after each change (inotify through fs.watch, settled for a moment so that an editor's
 * write-rename is one change) and at a slow resync, which also notices the directory appearing
 * or being replaced. Only a snapshot that differs from the last is reported.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { ManifestSource } from '../../core/ports.js';
import type { ManifestFile } from '../../core/static-pods.js';

export interface ManifestDirOptions {
  /** The slow rescan (the kubelet's file-check-frequency is 20 s). */
  resyncMs?: number;
  /** How long changes settle before the directory is read. */
  settleMs?: number;
  /** Files larger than this are reported as they are cut: a manifest is small. */
  maxFileBytes?: number;
}

export class ManifestDir implements ManifestSource {
  constructor(
    readonly dir: string,
    private readonly opts: ManifestDirOptions = {},
  ) {}

  watch(onChange: (files: ManifestFile[]) => void): () => void {
    let stopped = false;
    let watcher: FSWatcher | undefined;
    let last: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let scanning: Promise<void> = Promise.resolve();
    const scan = (): void => {
      scanning = scanning.then(async () => {
        if (stopped) return;
        const files = await this.read();
        this.ensureWatcher(watcher, (w) => (watcher = w), schedule);
        const snapshot = JSON.stringify(files);
        if (snapshot === last || stopped) return;
        last = snapshot;
        onChange(files);
      });
    };
    const schedule = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(scan, this.opts.settleMs ?? 100);
    };
    const resync = setInterval(scan, this.opts.resyncMs ?? 20_000);
    resync.unref();
    scan();
    return () => {
      stopped = true;
      clearInterval(resync);
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }

  /** Watches the directory once it exists (again after it was removed). */
  private ensureWatcher(current: FSWatcher | undefined, set: (w: FSWatcher | undefined) => void, onEvent: () => void): void {
    if (current) return;
    try {
      const w = watch(this.dir, { persistent: false }, onEvent);
      w.on('error', () => {
        w.close();
        set(undefined);
      });
      set(w);
    } catch {
      // no directory (yet): the resync looks again
    }
  }

  private async read(): Promise<ManifestFile[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => !n.startsWith('.')).sort();
    } catch {
      return [];
    }
    const files: ManifestFile[] = [];
    for (const name of names) {
      const path = `${this.dir}/${name}`;
      try {
        const st = await stat(path);
        if (!st.isFile()) continue;
        const text = await readFile(path, 'utf8');
        files.push({ path, text: text.slice(0, this.opts.maxFileBytes ?? 1024 * 1024) });
      } catch {
        // gone between readdir and read: the next change reports it
      }
    }
    return files;
  }
}
