/**
 * @module The infra containers' root filesystem: catatonit plus the empty mount-point directories
 * runc needs, shared read-only by every pod. runc would mkdir a missing mount point, writing into
 * the shared directory (or failing on the read-only root), so every destination of the default
 * mounts exists up front. Built beside its final place and renamed in, so a crash never leaves a
 * half-made rootfs that later looks present.
 */
import { access, chmod, copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Layout } from '../../core/layout.js';
import { errno } from './cgroup-fs.js';

/** Where Debian (and other distributions) put catatonit. */
export const CATATONIT_CANDIDATES = ['/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit', '/usr/libexec/podman/catatonit'];

/** Mount points of runc's default mounts plus the pod's /dev/shm and the files peapod binds. */
export const INFRA_DIRS = ['proc', 'sys', 'dev', 'etc', 'tmp'];
/** Targets for file bind mounts, should the runtime give the infra container these files too. */
export const INFRA_FILES = ['etc/hosts', 'etc/resolv.conf', 'etc/hostname'];

export async function findCatatonit(candidates: readonly string[] = CATATONIT_CANDIDATES): Promise<string> {
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(`catatonit not found (looked in ${candidates.join(', ')}); install the catatonit package`);
}

/** Makes `layout.infraRootfs` if it is missing; returns its path. Cheap when present. */
export async function ensureInfraRootfs(layout: Layout, catatonit?: string): Promise<string> {
  const root = layout.infraRootfs;
  if (await exists(`${root}/catatonit`)) return root;
  const binary = catatonit ?? (await findCatatonit());
  const parent = dirname(root);
  await mkdir(parent, { recursive: true });
  const tmp = `${parent}/.rootfs-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tmp, { mode: 0o755 });
    for (const d of INFRA_DIRS) await mkdir(`${tmp}/${d}`, { recursive: true, mode: 0o755 });
    for (const f of INFRA_FILES) await writeFile(`${tmp}/${f}`, '', { mode: 0o644 });
    await chmod(`${tmp}/tmp`, 0o1777);
    await copyFile(binary, `${tmp}/catatonit`);
    await chmod(`${tmp}/catatonit`, 0o755);
    try {
      await rename(tmp, root);
    } catch (err) {
      // Someone else (or a crashed earlier run) made it: keep a complete one, drop a broken one.
      const code = errno(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      if (await exists(`${root}/catatonit`)) return root;
      await rm(root, { recursive: true, force: true });
      await rename(tmp, root);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return root;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
