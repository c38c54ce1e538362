/**
 * @module One probe of one container instance on its own ticker (the kubelet's prober worker):
 * ticks every periodSeconds through the Clock port, asks the pure state machine what a tick does,
 * runs at most one probe at a time, and reports outcomes and transitions to its owner.
 */
import type { Clock, NetworkProbeResult, TimerHandle } from '../core/ports.js';
import {
  applyOutcome,
  assumeSuccess,
  firstTickDelay,
  initialProbeState,
  nextStep,
  nextTickDelay,
  type ProbeKind,
  type ProbeState,
  type ProbeTiming,
  type ProbeTransition,
} from '../core/probe-state.js';

export interface ProbeWorkerHost {
  clock: Clock;
  random: () => number;
  context(): { started: boolean; terminating: boolean };
  /** Runs the handler; rejects when the probe could not be run (result thrown away). */
  run(): Promise<NetworkProbeResult>;
  /** A run finished with this outcome (before the transition it caused is reported). */
  onOutcome(worker: ProbeWorker, r: NetworkProbeResult): void;
  onError(worker: ProbeWorker, err: Error): void;
  onTransition(worker: ProbeWorker, t: ProbeTransition): void;
}

export class ProbeWorker {
  state: ProbeState;
  private timer: TimerHandle | undefined;
  /** Ticks are at phase + k × period. */
  private phase = 0;
  private inFlight = false;
  private tickPending = false;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    timing: ProbeTiming,
    startedAt: number,
    private readonly host: ProbeWorkerHost,
  ) {
    this.state = initialProbeState(kind, timing, startedAt);
  }

  start(): void {
    const now = this.host.clock.now();
    const delay = firstTickDelay(this.state.timing, this.state.startedAt, now, this.host.random);
    this.phase = now + delay;
    this.timer = this.host.clock.setTimeout(() => this.tick(), delay);
  }

  /** Runs a tick now without moving the ticker (readiness with no result yet). */
  trigger(): void {
    if (this.stopped) return;
    if (this.inFlight) this.tickPending = true;
    else this.probe();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Applies a transition decided outside a tick (pod terminating). */
  apply(t: ProbeTransition): void {
    this.state = t.state;
    this.host.onTransition(this, t);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.host.clock.now();
    this.timer = this.host.clock.setTimeout(() => this.tick(), nextTickDelay(this.phase, this.state.timing.periodMs, now));
    // Go's ticker keeps one tick while the worker is busy; it runs as soon as the probe ends.
    if (this.inFlight) this.tickPending = true;
    else this.probe();
  }

  private probe(): void {
    const step = nextStep(this.state, { now: this.host.clock.now(), ...this.host.context() });
    switch (step.do) {
      case 'skip':
        if (step.stop) this.stop();
        return;
      case 'assume-success':
        this.apply(assumeSuccess(this.state));
        return;
      case 'probe':
        this.inFlight = true;
        this.host.run().then(
          (r) => this.finish(r, undefined),
          (err: Error) => this.finish(undefined, err),
        );
    }
  }

  private finish(r: NetworkProbeResult | undefined, err: Error | undefined): void {
    this.inFlight = false;
    if (this.stopped) return;
    if (r) {
      this.host.onOutcome(this, r);
      const t = applyOutcome(this.state, r.result);
      this.state = t.state;
      if (t.changed || t.kill) this.host.onTransition(this, t);
    } else if (err) {
      this.host.onError(this, err);
    }
    if (this.state.onHold) this.stop();
    if (this.tickPending && !this.stopped) {
      this.tickPending = false;
      this.probe();
    }
  }
}
