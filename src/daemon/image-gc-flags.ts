/** @module `peapod serve` flags for image garbage collection, named as the kubelet's. */
import { DEFAULT_IMAGE_GC_POLICY, validateImageGCPolicy, type ImageGCPolicy } from '../core/image-gc.js';
import { UsageError } from './config.js';

export const IMAGE_GC_FLAGS = {
  'image-gc-high-threshold': { type: 'string' },
  'image-gc-low-threshold': { type: 'string' },
  'minimum-image-ttl-duration': { type: 'string' },
} as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as the kubelet takes them: "2m", "90s", "1h30m", "0". */
export function parseDuration(text: string, flag?: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`${flag ? `--${flag} ` : ''}"${text}" is not a duration (like 2m, 90s, 1h30m)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]], 0);
}

export function imageGCPolicyFromFlags(values: Record<string, string | boolean | undefined>): ImageGCPolicy {
  const pct = (name: string, fallback: number): number => {
    const v = values[name];
    if (v === undefined) return fallback;
    if (!/^\d{1,3}$/.test(String(v))) throw new UsageError(`--${name} ${String(v)}: want an integer percent 0-100`);
    return Number(v);
  };
  const ttl = values['minimum-image-ttl-duration'];
  const policy: ImageGCPolicy = {
    highThresholdPercent: pct('image-gc-high-threshold', DEFAULT_IMAGE_GC_POLICY.highThresholdPercent),
    lowThresholdPercent: pct('image-gc-low-threshold', DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent),
    minAgeMs: ttl === undefined ? DEFAULT_IMAGE_GC_POLICY.minAgeMs : parseDuration(String(ttl), 'minimum-image-ttl-duration'),
  };
  const problem = validateImageGCPolicy(policy);
  if (problem) throw new UsageError(problem);
  return policy;
}
