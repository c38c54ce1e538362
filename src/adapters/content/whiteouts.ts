/**
 * @module OCI whiteouts → overlayfs (images.md §4.4): `.wh.NAME` becomes a 0:0 character device
 * NAME, `.wh..wh..opq` becomes `trusted.overlay.opaque=y` on its directory. Node has neither
 * mknod nor setxattr, so both are spawned; whiteouts are rare, so that is cheap.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, unlink, utimes } from 'node:fs/promises';
import { run } from '../process/run.js';

const PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';
const META_PREFIX = '.wh..wh.';

/** Finds whiteouts without following symlinks (Dirent types come from lstat-like readdir). */
async function findWhiteouts(root: string): Promise<{ dir: string; name: string }[]> {
  const found: { dir: string; name: string }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(PREFIX)) found.push({ dir, name: e.name });
      else if (e.isDirectory()) await walk(`${dir}/${e.name}`);
    }
  };
  await walk(root);
  return found;
}

export async function convertWhiteouts(root: string): Promise<number> {
  const whiteouts = await findWhiteouts(root);
  const touchedDirs = new Map<string, { atime: Date; mtime: Date }>();
  for (const { dir } of whiteouts) {
    if (!touchedDirs.has(dir)) {
      const st = await lstat(dir);
      touchedDirs.set(dir, { atime: st.atime, mtime: st.mtime });
    }
  }
  let converted = 0;
  for (const { dir, name } of whiteouts) {
    const path = `${dir}/${name}`;
    if (name === OPAQUE) {
      await unlink(path);
      await run('setfattr', ['-h', '-n', 'trusted.overlay.opaque', '-v', 'y', '--', dir]);
      converted++;
    } else if (name.startsWith(META_PREFIX)) {
      continue; // AUFS bookkeeping such as .wh..wh.plnk: meaningless here
    } else {
      await unlink(path);
      const target = `${dir}/${name.slice(PREFIX.length)}`;
      // A whiteout only hides lower layers: if this layer also has NAME, NAME stays.
      const exists = await lstat(target).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await run('mknod', ['-m', '0000', '--', target, 'c', '0', '0']);
        converted++;
      }
    }
  }
  for (const [dir, t] of touchedDirs) await utimes(dir, t.atime, t.mtime).catch(() => {});
  return converted;
}
