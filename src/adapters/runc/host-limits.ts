/**
 * @module Rlimits the host lets us give. Raising a hard limit needs CAP_SYS_RESOURCE, which some
 * sandboxed hosts (this VM kind included) withhold even from root: runc then fails every create
 * with "error setting rlimit type 7: operation not permitted". Clamp to our own hard limits there.
 */
import { readFile } from 'node:fs/promises';
import type { OciSpec } from '../../core/ports.js';

const CAP_SYS_RESOURCE = 24n;

const LIMIT_NAMES: Record<string, string> = {
  RLIMIT_NOFILE: 'Max open files',
  RLIMIT_NPROC: 'Max processes',
  RLIMIT_MEMLOCK: 'Max locked memory',
  RLIMIT_STACK: 'Max stack size',
  RLIMIT_CORE: 'Max core file size',
};

/** Our hard limits by RLIMIT_ name, or undefined when we may raise them anyway. */
export async function readHardLimitCaps(): Promise<Map<string, number> | undefined> {
  const status = await readFile('/proc/self/status', 'utf8');
  const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (eff !== undefined && (BigInt(`0x${eff}`) >> CAP_SYS_RESOURCE) & 1n) return undefined;
  const limits = await readFile('/proc/self/limits', 'utf8');
  const out = new Map<string, number>();
  for (const [rl, label] of Object.entries(LIMIT_NAMES)) {
    const line = limits.split('\n').find((l) => l.startsWith(label));
    const hard = line?.slice(label.length).trim().split(/\s+/)[1];
    if (hard && /^\d+$/.test(hard)) out.set(rl, Number(hard));
  }
  return out;
}

/** A copy of the spec with every rlimit clamped to `caps` (soft ≤ hard kept). */
export function clampRlimits(spec: OciSpec, caps: Map<string, number> | undefined): OciSpec {
  const rlimits = spec.process.rlimits as Array<{ type: string; hard: number; soft: number }> | undefined;
  if (!caps || !rlimits) return spec;
  const clamped = rlimits.map((r) => {
    const max = caps.get(r.type);
    if (max === undefined) return r;
    const hard = Math.min(r.hard, max);
    return { type: r.type, hard, soft: Math.min(r.soft, hard) };
  });
  return { ...spec, process: { ...spec.process, rlimits: clamped } };
}
