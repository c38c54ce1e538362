/**
 * @module ResourceList arithmetic as apiserver's quota helpers do it (pkg/quota/v1/resources.go):
 * add, subtract, mask, compare and print lists of named quantities, exactly (nano-unit bigints),
 * keeping the suffix family of the first quantity seen so `600Mi` prints as `600Mi`.
 */
import { formatQuantity, parseQuantity, type Quantity } from '../quantity.js';

/** A ResourceList held as quantities. */
export type Resources = Map<string, Quantity>;

export const ZERO: Quantity = { nano: 0n, format: 'DecimalSI' };
export const ONE: Quantity = { nano: 1_000_000_000n, format: 'DecimalSI' };

export const count = (n: number): Quantity => ({ nano: BigInt(n) * 1_000_000_000n, format: 'DecimalSI' });

/** A stored ResourceList (`{cpu: "1", memory: "1Gi"}`, numbers allowed) as quantities; unparsable values are skipped. */
export function toResources(list: Readonly<Record<string, unknown>> | undefined | null): Resources {
  const out: Resources = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    if (v === undefined || v === null) continue;
    try {
      out.set(k, parseQuantity(String(v)));
    } catch {
      // Validation refuses these; a list read back must not throw.
    }
  }
  return out;
}

/** The list as an API object carries it, keys sorted. */
export function fromResources(r: Resources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...r.keys()].sort()) out[k] = formatQuantity(r.get(k)!);
  return out;
}

export function add(a: Resources, b: Resources): Resources {
  const out = new Map(a);
  for (const [k, q] of b) {
    const have = out.get(k);
    // Quantity.Add: a zero takes the other's suffix family.
    out.set(k, have ? { nano: have.nano + q.nano, format: have.nano === 0n ? q.format : have.format } : q);
  }
  return out;
}

/** a - b over a's keys, never below zero (quota.SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: Resources, b: Resources): Resources {
  const out: Resources = new Map();
  for (const [k, q] of a) {
    const d = q.nano - (b.get(k)?.nano ?? 0n);
    out.set(k, { nano: d < 0n ? 0n : d, format: q.format });
  }
  return out;
}

/** Only the named keys. */
export function mask(r: Resources, names: Iterable<string>): Resources {
  const out: Resources = new Map();
  for (const n of names) {
    const q = r.get(n);
    if (q) out.set(n, q);
  }
  return out;
}

export function removeZeros(r: Resources): Resources {
  return new Map([...r].filter(([, q]) => q.nano !== 0n));
}

export function negativeNames(r: Resources): string[] {
  return [...r].filter(([, q]) => q.nano < 0n).map(([k]) => k);
}

/** The keys of `a` over their value in `b` (keys missing from `b` are unbounded). */
export function exceeded(a: Resources, b: Resources): string[] {
  const out: string[] = [];
  for (const [k, q] of a) {
    const limit = b.get(k);
    if (limit && q.nano > limit.nano) out.push(k);
  }
  return out.sort();
}

/** Same keys, equal amounts (quota.Equals). */
export function equal(a: Resources, b: Resources): boolean {
  if (a.size !== b.size) return false;
  for (const [k, q] of a) if (b.get(k)?.nano !== q.nano) return false;
  return true;
}

/** `cpu=1,memory=1Gi`, keys sorted (the admission plugin's prettyPrint). */
export function prettyPrint(r: Resources): string {
  return [...r.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(r.get(k)!)}`)
    .join(',');
}
