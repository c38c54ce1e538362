/**
 * @module `peapod service install|uninstall`: peapod as a systemd service (core/service-unit.ts),
 * for the default instance (`peapod serve` without flags). install writes the unit unless the
 * one there was edited by hand, enables it and starts (or restarts, when the unit changed) the
 * daemon; then checks the settings systemd really uses and names any that is wrong. uninstall
 * disables and stops it (containers keep running until `peapod reset` removes them) and removes
 * the unit file; `peapod reset --force` of the default instance does that too.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKED_PROPERTIES, parseShow, peapodServiceUnit, SERVICE_NAME, SERVICE_PATH, serviceUnitProblems, writtenByInstall } from '../core/service-unit.js';
import { showUnit, systemctl, systemdBooted } from '../adapters/system/systemd-units.js';

export const SERVICE_USAGE = `Usage: peapod service install|uninstall

  install     write ${SERVICE_PATH} (unless edited by hand), enable it and start the daemon
  uninstall   stop and disable the service and remove its unit (pods keep running)
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** The repository: dist/daemon/service.js and src/daemon/service.ts both sit two levels down. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function runService(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [verb, ...rest] = argv;
  if ((verb !== 'install' && verb !== 'uninstall') || rest.length > 0) {
    process.stderr.write(verb === '--help' || verb === '-h' ? '' : `peapod service: want install or uninstall\n\n`);
    process.stderr.write(SERVICE_USAGE);
    return verb === '--help' || verb === '-h' ? 0 : 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('peapod service: must run as root\n');
    return 1;
  }
  if (!systemdBooted()) {
    out(`peapod service: systemd is not running on this machine: no service ${verb === 'install' ? 'installed' : 'to remove'}; run \`peapod serve\` (scripts/demo.sh starts it)`);
    return 0;
  }
  return verb === 'install' ? install(out) : (await uninstallService(out), 0);
}

async function install(out: (line: string) => void): Promise<number> {
  const unit = peapodServiceUnit(`${repoRoot}/bin/peapod serve`, `${repoRoot}/README.md`, sha256);
  const existing = existsSync(SERVICE_PATH) ? readFileSync(SERVICE_PATH, 'utf8') : undefined;
  let changed = false;
  if (existing !== undefined && existing !== unit && !writtenByInstall(existing, sha256)) {
    out(`peapod service: ${SERVICE_PATH} was edited by hand: left as it is (remove it and install again for this version's unit; drop-ins in ${SERVICE_PATH}.d/ survive installs)`);
  } else if (existing !== unit) {
    writeFileSync(SERVICE_PATH, unit);
    changed = true;
    out(`peapod service: wrote ${SERVICE_PATH}`);
  }
  await systemctl('daemon-reload');
  await systemctl('enable', '--quiet', SERVICE_NAME);
  const byHand = daemonStartedByHand();
  if (byHand !== undefined) {
    out(`peapod service: enabled; not started: a daemon started by hand (pid ${byHand}) runs; stop it (kill ${byHand}: its pods keep running) and run \`systemctl start peapod\``);
  } else {
    // A restart is safe: KillMode=process leaves every container running.
    await systemctl(changed ? 'restart' : 'start', SERVICE_NAME);
    out(`peapod service: ${SERVICE_NAME} enabled and running (log: journalctl -u peapod)`);
  }
  const problems = serviceUnitProblems(SERVICE_NAME, parseShow(await showUnit(SERVICE_NAME, CHECKED_PROPERTIES)));
  for (const p of problems) out(`peapod service: ${p}`);
  return problems.length > 0 ? 1 : 0;
}

/** Stops and disables the service and removes its unit; nothing when there is none. */
/** Returns the cgroup systemd gave the service (what its stop may leave in it: `peapod reset` removes it). */
export async function uninstallService(out: (line: string) => void): Promise<string | undefined> {
  if (!systemdBooted() || !existsSync(SERVICE_PATH)) return undefined;
  const cgroup = parseShow(await showUnit(SERVICE_NAME, ['ControlGroup']).catch(() => '')).get('ControlGroup') || `/system.slice/${SERVICE_NAME}`;
  await systemctl('disable', '--now', '--quiet', SERVICE_NAME);
  rmSync(SERVICE_PATH, { force: true });
  await systemctl('daemon-reload');
  await systemctl('reset-failed', SERVICE_NAME).catch(() => '');
  out(`removed the systemd service ${SERVICE_NAME}${existsSync(`${SERVICE_PATH}.d`) ? ` (your drop-ins in ${SERVICE_PATH}.d/ stay)` : ''}`);
  return cgroup;
}

/** The pid of a default-instance daemon that is not the service's, if one runs. */
function daemonStartedByHand(): number | undefined {
  try {
    const pid = Number(readFileSync('/run/peapod/peapod.pid', 'utf8').trim());
    if (!/\bserve\b/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))) return undefined;
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${SERVICE_NAME}`) ? undefined : pid;
  } catch {
    return undefined;
  }
}
