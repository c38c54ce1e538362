/**
 * @module Reading a file inside a directory tree as a process chrooted there would see it:
 * symlinks (absolute ones too) are resolved against the tree's root, never the host's, so an
 * image's `/etc/passwd -> /host/file` cannot make the daemon read host files.
 */
import { lstat, readFile, readlink } from 'node:fs/promises';
import { errno } from './cgroup-fs.js';

const MAX_LINKS = 40;

/** The text of `path` inside `root`, or undefined when it (or a component) does not exist. */
export async function readFileIn(root: string, path: string): Promise<string | undefined> {
  const base = root.replace(/\/+$/, '');
  let pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const full = `${base}/${[...done, part].join('/')}`;
    let st;
    try {
      st = await lstat(full);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      const target = await readlink(full);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter(Boolean), ...pending];
      continue;
    }
    done.push(part);
  }
  const full = `${base}/${done.join('/')}`;
  try {
    if (!(await lstat(full)).isFile()) return undefined;
    return await readFile(full, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}
