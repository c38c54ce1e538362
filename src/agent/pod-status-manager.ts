/**
 * @module The kubelet's status manager for one pod: what the last sync decided (waiting reasons,
 * a forced failure, termination messages read once each) plus what the runtime and the prober
 * show, turned into a PodStatus by the pure computePodStatus and written through the
 * PodStatusWriter port only when it differs from the stored one. Writes are conditional on the
 * resourceVersion; a conflict re-reads the pod and tries again.
 */
import type { Pod } from '../core/types.js';
import type { Clock, PodSource, PodStatusWriter } from '../core/ports.js';
import { computePodStatus, type ContainerProbeResults, type WaitingReason } from '../core/pod-status.js';
import { latestInstances, stableJson, type ContainerInstance } from '../core/runtime-view.js';
import { ConflictError } from '../core/errors.js';
import type { RuntimeState } from './runtime-state.js';

export interface PodStatusManagerDeps {
  uid: string;
  pods: Pick<PodSource, 'getPod'> & PodStatusWriter;
  state: RuntimeState;
  clock: Clock;
  hostIP: string;
  probes: ContainerProbeResults;
  /** The termination message of an exited instance ('' when it has none). */
  terminationMessage(pod: Pod, instance: ContainerInstance): Promise<string>;
}

export class PodStatusManager {
  /** Container name → why it is not running, as the last sync found. */
  waiting: ReadonlyMap<string, WaitingReason> = new Map();
  /** A failure the kubelet forces (admission, deadline): the pod ends Failed with it. */
  failure: { reason: string; message: string } | undefined;
  /** Termination messages of exited instances, by container id, each read once. */
  private readonly messages = new Map<string, string>();

  constructor(private readonly d: PodStatusManagerDeps) {}

  /** Reads the termination message of every exited instance not read yet, cut to the pod-wide cap. */
  async collectMessages(pod: Pod): Promise<void> {
    const spec = pod.spec!;
    const cap = Math.floor(12288 / Math.max(1, spec.containers.length + (spec.initContainers ?? []).length));
    for (const { current, previous } of latestInstances(this.d.state.view(this.d.uid)).values()) {
      for (const inst of [current, previous]) {
        if (!inst || inst.state !== 'exited' || this.messages.has(inst.id)) continue;
        const message = await this.d.terminationMessage(pod, inst).catch(() => '');
        this.messages.set(inst.id, Buffer.from(message).subarray(0, cap).toString('utf8'));
      }
    }
  }

  /**
   * Computes the status of the stored pod and writes it when it changed. Returns the stored pod
   * afterwards, or undefined when the API no longer has this pod (by UID).
   */
  write(name: { namespace: string; name: string }, opts: { terminating: boolean; hookPending: ReadonlySet<string> }): Pod | undefined {
    const { pods, state, clock } = this.d;
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = pods.getPod(name.namespace, name.name);
      if (!stored || stored.metadata?.uid !== this.d.uid) return undefined;
      const status = computePodStatus({
        pod: stored,
        view: state.view(this.d.uid),
        now: clock.now(),
        waiting: this.waiting,
        hostIP: this.d.hostIP,
        terminating: opts.terminating,
        probes: this.d.probes,
        hookPending: opts.hookPending,
        messages: this.messages,
        ...(this.failure ? { failure: this.failure } : {}),
      });
      if (stableJson(status) === stableJson(stored.status)) return stored;
      try {
        return pods.updatePodStatus({ ...stored, status });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return pods.getPod(name.namespace, name.name);
  }
}
