/**
 * @module The contract between the pod worker and the prober (the kubelet's prober manager):
 * the worker tells it which container instances run, the prober runs their startup, liveness and
 * readiness probes on per-container tickers and reports results and failures back.
 */
import type { Container, Pod } from '../core/types.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** A running container instance the prober should probe. */
export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  /** When the process started (epoch ms): initialDelaySeconds counts from here. */
  startedAt: number;
  podIP: string | undefined;
}

export interface ProbeFailure {
  podUid: string;
  containerName: string;
  containerId: string;
  kind: 'startup' | 'liveness';
  /** The probe's own terminationGracePeriodSeconds, when set. */
  terminationGracePeriodSeconds?: number;
}

export interface ProbeEvent {
  podUid: string;
  containerName: string;
  type: 'Warning';
  reason: 'Unhealthy' | 'ProbeWarning';
  message: string;
}

export interface Prober {
  /** Starts (or keeps) probing this instance; a new containerId resets its results. */
  track(target: ProbeTarget): void;
  /** Stops probing instances of the pod that are not in `keep` (all of them when omitted). */
  untrack(podUid: string, keep?: ReadonlySet<string>): void;
  /** Startup probe passed (true at once when the container has none). */
  isStarted(containerId: string): boolean;
  /** Last readiness result (false until a first success; true at once when it has none). */
  isReady(containerId: string): boolean;
  /** Called when results change (ready/started flips) and on startup/liveness failure. */
  onChange(listener: (podUid: string) => void): () => void;
  /** Startup/liveness failures that must kill the container; taken once each. */
  takeFailures(podUid: string): ProbeFailure[];
  /** Unhealthy/ProbeWarning events to record; taken once each. */
  takeEvents(podUid: string): ProbeEvent[];
  /** Pod is terminating: liveness and startup stop (readiness goes on). */
  setTerminating(podUid: string): void;
  stop(): void;
}

