/**
 * @module One time factor for every e2e wait. `PEAPOD_E2E_TIME_FACTOR` (default 1) stretches the
 * upper bounds and wait deadlines of the e2e tests, so that the same tests run on a machine many
 * times slower than ours: a cgroup v2 VM under TCG emulation (`../shared/tools/cgv2-vm`) is ~25×
 * slower. Lower bounds (the 2 s grace floor, a back-off's 10 s) are what the kubelet promises
 * whatever the machine, and are never stretched: only the slack above them is.
 */

function parseFactor(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const f = Number(raw);
  if (!Number.isFinite(f) || f < 1) throw new Error(`PEAPOD_E2E_TIME_FACTOR must be a number >= 1, not ${JSON.stringify(raw)}`);
  return f;
}

/** How many times slower than ours this machine may be. */
export const TIME_FACTOR = parseFactor(process.env.PEAPOD_E2E_TIME_FACTOR);

/** An upper bound or a wait's deadline, in ms (or s), stretched by the time factor. */
export function stretch(ms: number): number {
  return Math.round(ms * TIME_FACTOR);
}
