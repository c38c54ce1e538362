/**
 * @module Which OCI runtime to drive, decided at start. crun is preferred where it works, but
 * crun 1.8 refuses cgroup-v1 hybrid hosts ("cgroups in hybrid mode not supported"), so it is
 * only chosen on a pure v1 or pure v2 layout, after `crun --version` runs and, given an infra
 * rootfs, a real `crun run` of catatonit in the instance's cgroup root succeeds. Why crun was not
 * chosen is always said (`note`), never swallowed. The choice is kept in the run dir: the
 * containers of this boot were made by that runtime and only it can read their state, so a
 * restarted daemon keeps it (a reboot empties the run dir and chooses afresh).
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cgroupVersionOf } from '../../core/cgroup-mode.js';
import type { Layout } from '../../core/layout.js';
import { buildSandboxSpec } from '../../core/oci-spec.js';
import { run } from '../process/run.js';
import { readMountInfo } from '../system/mountinfo.js';
import { runtimeErrorText } from './runtime-message.js';

const CRUN = '/usr/bin/crun';
const RUNC_PATHS = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'];

export interface OciRuntimeChoice {
  name: 'runc' | 'crun';
  path: string;
}

export interface DetectOptions {
  /** The read-only infra rootfs (with /catatonit): crun is then proven by a real run. */
  infraRootfs?: string;
  /** Resolves once the instance's cgroup root is usable (the probe's cgroup goes in it). */
  cgroupsReady?: () => Promise<void>;
  /** Told why crun was not chosen, or which runtime the run dir pins. */
  note?: (message: string) => void;
}

/** Where the choice is kept for the life of the run dir. */
export function runtimeChoicePath(layout: Layout): string {
  return `${layout.runDir}/oci-runtime`;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** undefined when crun works here, else why not. */
async function whyNotCrun(layout: Layout, opts: DetectOptions): Promise<string | undefined> {
  if (!(await executable(CRUN))) return `${CRUN} is not installed`;
  const v = await run(CRUN, ['--version'], { allowFailure: true, timeoutMs: 10_000 }).catch((err: unknown) => ({ exitCode: -1, stderr: String(err), stdout: '' }));
  if (v.exitCode !== 0) return `crun --version failed: ${(v.stderr || v.stdout).trim()}`;
  if (!opts.infraRootfs) return undefined;
  try {
    await opts.cgroupsReady?.();
  } catch (err) {
    return `its probe needs the instance's cgroup root: ${(err as Error).message}`;
  }
  const probe = `${layout.runDir}/tmp/crun-probe-${randomBytes(4).toString('hex')}`;
  const root = `${probe}/state`;
  const id = `peapod-probe-${randomBytes(4).toString('hex')}`;
  const v2 = cgroupVersionOf(await readMountInfo()) === 'v2';
  try {
    await mkdir(root, { recursive: true });
    const spec = buildSandboxSpec({
      rootfs: opts.infraRootfs,
      hostNetwork: true,
      hostname: 'probe',
      cgroupsPath: `${layout.cgroupRoot}/${id}`,
      cgroupNamespace: v2,
      args: ['/catatonit', '--version'],
    });
    // A new, empty network namespace rather than the host's.
    (spec.linux as { namespaces: Array<{ type: string }> }).namespaces.push({ type: 'network' });
    await writeFile(`${probe}/config.json`, JSON.stringify(spec));
    const r = await run(CRUN, ['--root', root, 'run', '--bundle', probe, id], { allowFailure: true, timeoutMs: 30_000 });
    if (r.exitCode !== 0) return `crun run of a probe container failed (exit ${r.exitCode}): ${runtimeErrorText(r.stderr || r.stdout) || 'no message'}`;
    return undefined;
  } catch (err) {
    return `crun probe: ${(err as Error).message}`;
  } finally {
    await run(CRUN, ['--root', root, 'delete', '--force', id], { allowFailure: true }).catch(() => {});
    await rm(probe, { recursive: true, force: true }).catch(() => {});
  }
}

async function detect(layout: Layout, opts: DetectOptions): Promise<OciRuntimeChoice> {
  const version = cgroupVersionOf(await readMountInfo());
  const why = version === 'hybrid' ? 'crun refuses cgroup v1 hybrid hosts like this one' : await whyNotCrun(layout, opts);
  if (why === undefined) return { name: 'crun', path: CRUN };
  for (const p of RUNC_PATHS) {
    if (await executable(p)) {
      opts.note?.(`crun not used: ${why}; using ${p}`);
      return { name: 'runc', path: p };
    }
  }
  throw new Error(`no usable OCI runtime: runc is not installed (looked in ${RUNC_PATHS.join(', ')}) and crun is not usable (${why}); install runc or crun`);
}

/** The runtime the run dir's containers were made with, or a fresh choice (then kept). */
export async function detectOciRuntime(layout: Layout, opts: DetectOptions = {}): Promise<OciRuntimeChoice> {
  const kept = (await readFile(runtimeChoicePath(layout), 'utf8').catch(() => '')).trim();
  const [name, path] = kept.split(' ');
  if ((name === 'runc' || name === 'crun') && path && (await executable(path))) {
    return { name, path };
  }
  if (kept) opts.note?.(`the runtime this run dir used (${kept}) is gone; choosing again`);
  const choice = await detect(layout, opts);
  await mkdir(layout.runDir, { recursive: true });
  await writeFile(runtimeChoicePath(layout), `${choice.name} ${choice.path}\n`);
  return choice;
}
