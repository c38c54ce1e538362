/**
 * @module The local-path provisioner's directories: one per claim under `<data-dir>/storage`,
 * world-writable as rancher's local-path makes them (any container user may write its volume).
 * Capacity is recorded in the PersistentVolume but not enforced: a plain directory has no quota.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { LocalVolumeStorage } from '../../core/ports.js';

export class LocalVolumeDirs implements LocalVolumeStorage {
  constructor(private readonly root: string) {}

  async create(name: string): Promise<string> {
    const path = this.inside(`${this.root}/${name}`);
    await mkdir(path, { recursive: true });
    await chmod(path, 0o777);
    return path;
  }

  async remove(path: string): Promise<void> {
    await rm(this.inside(path), { recursive: true, force: true });
  }

  private inside(path: string): string {
    const p = resolve(path);
    if (!p.startsWith(resolve(this.root) + sep)) throw new Error(`${path} is not a provisioned volume directory (under ${this.root})`);
    return p;
  }
}
