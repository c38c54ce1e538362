/**
 * @module The pod's QoS class (pkg/apis/core/v1/helper/qos GetPodQOS): only cpu and memory count,
 * over every container (init and sidecars included). Requests and limits are summed per resource
 * and compared as quantities, so "1" and "1000m" are equal.
 */
import type { Pod } from './types.js';
import { parseQuantity } from './quantity.js';

const TRACKED = ['cpu', 'memory'] as const;

export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as Record<string, string | number>;
    const lim = (c.resources?.limits ?? {}) as Record<string, string | number>;
    let limitsFound = 0;
    for (const r of TRACKED) {
      // API defaulting makes a limit alone the request too; stored pods already have it.
      const q = nano(req[r] ?? lim[r]);
      if (q > 0n) requests.set(r, (requests.get(r) ?? 0n) + q);
      const l = nano(lim[r]);
      if (l > 0n) {
        limitsFound++;
        limits.set(r, (limits.get(r) ?? 0n) + l);
      }
    }
    if (limitsFound < TRACKED.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [r, q] of requests) if (limits.get(r) !== q) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function nano(q: string | number | undefined): bigint {
  if (q === undefined || q === null) return 0n;
  try {
    return parseQuantity(String(q)).nano;
  } catch {
    return 0n; // validation refuses these; QoS must not throw on an object read back
  }
}
