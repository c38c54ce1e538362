/**
 * @module The prober manager (pkg/kubelet/prober/prober_manager.go): one ProbeWorker per probe of
 * each tracked container instance, results keyed by container id (a restarted container starts
 * from the initial values), Unhealthy/ProbeWarning events and kill requests queued per pod for
 * the pod worker to take.
 */
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { Clock, NetworkProber, NetworkProbeResult } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import { probeTiming, type ProbeTransition } from '../core/probe-state.js';
import { ProbeError, runProbeHandler, type ProbeExec } from './probe-handlers.js';
import { ProbeWorker } from './probe-worker.js';
import type { ProbeEvent, ProbeFailure, ProbeKind, Prober, ProbeTarget } from './prober-types.js';

export interface ProberPorts {
  clock: Clock;
  exec: ProbeExec;
  network: NetworkProber;
  logger: Logger;
  /** For the ticker phase of containers adopted long after their start; Math.random by default. */
  random?: () => number;
}

/** Slack on top of timeoutSeconds before the manager stops waiting for an adapter itself. */
const GUARD_SLACK_MS = 1000;
const KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];
const LABEL: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

interface Tracked {
  target: ProbeTarget;
  workers: Map<ProbeKind, ProbeWorker>;
}

export class ProberManager implements Prober {
  private readonly containers = new Map<string, Tracked>();
  private readonly pods = new Map<string, Set<string>>();
  private readonly terminating = new Set<string>();
  private readonly failures = new Map<string, ProbeFailure[]>();
  private readonly events = new Map<string, ProbeEvent[]>();
  private readonly listeners = new Set<(podUid: string) => void>();
  private readonly random: () => number;

  constructor(private readonly ports: ProberPorts) {
    this.random = ports.random ?? Math.random;
  }

  track(target: ProbeTarget): void {
    if (this.containers.has(target.containerId)) return;
    const podUid = uidOf(target);
    const ids = this.pods.get(podUid) ?? new Set<string>();
    this.pods.set(podUid, ids);
    // A new instance of the same container replaces the old one: its results must not linger.
    for (const id of [...ids]) {
      if (this.containers.get(id)?.target.container.name === target.container.name) this.drop(podUid, id);
    }
    const tracked: Tracked = { target, workers: new Map() };
    this.containers.set(target.containerId, tracked);
    ids.add(target.containerId);
    for (const kind of KINDS) {
      const probe = probeOf(target, kind);
      if (!probe) continue;
      const timing = probeTiming(kind, probe);
      const worker = new ProbeWorker(kind, timing, target.startedAt, {
        clock: this.ports.clock,
        random: this.random,
        context: () => ({ started: this.isStarted(target.containerId), terminating: this.terminating.has(podUid) }),
        run: () => this.run(tracked, kind, probe, timing.timeoutMs),
        onOutcome: (w, r) => this.outcome(tracked, w, r),
        onError: (w, err) => this.errored(tracked, w, err),
        onTransition: (w, t) => this.transition(tracked, w, t),
      });
      tracked.workers.set(kind, worker);
    }
    for (const w of tracked.workers.values()) w.start();
  }

  untrack(podUid: string, keep?: ReadonlySet<string>): void {
    for (const id of [...(this.pods.get(podUid) ?? [])]) if (!keep?.has(id)) this.drop(podUid, id);
    if (keep === undefined) {
      this.pods.delete(podUid);
      this.terminating.delete(podUid);
      this.failures.delete(podUid);
      this.events.delete(podUid);
    }
  }

  isStarted(containerId: string): boolean {
    const w = this.containers.get(containerId)?.workers.get('startup');
    return !w || w.state.result === 'success';
  }

  isReady(containerId: string): boolean {
    if (!this.isStarted(containerId)) return false;
    const w = this.containers.get(containerId)?.workers.get('readiness');
    return !w || w.state.result === 'success';
  }

