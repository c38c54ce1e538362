/**
 * @module peapod as a systemd service: the unit `peapod service install` writes, and what a unit
 * must keep for the daemon to work as one (checked against `systemctl show`, so a unit edited by
 * hand, or overridden by a drop-in, is caught by what systemd actually uses).
 *
 * - KillMode=process: stopping, restarting or upgrading the daemon must never stop a container
 *   (conmon and the containers outlive it; the next daemon adopts them), as containerd's unit.
 * - Delegate=yes: systemd leaves the daemon's cgroup to it rather than moving its conmon
 *   processes around (the pods themselves are in a delegated scope of their own: cgroup-mode.ts).
 * - Restart=always: a crashed daemon comes back by itself and adopts what runs.
 * - After/Wants=network-online.target: the pods' network (CNI bridge, masquerade) is set up over
 *   the host's, so it starts once that is up, as kubelet.service and k3s.service do.
 * The daemon's own log goes to the journal (`journalctl -u peapod`).
 */

export const SERVICE_NAME = 'peapod.service';
export const SERVICE_PATH = `/etc/systemd/system/${SERVICE_NAME}`;

const HASH_LINE = /^# peapod-unit-sha256: ([0-9a-f]{64})\n/m;

/**
 * The unit for `execStart` (the daemon command); `readme` names the documentation. Its last line
 * records the hash of the rest, so a later install can tell a file it wrote from one edited by hand.
 */
export function peapodServiceUnit(execStart: string, readme: string, sha256: (text: string) => string): string {
  const body = `# Written by \`peapod service install\` (scripts/setup.sh); \`peapod reset --force\` removes it.
# Change settings with a drop-in (\`systemctl edit peapod\`): an install replaces this file unless
# it was edited by hand.
[Unit]
Description=peapod: Kubernetes Pods on this machine
Documentation=file://${readme}
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
ExecStart=${execStart}
Restart=always
RestartSec=2
# Stopping or restarting the daemon never stops a container: conmon and the pods outlive it.
KillMode=process
Delegate=yes
TimeoutStopSec=30
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
OOMScoreAdjust=-999
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=multi-user.target
`;
  return `${body}# peapod-unit-sha256: ${sha256(body)}\n`;
}

/** The file is a unit this command wrote and nobody changed since (it may be another version's). */
export function writtenByInstall(text: string, sha256: (text: string) => string): boolean {
  const m = HASH_LINE.exec(text);
  return m !== null && m.index + m[0].length === text.length && sha256(text.slice(0, m.index)) === m[1];
}

/** What `systemctl show -p ...` is asked for, to check a unit. */
export const CHECKED_PROPERTIES = ['KillMode', 'Delegate', 'Restart', 'ExecStart', 'After', 'FragmentPath', 'DropInPaths'] as const;

/** `Key=value` lines of `systemctl show` into a map. */
export function parseShow(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/**
 * What is wrong with the unit systemd runs the daemon from, each naming the setting, what it is,
 * what it must be and why; [] when nothing is.
 */
export function serviceUnitProblems(unit: string, props: ReadonlyMap<string, string>): string[] {
  const where = [props.get('FragmentPath'), props.get('DropInPaths')].filter((p) => p && p.trim() !== '').join(' + ') || unit;
  const problems: string[] = [];
  const want = (key: string, ok: (v: string) => boolean, expected: string, why: string): void => {
    const v = props.get(key) ?? '';
    if (!ok(v)) problems.push(`${unit}: ${key}=${v || '(unset)'} in ${where}: must be ${expected}: ${why}`);
  };
  want('KillMode', (v) => v === 'process', 'process', 'otherwise stopping or restarting the service kills every container');
  want('Delegate', (v) => v === 'yes', 'yes', 'otherwise systemd may move or limit the processes the daemon manages');
  want('Restart', (v) => v === 'always', 'always', 'otherwise a crashed daemon stays down and nothing supervises the pods');
  want('After', (v) => v.split(/\s+/).includes('network-online.target'), 'After=network-online.target', 'the pod network is set up over the host\'s');
  want('ExecStart', (v) => /\bpeapod\b[^;]*\bserve\b/.test(v) || /entry\.js[^;]*\bserve\b/.test(v), 'a `peapod serve` command', 'the service runs the daemon');
  return problems;
}

/** The service unit a cgroup path belongs to (`/system.slice/peapod.service[/…]`), if any. */
export function serviceOfCgroup(cgroupPath: string): string | undefined {
  return cgroupPath.split('/').find((part) => part.endsWith('.service'));
}
