/**
 * @module ClusterIP and NodePort allocation as the API server's allocators do it, over the
 * Services already stored: a requested address or port must be in range and free; otherwise one
 * is picked, from the upper band first (KEP-3070's static/dynamic split, so that addresses users
 * pick by hand, like the DNS Service's .10, stay free). The pick is a probe from a hash of the
 * Service's namespace/name rather than random, so it is pure and a Service deleted and made again
 * gets its address back. Errors are worded as upstream's.
 */
import { createHash } from 'node:crypto';
import { formatIpv4, parseCidr, parseIpv4 } from './cni-config.js';
import type { FieldError } from './field-error.js';
import type { Service } from './types.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export interface ServiceNetworkConfig {
  serviceCidr: string;
  nodePortRange: { min: number; max: number };
}

export interface ServiceAddressRange {
  cidr: string;
  /** First and last allocatable addresses (the network and broadcast addresses are not). */
  first: number;
  last: number;
}

export function serviceAddressRange(cidr: string): ServiceAddressRange {
  const { base, bits } = parseCidr(cidr);
  const size = 2 ** (32 - bits);
  return { cidr, first: base + 1, last: base + size - 2 };
}

/** The n-th address of the range (1: the `kubernetes` Service's, 10: cluster DNS's, as kubeadm picks them). */
export function nthServiceAddress(cidr: string, n: number): string {
  return formatIpv4(parseCidr(cidr).base + n);
}

/** Upstream's static band: min(max(16, size/16), 256) addresses at the bottom of the range. */
function staticBand(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

const seedOf = (seed: string): number => createHash('sha256').update(seed).digest().readUInt32BE(0);

/** A free value in [lo, hi], preferring [bandStart, hi]; undefined when all are taken. */
function probe(lo: number, hi: number, bandStart: number, taken: (v: number) => boolean, seed: string): number | undefined {
  const ranges = bandStart > lo && bandStart <= hi ? [[bandStart, hi], [lo, bandStart - 1]] : [[lo, hi]];
  const h = seedOf(seed);
  for (const [a, b] of ranges) {
    const n = b - a + 1;
    for (let i = 0; i < n; i++) {
      const v = a + ((h + i) % n);
      if (!taken(v)) return v;
    }
  }
  return undefined;
}

/** Every ClusterIP in use, by the Service holding it (`ns/name`). */
export function clusterIPsInUse(services: readonly Service[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) {
    for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) {
      if (ip && ip !== 'None') out.set(ip, `${s.metadata?.namespace}/${s.metadata?.name}`);
    }
  }
  return out;
}

/** Every NodePort in use (port/protocol-agnostic, as upstream's allocator). */
export function nodePortsInUse(services: readonly Service[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of services) for (const p of s.spec?.ports ?? []) if (p.nodePort) out.set(p.nodePort, `${s.metadata?.namespace}/${s.metadata?.name}`);
  return out;
}

const goStrings = (ips: readonly string[]): string => `[]string{${ips.map((i) => JSON.stringify(i)).join(', ')}}`;

/**
 * The ClusterIP for a Service: `requested` when it is in range and free (`self` may hold it
 * already), else a free one. Returns a field error naming spec.clusterIPs otherwise.
 */
export function allocateClusterIP(
  cidr: string,
  requested: string | undefined,
  inUse: Map<string, string>,
  self: string,
): { ip: string } | { error: FieldError } {
  const range = serviceAddressRange(cidr);
  if (requested) {
    const n = parseIpv4(requested);
    if (n < range.first || n > range.last) {
      return {
        error: {
          type: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${cidr}`,
        },
      };
    }
    const holder = inUse.get(requested);
    if (holder !== undefined && holder !== self) {
      return { error: { type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: provided IP is already allocated` } };
    }
    return { ip: requested };
  }
  const size = range.last - range.first + 1;
  const picked = probe(range.first, range.last, range.first + staticBand(size), (v) => inUse.has(formatIpv4(v)), self);
  if (picked === undefined) {
    return { error: { type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings([])}: failed to allocate a serviceIP: range is full` } };
  }
  return { ip: formatIpv4(picked) };
}

/** A NodePort: `requested` when in range and free, else a free one (errors name the port's field). */
export function allocateNodePort(
  range: { min: number; max: number },
  requested: number | undefined,
  inUse: Map<number, string>,
  self: string,
  field: string,
  seed: string,
): { port: number } | { error: FieldError } {
  if (requested) {
    if (requested < range.min || requested > range.max) {
      return {
        error: {
          type: 'FieldValueInvalid',
          field,
          message: `Invalid value: ${requested}: provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`,
        },
      };
    }
    const holder = inUse.get(requested);
    if (holder !== undefined && holder !== self) return { error: { type: 'FieldValueInvalid', field, message: `Invalid value: ${requested}: provided port is already allocated` } };
    return { port: requested };
  }
  const size = range.max - range.min + 1;
  const picked = probe(range.min, range.max, range.min + Math.min(Math.max(16, Math.floor(size / 32)), 128), (v) => inUse.has(v), seed);
  if (picked === undefined) return { error: { type: 'FieldValueInvalid', field, message: `Invalid value: 0: failed to allocate a nodePort: range is full` } };
  return { port: picked };
}
