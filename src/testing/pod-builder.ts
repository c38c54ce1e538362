/** @module Builders for pods and runtime views in unit tests. */
import type { Container, Pod } from '../core/types.js';
import { containerHash, type ContainerInstance, type PodRuntimeView, type SandboxInstance } from '../core/runtime-view.js';

export function makePod(spec: Partial<Pod['spec']> & { containers?: Container[] } = {}, name = 'p'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: 'uid-1' },
    spec: { containers: [{ name: 'app', image: 'localhost/busybox:latest' }], ...spec } as Pod['spec'],
  };
}

let seq = 0;
export function instance(pod: Pod, name: string, over: Partial<ContainerInstance> = {}): ContainerInstance {
  const all = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
  const c = all.find((x) => x.name === name)!;
  const type = (pod.spec!.initContainers ?? []).some((x) => x.name === name) ? 'init' : 'app';
  seq++;
  return {
    id: `c${seq}`,
    name,
    type,
    restartCount: 0,
    state: 'running',
    createdAt: 1000 + seq,
    startedAt: 1000 + seq,
    hash: containerHash(c),
    image: c.image ?? '',
    imageId: 'sha256:abc',
    sandboxId: 's1',
    ...over,
  };
}

export function readySandbox(over: Partial<SandboxInstance> = {}): SandboxInstance {
  return { id: 's1', ready: true, createdAt: 1000, ip: '10.90.0.2', ...over };
}

export function view(containers: ContainerInstance[], sandboxes: SandboxInstance[] = [readySandbox()]): PodRuntimeView {
  return { sandboxes, containers };
}
