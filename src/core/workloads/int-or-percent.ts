/**
 * @module intstr.IntOrString as the rollout fields use it (`maxSurge: 25%`, `maxUnavailable: 1`):
 * parsing, and GetScaledValueFromIntOrPercent (a percentage of a total, rounded up or down).
 */

export function parseIntOrPercent(v: number | string): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? { value: v, percent: false } : undefined;
  const m = /^(-?[0-9]+)%$/.exec(v);
  if (m) return { value: Number(m[1]), percent: true };
  return /^-?[0-9]+$/.test(v) ? { value: Number(v), percent: false } : undefined;
}

/** The value against `total`: integers as they are, percentages scaled and rounded up or down. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  const p = parseIntOrPercent(v);
  if (!p) return 0;
  if (!p.percent) return p.value;
  const exact = (p.value * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
