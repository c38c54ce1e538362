/**
 * @module The few things peapod asks of systemd, through its own CLIs (busctl and systemctl ship
 * with systemd, so they are there whenever systemd is): whether systemd is the init system, a
 * transient scope with delegation for the instance's cgroups, and stopping such a unit again.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { run } from '../process/run.js';

/** sd_booted(): systemd is PID 1 when /run/systemd/system exists. */
export function systemdBooted(): boolean {
  return existsSync('/run/systemd/system');
}

export interface TransientScope {
  unit: string;
  slice: string;
  pids: number[];
  description: string;
}

/**
 * StartTransientUnit of a scope holding `pids`, with Delegate=yes: the scope's cgroup subtree is
 * then ours to manage (systemd's delegation contract). Rejects with systemd's own message.
 */
export async function startTransientScope(scope: TransientScope): Promise<void> {
  const props: string[][] = [
    ['PIDs', 'au', String(scope.pids.length), ...scope.pids.map(String)],
    ['Delegate', 'b', 'true'],
    ['Slice', 's', scope.slice],
    ['Description', 's', scope.description],
    // Once its last process is gone it goes, failed or not: nothing to reset by hand.
    ['CollectMode', 's', 'inactive-or-failed'],
  ];
  const args = [
    'call', '--quiet', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager',
    'StartTransientUnit', 'ssa(sv)a(sa(sv))', scope.unit, 'fail', String(props.length), ...props.flat(), '0',
  ];
  const r = await run('busctl', args, { allowFailure: true, timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`systemd did not start the scope ${scope.unit}: ${(r.stderr || r.stdout).trim() || `busctl exit ${r.exitCode}`}`);
}

/** Stops a unit and waits for it; a unit that is not loaded counts as stopped. */
export async function stopUnit(unit: string): Promise<void> {
  const r = await run('systemctl', ['stop', unit], { allowFailure: true, timeoutMs: 60_000 });
  if (r.exitCode !== 0 && !/not loaded/i.test(r.stderr)) throw new Error(`systemctl stop ${unit}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

/** `systemctl ARGS`; rejects with systemctl's own message. */
export async function systemctl(...args: string[]): Promise<string> {
  const r = await run('systemctl', args, { allowFailure: true, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`systemctl ${args.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
  return r.stdout;
}

/** The named properties of a unit as systemd uses them (unit file and drop-ins merged). */
export async function showUnit(unit: string, properties: readonly string[]): Promise<string> {
  return systemctl('show', unit, ...properties.map((p) => `--property=${p}`));
}

/** This process's cgroup v2 path (`0::` line of /proc/self/cgroup); '' on a v1-only host. */
export async function ownCgroup(): Promise<string> {
  return /^0::(.*)$/m.exec(await readFile('/proc/self/cgroup', 'utf8').catch(() => ''))?.[1] ?? '';
}
