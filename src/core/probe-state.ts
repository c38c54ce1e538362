/**
 * @module The result state machine of one probe of one container instance (the kubelet's
 * prober worker.doProbe) and its ticker timing. Pure: the caller runs the probe and the timers.
 *
 * Initial results: readiness Failure, liveness Success, startup Unknown. Liveness and readiness
 * are skipped until the container has started; startup stops after its first success. A result
 * only changes after `successThreshold` / `failureThreshold` equal outcomes in a row; after a
 * startup or liveness failure threshold the worker holds (the container is being killed) until a
 * new container instance brings a new state.
 */
import type { Probe } from 'kubernetes-types/core/v1.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeResult = 'success' | 'failure' | 'unknown';
/** What one probe run said; `warning` (a redirect to another host) counts as success. */
export type ProbeOutcome = 'success' | 'failure' | 'warning';

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level grace for the kill (liveness/startup only). */
  terminationGracePeriodSeconds?: number;
}

/** Defaults and minimums of SetDefaults_Probe and validation, applied again so any Probe is safe. */
export function probeTiming(kind: ProbeKind, probe: Probe): ProbeTiming {
  const atLeast = (v: number | undefined, min: number, dflt: number) => (v === undefined || v === null || v === 0 ? dflt : Math.max(min, v));
  const timing: ProbeTiming = {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: atLeast(probe.periodSeconds, 1, 10) * 1000,
    timeoutMs: atLeast(probe.timeoutSeconds, 1, 1) * 1000,
    // Validation forces 1 for liveness and startup; a stored object that says otherwise is ignored.
    successThreshold: kind === 'readiness' ? atLeast(probe.successThreshold, 1, 1) : 1,
    failureThreshold: atLeast(probe.failureThreshold, 1, 3),
  };
  if (kind !== 'readiness' && probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds !== null) {
    timing.terminationGracePeriodSeconds = probe.terminationGracePeriodSeconds;
  }
  return timing;
}

export interface ProbeState {
  readonly kind: ProbeKind;
  readonly timing: ProbeTiming;
  /** Container start (epoch ms): the initial delay counts from here. */
  readonly startedAt: number;
  readonly result: ProbeResult;
  /** The outcome of the current run of equal outcomes and its length. */
  readonly lastOutcome: 'success' | 'failure' | undefined;
  readonly run: number;
  /** After a startup/liveness failure threshold: nothing more until a new container instance. */
  readonly onHold: boolean;
}

export function initialResult(kind: ProbeKind): ProbeResult {
  return kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
}

export function initialProbeState(kind: ProbeKind, timing: ProbeTiming, startedAt: number): ProbeState {
  return { kind, timing, startedAt, result: initialResult(kind), lastOutcome: undefined, run: 0, onHold: false };
}

export interface ProbeContext {
  now: number;
  /** The container's startup probe has passed (or it has none). */
  started: boolean;
  /** The pod has a deletionTimestamp. */
  terminating: boolean;
}

export type ProbeStep =
  /** Run the probe now and feed its outcome to `applyOutcome`. */
  | { do: 'probe' }
  /** Nothing this tick; `stop` means no later tick can probe either (the ticker may end). */
  | { do: 'skip'; reason: 'on-hold' | 'initial-delay' | 'not-started' | 'startup-done'; stop: boolean }
  /** Terminating pod: liveness/startup are not run and count as Success. */
  | { do: 'assume-success' };

/** What a tick of this probe's ticker does. */
export function nextStep(s: ProbeState, ctx: ProbeContext): ProbeStep {
  if (s.onHold) return { do: 'skip', reason: 'on-hold', stop: true };
  if (ctx.terminating && s.kind !== 'readiness') return { do: 'assume-success' };
  if (ctx.now - s.startedAt < s.timing.initialDelayMs) return { do: 'skip', reason: 'initial-delay', stop: false };
  if (s.kind === 'startup') {
    if (ctx.started || s.result === 'success') return { do: 'skip', reason: 'startup-done', stop: true };
  } else if (!ctx.started) {
    return { do: 'skip', reason: 'not-started', stop: false };
  }
  return { do: 'probe' };
}

export interface ProbeTransition {
  state: ProbeState;
  /** The result changed (ready/started flip, or liveness went to Failure). */
  changed: boolean;
  /** Startup/liveness reached its failure threshold: the container must be killed. */
  kill: boolean;
}

/** Counts one outcome in; the result moves only once the matching threshold is reached. */
export function applyOutcome(s: ProbeState, outcome: ProbeOutcome): ProbeTransition {
  if (s.onHold) return { state: s, changed: false, kill: false };
  const o = outcome === 'failure' ? 'failure' : 'success';
  const run = o === s.lastOutcome ? s.run + 1 : 1;
  const threshold = o === 'failure' ? s.timing.failureThreshold : s.timing.successThreshold;
  if (run < threshold) return { state: { ...s, lastOutcome: o, run }, changed: false, kill: false };
  const kill = o === 'failure' && s.kind !== 'readiness';
  const state: ProbeState = {
    ...s,
    result: o,
    lastOutcome: kill ? undefined : o,
    run: kill ? 0 : run,
    onHold: kill,
  };
  return { state, changed: state.result !== s.result, kill };
}

/** A terminating pod's liveness/startup: set Success without probing. */
export function assumeSuccess(s: ProbeState): ProbeTransition {
  const state: ProbeState = { ...s, result: 'success', lastOutcome: undefined, run: 0 };
  return { state, changed: s.result !== 'success', kill: false };
}

// ---------------------------------------------------------------------------------------------
// Ticker timing

/**
 * Delay before the first tick of a newly tracked probe. Normally at once (the initial delay is
 * then enforced by skipping ticks, so the first real probe lands in
 * [initialDelay, initialDelay + period] after the start). A container tracked long after its
 * start (a daemon restart re-adopting running pods) gets a random phase inside one period so the
 * probes of many pods do not all fire together.
 */
export function firstTickDelay(timing: ProbeTiming, startedAt: number, now: number, random: () => number): number {
  if (now - startedAt <= timing.periodMs) return 0;
  return Math.floor(random() * timing.periodMs);
}

/**
 * Delay to the next tick of a fixed-rate ticker whose ticks are at `phase + k * period`. Ticks
 * that passed while a probe was running are dropped except one, which fires at once (Go's
 * time.Ticker keeps one pending tick).
 */
export function nextTickDelay(phase: number, periodMs: number, now: number): number {
  if (now < phase) return phase - now;
  const k = Math.floor((now - phase) / periodMs) + 1;
  return phase + k * periodMs - now;
}
