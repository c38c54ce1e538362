/**
 * @module hostPath type checks and subPath preparation, with the kubelet's rules and messages
 * (pkg/volume/hostpath checkTypeInternal; pkg/volume/util/subpath).
 */
import { chmod, lstat, mkdir, open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { HostPathType } from '../../core/ports.js';
import { errno } from './cgroup-fs.js';

/** A volume could not be set up; the agent reports the message in a FailedMount event. */
export class VolumeSetupError extends Error {
  readonly code = 'PEAPOD_VOLUME_SETUP';
  constructor(message: string) {
    super(message);
    this.name = 'VolumeSetupError';
  }
}

const WHAT: Record<string, string> = {
  Directory: 'a directory',
  DirectoryOrCreate: 'a directory',
  File: 'a file',
  FileOrCreate: 'a file',
  Socket: 'a socket file',
  CharDevice: 'a character device',
  BlockDevice: 'a block device',
};

/** Whether an existing path's stat matches the type; pure so it is testable without devices. */
export function hostPathTypeMatches(type: HostPathType, st: Pick<Stats, 'isDirectory' | 'isFile' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): boolean {
  switch (type) {
    case '':
      return true;
    case 'Directory':
    case 'DirectoryOrCreate':
      return st.isDirectory();
    case 'File':
    case 'FileOrCreate':
      return st.isFile();
    case 'Socket':
      return st.isSocket();
    case 'CharDevice':
      return st.isCharacterDevice();
    case 'BlockDevice':
      return st.isBlockDevice();
  }
}

export function hostPathTypeMessage(path: string, type: HostPathType): string {
  return `hostPath type check failed: ${path} is not ${WHAT[type] ?? type}`;
}

export async function checkHostPath(path: string, type: HostPathType): Promise<void> {
  if (!(type in WHAT) && type !== '') throw new VolumeSetupError(`${type} is an invalid volume type`);
  if (type === '') return;
  let st: Stats | undefined;
  try {
    st = await stat(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw new VolumeSetupError(`hostPath type check failed: ${path}: ${errno(err) ?? err}`);
  }
  if (st === undefined) {
    if (type === 'DirectoryOrCreate') {
      await mkdir(path, { recursive: true, mode: 0o755 });
      return;
    }
    if (type === 'FileOrCreate') {
      // The kubelet opens with O_CREATE only: the parent directory must already exist.
      try {
        const fh = await open(path, 'a', 0o644);
        await fh.close();
      } catch (err) {
        throw new VolumeSetupError(`hostPath type check failed: cannot create file ${path}: ${errno(err) ?? err}`);
      }
      return;
    }
    throw new VolumeSetupError(hostPathTypeMessage(path, type));
  }
  if (!hostPathTypeMatches(type, st)) throw new VolumeSetupError(hostPathTypeMessage(path, type));
}

/** The kubelet's validation of a volumeMount's subPath: relative, no `..` component. */
export function subPathProblem(subPath: string): string | undefined {
  if (subPath.startsWith('/')) return 'must be a relative path';
  if (subPath.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

/**
 * Makes sure `subPath` exists inside the volume and does not leave it through a symlink; missing
 * directories are created with the volume root's mode. Returns the resolved path (symlinks inside
 * the volume followed), which is what must be bind-mounted.
 */
export async function ensureSubPath(volumePath: string, subPath: string): Promise<string> {
  const fail = (why: string) => new VolumeSetupError(`failed to prepare subPath for volumeMount: ${subPath} ${why}`);
  const problem = subPathProblem(subPath);
  if (problem) throw fail(problem);
  const root = await realpath(volumePath);
  const rootMode = (await stat(root)).mode & 0o7777;
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  let current = root;
  for (const part of parts) {
    const next = `${current}/${part}`;
    let st: Stats | undefined;
    try {
      st = await lstat(next);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    if (st === undefined) {
      await mkdir(next, { mode: rootMode });
      await chmod(next, rootMode); // mkdir's mode is cut by the umask
      current = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      const target = await realpath(next).catch(() => undefined);
      if (target === undefined || !(target === root || target.startsWith(`${root}/`))) {
        throw fail('is outside the volume (a symlink escapes it)');
      }
      current = target;
      continue;
    }
    current = next;
  }
  return current;
}