  onChange(listener: (podUid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  takeFailures(podUid: string): ProbeFailure[] {
    const f = this.failures.get(podUid) ?? [];
    this.failures.delete(podUid);
    return f;
  }

  takeEvents(podUid: string): ProbeEvent[] {
    const e = this.events.get(podUid) ?? [];
    this.events.delete(podUid);
    return e;
  }

  setTerminating(podUid: string): void {
    if (this.terminating.has(podUid)) return;
    this.terminating.add(podUid);
    for (const id of this.pods.get(podUid) ?? []) {
      const tracked = this.containers.get(id);
      // Startup first so that a flip to started reaches readiness; the ticks do the same later.
      for (const kind of ['startup', 'liveness'] as const) {
        const w = tracked?.workers.get(kind);
        if (w && !w.isStopped && !w.state.onHold) w.trigger();
      }
    }
  }

  stop(): void {
    for (const [podUid, ids] of this.pods) for (const id of [...ids]) this.drop(podUid, id);
    this.pods.clear();
    this.listeners.clear();
  }

  /** Number of live probe workers (for tests and metrics). */
  get workerCount(): number {
    let n = 0;
    for (const t of this.containers.values()) for (const w of t.workers.values()) if (!w.isStopped) n++;
    return n;
  }

  private drop(podUid: string, id: string): void {
    const tracked = this.containers.get(id);
    if (tracked) for (const w of tracked.workers.values()) w.stop();
    this.containers.delete(id);
    this.pods.get(podUid)?.delete(id);
  }

  private run(tracked: Tracked, kind: ProbeKind, probe: Probe, timeoutMs: number): Promise<NetworkProbeResult> {
    const { clock } = this.ports;
    return new Promise<NetworkProbeResult>((resolve, reject) => {
      // The adapters enforce the timeout; this guard only keeps a stuck adapter from stalling the worker.
      const guard = clock.setTimeout(() => {
        if (probe.exec) resolve({ result: 'failure', message: `command ${JSON.stringify((probe.exec.command ?? []).join(' '))} timed out` });
        else resolve({ result: 'failure', message: `${kind} probe timed out after ${timeoutMs / 1000}s` });
      }, timeoutMs + GUARD_SLACK_MS);
      let work: Promise<NetworkProbeResult>;
      try {
        work = runProbeHandler(probe, tracked.target, timeoutMs, this.ports);
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (r) => {
          clock.clearTimeout(guard);
          resolve(r);
        },
        (err: unknown) => {
          clock.clearTimeout(guard);
          reject(err instanceof Error ? err : new ProbeError(String(err)));
        },
      );
    });
  }

  private outcome(tracked: Tracked, w: ProbeWorker, r: NetworkProbeResult): void {
    if (r.result === 'success') return;
    const reason = r.result === 'warning' ? 'ProbeWarning' : 'Unhealthy';
    const verb = r.result === 'warning' ? 'warning' : 'failed';
    this.event(tracked, reason, `${LABEL[w.kind]} probe ${verb}: ${r.message}`);
  }

  private errored(tracked: Tracked, w: ProbeWorker, err: Error): void {
    this.ports.logger.debug('probe errored', { containerId: tracked.target.containerId, kind: w.kind, error: err.message });
    this.event(tracked, 'Unhealthy', `${LABEL[w.kind]} probe errored: ${err.message}`);
  }

  private event(tracked: Tracked, reason: ProbeEvent['reason'], message: string): void {
    const podUid = uidOf(tracked.target);
    const list = this.events.get(podUid) ?? [];
    list.push({ podUid, containerName: tracked.target.container.name, type: 'Warning', reason, message });
    this.events.set(podUid, list);
    this.notify(podUid);
  }

  private transition(tracked: Tracked, w: ProbeWorker, t: ProbeTransition): void {
    const podUid = uidOf(tracked.target);
    if (t.kill && w.kind !== 'readiness') {
      const failure: ProbeFailure = { podUid, containerName: tracked.target.container.name, containerId: tracked.target.containerId, kind: w.kind };
      if (t.state.timing.terminationGracePeriodSeconds !== undefined) failure.terminationGracePeriodSeconds = t.state.timing.terminationGracePeriodSeconds;
      const list = this.failures.get(podUid) ?? [];
      list.push(failure);
      this.failures.set(podUid, list);
    }
    // A container that just started has no readiness result yet: probe it now, not a period later.
    if (w.kind === 'startup' && t.state.result === 'success') tracked.workers.get('readiness')?.trigger();
    if (t.changed || t.kill) this.notify(podUid);
  }

  private notify(podUid: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(podUid);
      } catch (err) {
        this.ports.logger.error('prober listener failed', { error: (err as Error).message });
      }
    }
  }
}

function uidOf(target: ProbeTarget): string {
  return target.pod.metadata?.uid ?? '';
}

function probeOf(target: ProbeTarget, kind: ProbeKind): Probe | undefined {
  const c = target.container;
  return kind === 'startup' ? c.startupProbe : kind === 'liveness' ? c.livenessProbe : c.readinessProbe;
}
