/**
 * @module The kubelet's kill sequence for a pod or one container (kuberuntime_container.go
 * killContainer, kuberuntime_termination_order.go): every preStop starts at once; app
 * containers get their stop signal after their own preStop, in parallel; sidecars (and other
 * init containers still running) only after every app container exited, one at a time in
 * reverse spec order; then the sandbox goes. All of it bounded by one deadline that a second,
 * shorter delete can pull in.
 */
import type { Clock } from '../core/ports.js';
import type { Container, Pod } from '../core/types.js';
import { latestInstances, type ContainerInstance, type PodRuntimeView } from '../core/runtime-view.js';
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

  /** `pod` undefined: the pod is gone from the store; no hooks, no events, everything goes. */
  async killPod(pod: Pod | undefined, view: PodRuntimeView, deadline: () => number): Promise<void> {
    const { podRuntime } = this.d;
    const alive = (c: ContainerInstance): boolean => c.state === 'running' || c.state === 'created';
    const shared = pod ? sharePid(pod) : true;
    const current = [...latestInstances(view).values()].map((l) => l.current).filter(alive);
    const leftovers = view.containers.filter((c) => alive(c) && !current.includes(c));
    const preStops = new Map(current.map((c) => [c.id, pod ? this.runPreStop(pod, c, deadline) : Promise.resolve()]));
    const stop = async (c: ContainerInstance): Promise<void> => {
      await preStops.get(c.id);
      if (pod) this.d.event(pod, c.name, 'Normal', 'Killing', `Stopping container ${c.name}`);
      await podRuntime.killContainer(c, deadline, shared);
    };
    await Promise.all([...current.filter((c) => c.type === 'app').map(stop), ...leftovers.map((c) => podRuntime.killContainer(c, deadline, shared))]);
    const order = (pod?.spec?.initContainers ?? []).map((c) => c.name).reverse();
    const inits = current.filter((c) => c.type === 'init').sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    for (const c of inits) await stop(c);
    for (const s of view.sandboxes) await podRuntime.stopSandbox(s.id);
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
