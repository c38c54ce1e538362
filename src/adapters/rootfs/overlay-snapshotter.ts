/**
 * @module Per-container overlayfs snapshots: the image's layer directories as read-only lowers,
 * a private upper/work pair, and the merged view at `<containerDir>/rootfs`.
 *
 * mount(2) takes at most one page (4096 bytes) of option data, and absolute layer paths overflow
 * it at a few dozen layers. So each lower is reached through a numbered symlink in
 * `<snapshot>/l/`, and `mount` is spawned with its cwd in the snapshot dir, making every path in
 * the options a few bytes long (the kernel resolves them, symlinks included, at mount time).
 */
import { mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import type { Layout } from '../../core/layout.js';
import type { Snapshotter } from '../../core/ports.js';
import { run } from '../process/run.js';
import { errno } from '../system/cgroup-fs.js';
import { isMountPoint, mountPointsUnder, readMountInfo, unmountAllUnder } from '../system/mountinfo.js';

/** The kernel's overlayfs limit on lower layers. */
export const MAX_LOWER_LAYERS = 500;
const PAGE = 4096;

/** Option string for `lowerCount` lowers linked as `l/0` (top) … `l/N-1` (bottom), cwd = snapshot dir. */
export function overlayMountOptions(lowerCount: number): string {
  const lowers = Array.from({ length: lowerCount }, (_, i) => `l/${i}`).join(':');
  return `lowerdir=${lowers},upperdir=upper,workdir=work`;
}

export interface OverlaySnapshotterOptions {
  layout: Layout;
}

export class OverlaySnapshotter implements Snapshotter {
  private readonly layout: Layout;

  constructor(opts: OverlaySnapshotterOptions) {
    this.layout = opts.layout;
  }

  snapshotDir(containerId: string): string {
    return `${this.layout.containerDir(containerId)}/snapshot`;
  }

  mountPoint(containerId: string): string {
    return `${this.layout.containerDir(containerId)}/rootfs`;
  }

  async prepare(containerId: string, lowerDirs: string[]): Promise<string> {
    const target = this.mountPoint(containerId);
    if (await isMountPoint(target)) return target;
    if (lowerDirs.length > MAX_LOWER_LAYERS) {
      throw new Error(`image has ${lowerDirs.length} layers; overlayfs allows at most ${MAX_LOWER_LAYERS}`);
    }
    const snap = this.snapshotDir(containerId);
    await mkdir(`${snap}/upper`, { recursive: true, mode: 0o755 });
    await mkdir(`${snap}/work`, { recursive: true, mode: 0o700 });
    await mkdir(target, { recursive: true, mode: 0o755 });
    // Rebuilt each time: a crash may have left links to another layer list.
    await rm(`${snap}/l`, { recursive: true, force: true });
    await mkdir(`${snap}/l`);
    // overlayfs needs at least one lower; an image without layers gets an empty one.
    const lowers = lowerDirs.length > 0 ? lowerDirs : [`${snap}/empty`];
    if (lowerDirs.length === 0) await mkdir(lowers[0], { recursive: true });
    for (let i = 0; i < lowers.length; i++) {
      if (!lowers[i].startsWith('/')) throw new Error(`layer directory must be absolute: ${lowers[i]}`);
      await stat(lowers[i]); // a clear ENOENT naming the layer rather than the mount's "special device"
      await symlink(lowers[i], `${snap}/l/${i}`);
    }
    const options = overlayMountOptions(lowers.length);
    if (options.length >= PAGE) throw new Error(`overlay mount options too long (${options.length} bytes)`);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { cwd: snap });
    return target;
  }

  async remove(containerId: string): Promise<void> {
    const snap = this.snapshotDir(containerId);
    const target = this.mountPoint(containerId);
    await unmountAllUnder(target);
    const mounts = await readMountInfo();
    const still = [...mountPointsUnder(mounts, target), ...mountPointsUnder(mounts, snap)];
    if (still.length > 0) throw new Error(`refusing to remove snapshot of ${containerId}: still mounted: ${still.join(', ')}`);
    // The symlinks in l/ are removed as links; rm never follows them into the shared layers.
    await rm(snap, { recursive: true, force: true });
    await rm(target, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.layout.containersDir, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
    const ids: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const has = await stat(this.snapshotDir(e.name)).then(
        () => true,
        () => false,
      );
      if (has) ids.push(e.name);
    }
    return ids.sort();
  }
}
