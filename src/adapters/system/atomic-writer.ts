/**
 * @module The kubelet's atomic writer (pkg/volume/util/atomic_writer.go) for configMap, secret,
 * downwardAPI and projected volumes: the files go into a fresh `..<timestamp>.<n>` directory,
 * `..data` is re-pointed to it by renaming a temporary symlink over it (readers see the old or
 * the new set, never a mix), visible names are symlinks `<name> -> ..data/<name>`, and the old
 * directory and stale names are removed afterwards. Writes to one volume are serialised.
 */
import { randomInt } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  planAtomicWrite,
  timestampDirName,
  type AtomicVolumeWriter,
  type CurrentFile,
  type FileProjection,
} from '../../core/volume-payload.js';
import { run } from '../process/run.js';
import { errno } from './cgroup-fs.js';
import { isMountPoint } from './mountinfo.js';

const DATA_LINK = '..data';
const DATA_TMP_LINK = '..data_tmp';
/** The volume root is the wrapped emptyDir's: 0777 (and mounted read-only into containers). */
const ROOT_MODE = 0o777;
const DIR_MODE = 0o755;

export class AtomicWriter implements AtomicVolumeWriter {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly now: () => number = Date.now) {}

  write(dir: string, payload: FileProjection[], opts: { tmpfs: boolean; fsGroup?: number }): Promise<boolean> {
    const previous = this.queues.get(dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.writeNow(dir, payload, opts));
    this.queues.set(dir, next);
    const cleanup = (): void => {
      if (this.queues.get(dir) === next) this.queues.delete(dir);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** fsGroup ownership (SetVolumeOwnership): group-owned; directories setgid and group-searchable. */
  private async own(path: string, fsGroup: number | undefined, dir: boolean): Promise<void> {
    if (fsGroup === undefined) return;
    await chown(path, 0, fsGroup);
    if (dir) await chmod(path, ((await lstat(path)).mode & 0o777) | 0o2110);
  }

  private async writeNow(dir: string, payload: FileProjection[], opts: { tmpfs: boolean; fsGroup?: number }): Promise<boolean> {
    await mkdir(dir, { recursive: true });
    if (opts.tmpfs && !(await isMountPoint(dir))) {
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0${ROOT_MODE.toString(8)},nosuid,nodev`, 'tmpfs', dir]);
    }
    await chmod(dir, ROOT_MODE);
    await this.own(dir, opts.fsGroup, true);
    const oldTs = await readlink(`${dir}/${DATA_LINK}`).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    });
    const entries = await readdir(dir);
    const links = entries.filter((n) => !n.startsWith('..'));
    const current = oldTs ? await readTree(`${dir}/${oldTs}`) : undefined;
    const plan = planAtomicWrite(current, links, payload);
    if (!plan.changed) return false;

    const tsName = timestampDirName(this.now(), String(randomInt(1e9, 1e10)));
    const tsDir = `${dir}/${tsName}`;
    await mkdir(tsDir, { mode: DIR_MODE });
    await chmod(tsDir, DIR_MODE);
    await this.own(tsDir, opts.fsGroup, true);
    for (const f of payload) {
      const target = `${tsDir}/${f.path}`;
      const made = await mkdirs(tsDir, dirname(target));
      for (const d of made) await this.own(d, opts.fsGroup, true);
      await writeFile(target, f.data, { mode: f.mode & 0o777 });
      await chmod(target, f.mode & 0o777); // writeFile's mode is cut by the umask
      await this.own(target, opts.fsGroup, false);
    }

    const tmpLink = `${dir}/${DATA_TMP_LINK}`;
    await rm(tmpLink, { force: true });
    await symlink(tsName, tmpLink);
    await rename(tmpLink, `${dir}/${DATA_LINK}`);

    for (const name of plan.linksToAdd) {
      const path = `${dir}/${name}`;
      const st = await lstat(path).catch(() => undefined);
      if (st && !st.isSymbolicLink()) await rm(path, { recursive: true, force: true });
      if (!st || !st.isSymbolicLink()) await symlink(`${DATA_LINK}/${name}`, path);
    }
    for (const name of plan.linksToRemove) await rm(`${dir}/${name}`, { force: true });
    // The old directory, and any left by a write that crashed half-way.
    for (const name of entries) {
      if (name.startsWith('..') && name !== DATA_LINK && name !== tsName && /^\.\.\d{4}_/.test(name)) {
        await rm(`${dir}/${name}`, { recursive: true, force: true });
      }
    }
    return true;
  }
}

/** Creates `dir` and its missing parents below `root`; returns the directories it made. */
async function mkdirs(root: string, dir: string): Promise<string[]> {
  if (dir === root || !dir.startsWith(`${root}/`)) return [];
  const made = await mkdirs(root, dirname(dir));
  try {
    await mkdir(dir, { mode: DIR_MODE });
    await chmod(dir, DIR_MODE);
    made.push(dir);
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
  }
  return made;
}

/** Every regular file under `root`, by path relative to it, with content and mode. */
async function readTree(root: string, prefix = ''): Promise<Map<string, CurrentFile>> {
  const out = new Map<string, CurrentFile>();
  let entries;
  try {
    entries = await readdir(`${root}/${prefix}`, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') return out;
    throw err;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      for (const [k, v] of await readTree(root, rel)) out.set(k, v);
    } else if (e.isFile()) {
      const path = `${root}/${rel}`;
      const [data, st] = await Promise.all([readFile(path), lstat(path)]);
      out.set(rel, { data, mode: st.mode & 0o777 });
    }
  }
  return out;
}
