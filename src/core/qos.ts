/** @module The pod's QoS class (pkg/apis/core/helper/qos GetPodQOS), from requests and limits. */
import type { Pod } from './types.js';

const TRACKED = ['cpu', 'memory'] as const;

export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    for (const r of TRACKED) {
      const req = requests[r] ?? limits[r]; // a limit alone defaults the request
      const lim = limits[r];
      if (req !== undefined && !isZero(req)) anySet = true;
      if (lim !== undefined && !isZero(lim)) anySet = true;
      if (lim === undefined || req === undefined || String(req) !== String(lim)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function isZero(q: string | number): boolean {
  return /^0+(\.0*)?[a-zA-Z]*$/.test(String(q));
}
