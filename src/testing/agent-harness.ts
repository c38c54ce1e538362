/**
 * @module The node agent as the daemon wires it (NodeAgent, PodRuntime, RuntimeState, the real
 * ProberManager and HookRunner), over fakes for every port that touches the host: the runtime,
 * the network, the pod host, the snapshotter, the images, the API. Time is a FakeClock; `settle`
 * lets every pending promise and immediate run, so a test reads as "input, settle, assert".
 */
import type { EventInput } from '../core/events.js';
import { Layout } from '../core/layout.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Pod } from '../core/types.js';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { NodeAgent } from '../agent/node-agent.js';
import { PodRuntime } from '../agent/pod-runtime.js';
import { RuntimeState } from '../agent/runtime-state.js';
import { HookRunner } from '../agent/lifecycle-hooks.js';
import { ProberManager } from '../agent/prober.js';
import type { NetworkProbeResult } from '../core/ports.js';
import { FakeClock } from './fake-clock.js';
import { FakeOciRuntime } from './fake-oci-runtime.js';
import { FakePodNetwork } from './fake-pod-network.js';
import { FakePodHost } from './fake-pod-host.js';
import { FakeSnapshotter } from './fake-snapshotter.js';
import { FakeImageManager } from './fake-image-manager.js';
import { FakeContainerLogs } from './fake-container-logs.js';
import { FakePodApi } from './fake-pod-api.js';

export const IMAGE = 'localhost/busybox:latest';

export interface AgentHarnessOptions {
  logger?: Logger;
  /** The outcome of httpGet/tcpSocket/grpc probes (success when absent). */
  networkProbe?: () => NetworkProbeResult;
}

export class AgentHarness {
  readonly clock = new FakeClock();
  readonly runtime = new FakeOciRuntime(this.clock);
  readonly network = new FakePodNetwork();
  readonly host = new FakePodHost();
  readonly snapshotter = new FakeSnapshotter();
  readonly images = new FakeImageManager();
  readonly api = new FakePodApi(this.clock);
  readonly events: EventInput[] = [];
  readonly configMaps = new Map<string, ConfigMap>();
  readonly secrets = new Map<string, Secret>();
  readonly layout = new Layout({ dataDir: '/fake/data', runDir: '/fake/run', socketPath: '/fake/run/s', podCidr: '10.90.0.0/24', bridge: 'fake0', instance: 'fake', nodeName: 'node' });
  state!: RuntimeState;
  podRuntime!: PodRuntime;
  agent!: NodeAgent;
  private readonly logger: Logger;
  private readonly networkProbe: () => NetworkProbeResult;

  constructor(opts: AgentHarnessOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.networkProbe = opts.networkProbe ?? (() => ({ result: 'success' }) as NetworkProbeResult);
    this.images.add(IMAGE);
    this.build();
  }

  /** A new daemon over the same host and API (the old agent stopped first): what a restart adopts. */
  async restartAgent(): Promise<void> {
    await this.agent.stop();
    this.build();
    await this.start();
    await this.settle();
  }

  private build(): void {
    const logger = this.logger;
    this.state = new RuntimeState(this.runtime, this.network, logger, this.clock);
    const configs = {
      getConfigMap: (ns: string, name: string) => this.configMaps.get(`${ns}/${name}`),
      getSecret: (ns: string, name: string) => this.secrets.get(`${ns}/${name}`),
    };
    this.podRuntime = new PodRuntime({
      layout: this.layout,
      runtime: this.runtime,
      network: this.network,
      snapshotter: this.snapshotter,
      host: this.host,
      images: this.images,
      state: this.state,
      clock: this.clock,
      logger,
      infraRootfs: '/fake/infra',
      hostResolvConf: 'nameserver 192.0.2.53\n',
      configs,
      volumeWriter: { write: async () => true },
      hostIP: '192.0.2.10',
      logs: new FakeContainerLogs(),
    });
    const exec = async (id: string): Promise<{ exitCode: number; output: string }> => ({ exitCode: await this.runtime.exec(id), output: '' });
    const probe = async (): Promise<NetworkProbeResult> => this.networkProbe();
    this.agent = new NodeAgent({
      layout: this.layout,
      pods: this.api,
      state: this.state,
      podRuntime: this.podRuntime,
      clock: this.clock,
      logger,
      nodeName: 'node',
      hostIP: '192.0.2.10',
      exec: async () => 0,
      attach: async () => {},
      events: { record: (e) => void this.events.push(e) },
      hooks: new HookRunner({ clock: this.clock, exec, httpGet: async () => 200 }),
      prober: new ProberManager({ clock: this.clock, exec: (id) => exec(id), network: { httpGet: probe, tcp: probe, grpc: probe }, logger, random: () => 0 }),
      images: this.images,
    });
  }

  start(): Promise<void> {
    return this.agent.start();
  }

  async stop(): Promise<void> {
    await this.agent.stop();
  }

  /** Lets every promise, immediate and watch delivery run until nothing is left to do. */
  async settle(rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Moves the fake clock in steps, settling after each, so work that timers start can finish. */
  async advance(ms: number, step = 100): Promise<void> {
    for (let done = 0; done < ms; done += step) {
      this.clock.advance(Math.min(step, ms - done));
      await this.settle();
    }
  }

  pod(name: string): Pod | undefined {
    return this.api.getPod('default', name);
  }

  /** Event reasons recorded for a pod (optionally one container), in order. */
  reasons(podName: string, container?: string): string[] {
    return this.events
      .filter((e) => e.pod.metadata?.name === podName && (container === undefined || e.container === container))
      .map((e) => e.reason);
  }
}

/** A pod manifest with the harness's image on every container that names none. */
export function fakePod(name: string, spec: Partial<NonNullable<Pod['spec']>>): Pod {
  const withImage = (cs: NonNullable<Pod['spec']>['containers'] | undefined) => cs?.map((c) => ({ image: IMAGE, ...c }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      containers: withImage(spec.containers) ?? [{ name: 'app', image: IMAGE, command: ['run'] }],
      ...(spec.initContainers ? { initContainers: withImage(spec.initContainers) } : {}),
    } as NonNullable<Pod['spec']>,
  };
}
