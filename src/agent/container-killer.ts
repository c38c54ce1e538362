/**
 * @module Executes a TerminationPlan (core/pod-termination.ts) for a pod, or stops one container,
 * as the kubelet's killPodWithSyncResult and killContainer do: preStop hooks bounded by the
 * grace, the stop signal, SIGKILL at one deadline that a second, shorter delete can pull in
 * (`deadline` is re-read), then the sandboxes.
 */
import type { Clock } from '../core/ports.js';
import type { Container, Pod } from '../core/types.js';
import type { ContainerInstance } from '../core/runtime-view.js';
import type { TerminationPlan } from '../core/pod-termination.js';
import type { HookRunner } from './lifecycle-hooks.js';
import type { PodRuntime } from './pod-runtime.js';

export interface ContainerKillerDeps {
  podRuntime: PodRuntime;
  hooks: HookRunner;
  clock: Clock;
  podIP(): string | undefined;
  event(pod: Pod, container: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export class ContainerKiller {
  constructor(private readonly d: ContainerKillerDeps) {}

  /** `pod` undefined: the pod is gone from the API; no hooks, no events (the plan has none either). */
  async execute(pod: Pod | undefined, plan: TerminationPlan, deadline: () => number): Promise<void> {
    const { podRuntime } = this.d;
    const shared = pod ? sharePid(pod) : true;
    const preStops = new Map(plan.preStop.map((c) => [c.id, pod ? this.runPreStop(pod, c, deadline) : undefined]));
    const stop = async (c: ContainerInstance): Promise<void> => {
      await preStops.get(c.id);
      if (pod) this.d.event(pod, c.name, 'Normal', 'Killing', `Stopping container ${c.name}`);
      await podRuntime.killContainer(c, deadline, shared);
    };
    await Promise.all([...plan.parallel.map(stop), ...plan.leftovers.map((c) => podRuntime.killContainer(c, deadline, shared))]);
    for (const c of plan.sequential) await stop(c);
    await Promise.all(plan.sandboxes.map((id) => podRuntime.stopSandbox(id)));
  }

  /** preStop (bounded by the grace), then the stop signal and SIGKILL at the deadline. */
  async stopContainer(pod: Pod, instance: ContainerInstance, deadline: () => number): Promise<void> {
    await this.runPreStop(pod, instance, deadline);
    await this.d.podRuntime.killContainer(instance, deadline, sharePid(pod));
  }

  private async runPreStop(pod: Pod, instance: ContainerInstance, deadline: () => number): Promise<void> {
    const container = containerSpec(pod, instance.name);
    const hook = container?.lifecycle?.preStop;
    const budget = deadline() - this.d.clock.now();
    if (!container || !hook || budget <= 0 || instance.state !== 'running') return;
    const result = await this.d.hooks.run(container, instance.id, hook, this.d.podIP(), budget);
    if (!result.ok) this.d.event(pod, instance.name, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${result.message}`);
  }
}

export function containerSpec(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
}

export function sharePid(pod: Pod): boolean {
  return pod.spec?.shareProcessNamespace === true;
}
