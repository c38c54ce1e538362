/**
 * @module Kubernetes resource quantities ("100m", "1.5", "128Mi", "1G", "1e3"). Values are held
 * exactly as a count of nano-units in a bigint, so 1Ei (2^60) and 1n both survive, and rounding
 * is the apimachinery one: anything finer than a nano-unit, and Value()/MilliValue(), round up.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The amount in units of 10^-9 (nano-cores, nano-bytes). */
  readonly nano: bigint;
  /** The suffix family the quantity was written in; canonical formatting keeps it. */
  readonly format: QuantityFormat;
}

/** Kubernetes' own wording for an unparsable quantity. */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export class QuantityParseError extends Error {
  constructor(readonly input: string) {
    super(QUANTITY_FORMAT_MESSAGE);
    this.name = 'QuantityParseError';
  }
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const NANO = 10n ** 9n;

const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

export function parseQuantity(input: string): Quantity {
  const m = QUANTITY_RE.exec(input);
  if (!m) throw new QuantityParseError(input);
  const [, sign, intPart = '', fracPart, suffix = ''] = m;
  const frac = fracPart ?? '';
  if (intPart === '' && frac === '') throw new QuantityParseError(input);
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in BINARY) {
    format = 'BinarySI';
    exp2 = BINARY[suffix];
  } else if (suffix in DECIMAL) {
    format = 'DecimalSI';
    exp10 = DECIMAL[suffix];
  } else {
    const e = /^[eE]([+-]?\d+)$/.exec(suffix);
    if (!e) throw new QuantityParseError(input);
    format = 'DecimalExponent';
    exp10 = Number(e[1]);
    if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > 1000) throw new QuantityParseError(input);
  }
  // mantissa = digits × 10^-frac.length; nano = mantissa × 10^exp10 × 2^exp2 × 10^9
  const num = BigInt(intPart + frac || '0') * 2n ** BigInt(exp2);
  const shift = exp10 - frac.length + 9;
  let nano: bigint;
  if (shift >= 0) {
    nano = num * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    nano = num / div + (num % div === 0n ? 0n : 1n);
  }
  return { nano: sign === '-' ? -nano : nano, format };
}

export function isValidQuantity(input: string): boolean {
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** apimachinery Quantity.Value(): whole units, rounded up. */
export function quantityValue(q: Quantity): number {
  return Number(ceilDiv(q.nano, NANO));
}

/** apimachinery Quantity.MilliValue(): thousandths, rounded up. */
export function quantityMilliValue(q: Quantity): number {
  return Number(ceilDiv(q.nano, 10n ** 6n));
}

/** "250m" → 250, "1.5" → 1500, "2" → 2000. */
export function parseCpuMillis(input: string): number {
  return quantityMilliValue(parseQuantity(input));
}

/** "128Mi" → 134217728, "1G" → 1e9. */
export function parseMemoryBytes(input: string): number {
  return quantityValue(parseQuantity(input));
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/**
 * Canonical form as apimachinery prints it: the largest suffix of the same family that keeps the
 * mantissa an integer; binary quantities that are not whole multiples of 1Ki print as decimal.
 */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  const sign = neg ? '-' : '';
  if (q.format === 'BinarySI' && abs % NANO === 0n) {
    let units = abs / NANO;
    if (units >= 1024n) {
      const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
      let i = 0;
      while (i < suffixes.length - 1 && units % 1024n === 0n && units >= 1024n) {
        units /= 1024n;
        i++;
      }
      return `${sign}${units}${suffixes[i]}`;
    }
  }
  // Decimal: find the largest exponent (multiple of 3, from -9 to 18) dividing the nano count.
  let exp = -9;
  let mant = abs;
  while (exp < 18 && mant % 1000n === 0n) {
    mant /= 1000n;
    exp += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${mant}${exp === 0 ? '' : `e${exp}`}`;
  const suffix: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
  return `${sign}${mant}${suffix[exp]}`;
}

/** Canonical string of a quantity given as text, or the text itself when unparsable. */
export function canonicalQuantity(input: string): string {
  try {
    return formatQuantity(parseQuantity(input));
  } catch {
    return input;
  }
}
