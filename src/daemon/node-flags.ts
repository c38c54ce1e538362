/** @module `peapod serve` flags for the node's allocatable resources, named as the kubelet's. */
import { DEFAULT_MAX_PODS, parseReserved, type Reserved } from '../core/admission.js';
import { UsageError } from './config.js';

export const NODE_RESOURCE_FLAGS = {
  'system-reserved': { type: 'string' },
  'max-pods': { type: 'string' },
} as const;

export interface NodeResourceFlags {
  systemReserved: Reserved;
  maxPods: number;
}

export function nodeResourcesFromFlags(values: Record<string, string | boolean | undefined>): NodeResourceFlags {
  let systemReserved: Reserved;
  try {
    systemReserved = parseReserved(String(values['system-reserved'] ?? ''));
  } catch (err) {
    throw new UsageError(`--system-reserved: ${(err as Error).message} (want e.g. cpu=500m,memory=1Gi)`);
  }
  const mp = values['max-pods'];
  if (mp !== undefined && !/^[1-9]\d{0,5}$/.test(String(mp))) throw new UsageError(`--max-pods ${String(mp)}: want a positive integer`);
  return { systemReserved, maxPods: mp === undefined ? DEFAULT_MAX_PODS : Number(mp) };
}
