/**
 * @module What a container leaves on disk and how it is read back: the bundle (config.json), the
 * timestamps peapod writes, conmon's pid file, exit files and oom markers. The container dir is
 * also the OCI bundle, so conmon's `oom` (its cwd) and attach/ctl/winsz files land there.
 */
import { readFile, rm, rmdir, stat } from 'node:fs/promises';

export const CONFIG = 'config.json';
export const CREATED = 'created';
export const STARTED = 'started';
export const PERSIST = 'persist';
export const CONMON_PID = 'conmon.pid';
export const PIDFILE = 'pidfile';

/** Everything this adapter (and conmon) may put in a container dir. */
const OWN_ENTRIES = [CONFIG, CREATED, STARTED, PERSIST, CONMON_PID, PIDFILE, 'oom', 'attach', 'ctl', 'winsz', 'exec'];

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface ExitRecord {
  code: number;
  finishedAt: string;
}

/** An exit file: the decimal code; its mtime is when conmon saw the exit. Empty → not yet. */
export async function readExitFile(path: string): Promise<ExitRecord | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const code = Number.parseInt(text.trim(), 10);
    if (!Number.isFinite(code)) return undefined;
    return { code, finishedAt: st.mtime.toISOString() };
  } catch {
    return undefined;
  }
}

/** Is this pid a live (not zombie) conmon for this container? Guards against pid reuse. */
export async function conmonAlive(pid: number, id: string): Promise<boolean> {
  const [stat, cmdline] = await Promise.all([readText(`/proc/${pid}/stat`), readText(`/proc/${pid}/cmdline`)]);
  if (stat === undefined || cmdline === undefined) return false;
  // The state letter follows the last ")" (comm may contain spaces and parens).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  return cmdline.split('\0').includes(id) && cmdline.includes('conmon');
}

/** linux.cgroupsPath of the container's config.json (its bundle). */
export async function readCgroupsPath(dir: string): Promise<string | undefined> {
  const text = await readText(`${dir}/${CONFIG}`);
  if (text === undefined) return undefined;
  try {
    const path = (JSON.parse(text) as { linux?: { cgroupsPath?: unknown } }).linux?.cgroupsPath;
    return typeof path === 'string' && path.startsWith('/') ? path : undefined;
  } catch {
    return undefined;
  }
}

export async function readConmonPid(dir: string): Promise<number | undefined> {
  const text = await readText(`${dir}/${CONMON_PID}`);
  const pid = text === undefined ? NaN : Number.parseInt(text.trim(), 10);
  return pid > 0 ? pid : undefined;
}

/** Whether the container's conmon wrote its pid and is gone (false when it never wrote one). */
export async function conmonDied(dir: string, id: string): Promise<boolean> {
  const pid = await readConmonPid(dir);
  return pid !== undefined && !(await conmonAlive(pid, id));
}

/**
 * Removes this adapter's files, then the directory only if nothing else is left: a rootfs
 * another adapter mounted inside must never be deleted through here.
 */
export async function removeContainerDir(dir: string): Promise<void> {
  await Promise.all(OWN_ENTRIES.map((e) => rm(`${dir}/${e}`, { recursive: true, force: true })));
  try {
    await rmdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EBUSY') throw e;
  }
}
