/**
 * @module What the node agent observes of one pod in the runtime: its sandboxes and container
 * instances, as the kubelet's PodStatus (kubecontainer.PodStatus) holds them. Built from the
 * runtime's container list and annotations, so it is the same after a daemon restart.
 */
import { createHash } from 'node:crypto';
import type { Container } from './types.js';

export type InstanceState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerInstance {
  id: string;
  name: string;
  type: 'init' | 'app';
  /** restartCount written when the instance was created. */
  restartCount: number;
  state: InstanceState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Completed, Error, OOMKilled, ContainerStatusUnknown, StartError. */
  reason?: string;
  message?: string;
  hash: string;
  image: string;
  imageId: string;
  sandboxId: string;
}

export interface SandboxInstance {
  id: string;
  ready: boolean;
  createdAt: number;
  ip?: string;
}

export interface PodRuntimeView {
  /** Newest first. */
  sandboxes: SandboxInstance[];
  /** Any order; use `latestInstances`. */
  containers: ContainerInstance[];
}

export const emptyView: PodRuntimeView = { sandboxes: [], containers: [] };

/** Newest (current) and the one before (previous) instance per container name. */
export function latestInstances(view: PodRuntimeView): Map<string, { current: ContainerInstance; previous?: ContainerInstance }> {
  const byName = new Map<string, ContainerInstance[]>();
  for (const c of view.containers) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  const out = new Map<string, { current: ContainerInstance; previous?: ContainerInstance }>();
  for (const [name, list] of byName) {
    list.sort((a, b) => b.restartCount - a.restartCount || b.createdAt - a.createdAt);
    out.set(name, list[1] ? { current: list[0], previous: list[1] } : { current: list[0] });
  }
  return out;
}

/**
 * Hash of the parts of a container spec whose change means "restart it" (the kubelet's
 * HashContainer). Key order is normalised so that a re-serialised spec hashes the same.
 */
export function containerHash(container: Container): string {
  return createHash('sha256').update(stableJson(container)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted: equal values give equal strings whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
