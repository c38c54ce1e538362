/**
 * @module `peapod serve`: the composition root. Parses flags, wires the adapters into the node
 * agent and the API server, adopts what already runs, and shuts down cleanly on SIGTERM/SIGINT
 * leaving every pod running.
 */
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { RuncRuntime, detectOciRuntime } from '../adapters/runc/runc-runtime.js';
import { CriLogReader } from '../adapters/conmon/cri-log-reader.js';
import { FileLogRotator } from '../adapters/conmon/log-rotation.js';
import { CniNetwork } from '../adapters/cni/cni-network.js';
import { OverlaySnapshotter } from '../adapters/rootfs/overlay-snapshotter.js';
import { HostPodHost } from '../adapters/system/pod-host.js';
import { AtomicWriter } from '../adapters/system/atomic-writer.js';
import { ensureInfraRootfs } from '../adapters/system/infra-rootfs.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { prepareUnixSocket, restrictUnixSocket } from '../adapters/system/unix-socket.js';
import { LocalImageStore } from '../images/image-store.js';
import { ImageFiles } from '../adapters/content/image-files.js';
import { createApiServer } from '../api/server.js';
import { RuntimeState } from '../agent/runtime-state.js';
import { PodRuntime } from '../agent/pod-runtime.js';
import { ContainerStartError } from '../agent/container-start-error.js';
import { ImagePullManager } from '../agent/image-pull-manager.js';
import { EventExpiry } from '../agent/event-expiry.js';
import { Registries } from '../adapters/registry/registries.js';
import { NodeAgent } from '../agent/node-agent.js';
import { LocalStoreNodeApi } from '../agent/local-store-node-api.js';
import { ConfigWatcher } from '../agent/config-watcher.js';
import { EventRecorder } from '../agent/event-recorder.js';
import { HookRunner } from '../agent/lifecycle-hooks.js';
import { ProberManager } from '../agent/prober.js';
import { NetProber } from '../adapters/prober/net-prober.js';
import { httpGetStatus } from '../adapters/system/http-get.js';
import { Writable } from 'node:stream';
import type { OciRuntime, PodSource } from '../core/ports.js';
import { ContainerLogManager } from '../agent/log-manager.js';
import { createLogger } from './logger.js';
import { parseNodeFlags, SERVE_USAGE, UsageError, type ListenAddress } from './config.js';
import { startHttpsApi } from './https-api.js';
import { IMAGE_GC_FLAGS, imageGCPolicyFromFlags, parseDuration } from './image-gc-flags.js';
import { NODE_RESOURCE_FLAGS, nodeResourcesFromFlags, type NodeResourceFlags } from './node-flags.js';
import { nodeCapacity } from '../core/admission.js';
import { PodCgroupFiles, hasSwapAccounting } from '../adapters/system/pod-cgroup.js';
import { machineResources, observeNode, oomScoreAdjFloor as readOomScoreAdjFloor, readNodeInfo, runtimeVersion } from '../adapters/system/node-info.js';
import { NodeStatusReporter } from '../agent/node-status-reporter.js';
import { ImageGCManager } from '../agent/image-gc-manager.js';
import { filesystemUsage } from '../adapters/system/filesystem-usage.js';
import { Annotations } from '../core/annotations.js';
import { DEFAULT_IMAGE_GC_POLICY, type ImageGCPolicy } from '../core/image-gc.js';
import { DEFAULT_EVENT_TTL_MS } from '../core/events.js';

export async function runDaemon(argv: string[]): Promise<number> {
  let parsed;
  let imageGC: ImageGCPolicy;
  let nodeResources: NodeResourceFlags;
  let eventTtlMs: number;
  try {
    parsed = parseNodeFlags(argv, { ...IMAGE_GC_FLAGS, ...NODE_RESOURCE_FLAGS, 'event-ttl': { type: 'string' } });
    imageGC = imageGCPolicyFromFlags(parsed.values);
    nodeResources = nodeResourcesFromFlags(parsed.values);
    const ttl = parsed.values['event-ttl'];
    eventTtlMs = ttl === undefined ? DEFAULT_EVENT_TTL_MS : parseDuration(String(ttl), 'event-ttl');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`peapod serve: ${err.message}\n\n${SERVE_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('peapod serve: must run as root (it creates namespaces, mounts and cgroups)\n');
    return 1;
  }
  const logger = createLogger(parsed.logLevel);
  // A bug in one pod's sync must not take every pod's supervisor down: log it loudly, keep serving.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (a bug)', { err: reason instanceof Error ? reason.stack : String(reason) }));
  const daemon = await startDaemon(new Layout(parsed.config), logger, { listen: parsed.listen, imageGC, nodeResources, eventTtlMs }).catch((err: unknown) => {
    logger.error('start failed', { err: err instanceof Error ? err.message : String(err) });
    return undefined;
  });
  if (!daemon) return 1;
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info('shutting down; pods keep running', { signal });
      void daemon.close().then(() => resolve(0));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

export interface RunningDaemon {
  close(): Promise<void>;
}

export async function startDaemon(
  layout: Layout,
  logger: Logger,
  opts: { listen?: ListenAddress; imageGC?: ImageGCPolicy; nodeResources?: NodeResourceFlags; eventTtlMs?: number } = {},
): Promise<RunningDaemon> {
  const started = Date.now();
  const config = layout.config;
  for (const dir of [layout.dataDir, layout.runDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pidFile = `${layout.runDir}/peapod.pid`;
  const other = runningDaemonPid(pidFile);
  if (other !== undefined) throw new Error(`another peapod daemon (pid ${other}) uses ${layout.runDir}; stop it first`);
  writeFileSync(pidFile, `${process.pid}\n`);

  const store = new SqliteStore(layout.dbPath, {
    onListenerError: (err) => logger.error('watch listener failed', { err: String(err) }),
  });
  // The agent reaches the API only through these ports (DESIGN.md §3); here they are the local store.
  const nodeApi = new LocalStoreNodeApi(store);
  const infraRootfs = await ensureInfraRootfs(layout);
  const oci = await detectOciRuntime(layout, infraRootfs);
  const runtime = new RuncRuntime({ layout, runtimePath: oci.path });
  const network = new CniNetwork({ layout });
  const snapshotter = new OverlaySnapshotter({ layout });
  const host = new HostPodHost({ layout });
  const state = new RuntimeState(runtime, network, logger, systemClock);
  // registries.json: per-registry insecure / CA / mirrors and credentials (README "Registries")
  const registries = new Registries(`${layout.dataDir}/registries.json`);
  const images = new LocalImageStore({ storage: new ImageFiles(layout.imagesDir), inUse: (imageId) => state.usesImage(imageId), registry: registries });
  const events = new EventRecorder(nodeApi, systemClock, config.nodeName, logger);
  const imagePulls = new ImagePullManager(
    {
      images,
      pull: (ref, o) => images.pull(ref, o),
      getSecret: (ns, name) => {
        try {
          return nodeApi.getSecret(ns, name);
        } catch {
          return undefined;
        }
      },
      events,
      clock: systemClock,
      logger,
    },
    ContainerStartError,
  );
  const hostIP = primaryHostIP(config.bridge);
  const capacity = nodeCapacity(machineResources(), opts.nodeResources?.systemReserved, opts.nodeResources?.maxPods);
  const oomScoreAdjFloor = await readOomScoreAdjFloor();
  if (oomScoreAdjFloor !== undefined) logger.warn('no CAP_SYS_RESOURCE: container oom_score_adj is kept at or above the daemon\'s own', { floor: oomScoreAdjFloor });
  const podRuntime = new PodRuntime({
    layout,
    runtime,
    network,
    snapshotter,
    host,
    images,
    state,
    clock: systemClock,
    logger,
    infraRootfs,
    hostResolvConf: readHostResolvConf(),
    imagePulls,
    configs: nodeApi,
    volumeWriter: new AtomicWriter(),
    allocatable: nodeAllocatable(layout.dataDir),
    resources: { memoryCapacityBytes: capacity.capacity.memoryBytes, swapAccounting: await hasSwapAccounting(), podCgroups: new PodCgroupFiles(), oomScoreAdjFloor },
    hostIP,
    logs: new CriLogReader(),
  });
  const agent = new NodeAgent({
    layout,
    pods: nodeApi,
    state,
    podRuntime,
    clock: systemClock,
    logger,
    nodeName: config.nodeName,
    hostIP,
    exec: (id, req, io) => runtime.exec(id, req, io),
    attach: (id, io) => runtime.attach(id, io),
    events,
    hooks: new HookRunner({ clock: systemClock, exec: (id, argv, timeoutMs) => execCapture(runtime, id, argv, timeoutMs), httpGet: httpGetStatus }),
    prober: new ProberManager({ clock: systemClock, exec: (id, argv, ms) => execCapture(runtime, id, argv, ms), network: new NetProber(), logger }),
    allocatable: capacity.allocatable,
  });
  const nodeStatus = new NodeStatusReporter({
    nodes: nodeApi,
    clock: systemClock,
    logger,
    capacity,
    identity: {
      name: config.nodeName,
      hostIP,
      hostname: hostname(),
      kubeletVersion: 'v1.32.0-peapod',
      nodeInfo: { ...(await readNodeInfo()), containerRuntimeVersion: await runtimeVersion(oci.name, oci.path) },
    },
    observe: () => observeNode(layout.dataDir),
  });
  await nodeStatus.start();
  await agent.start();
  const configWatcher = new ConfigWatcher({ configs: nodeApi, pods: nodeApi, podRuntime, nodeName: config.nodeName, logger, onReferenced: (uid) => agent.triggerPod(uid) });
  configWatcher.start();
  const logManager = new ContainerLogManager({ state, runtime, rotator: new FileLogRotator(), layout, clock: systemClock, logger });
  logManager.start();
  const imageGC = new ImageGCManager({
    images,
    filesystemUsage: () => filesystemUsage(layout.imagesDir),
    imageRefsInUse: () => imageRefsInUse(state, nodeApi),
    clock: systemClock,
    logger,
    policy: opts.imageGC ?? DEFAULT_IMAGE_GC_POLICY,
  });
  imageGC.start();
  const eventExpiry = new EventExpiry({ events: nodeApi, clock: systemClock, logger, ttlMs: opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS });
  eventExpiry.start();
  const api = createApiServer({
    store,
    images,
    runtime: agent,
    logs: new CriLogReader(),
    nodeName: config.nodeName,
    clock: systemClock,
    logger,
  });
  await prepareUnixSocket(config.socketPath);
  await api.listen(config.socketPath);
  restrictUnixSocket(config.socketPath);
  const https = opts.listen ? await startHttpsApi(layout.dataDir, opts.listen, api, logger) : undefined;
  logger.info('peapod serving', {
    socket: config.socketPath,
    runtime: oci.name,
    node: config.nodeName,
    pods: agent.podCount,
    startupMs: Date.now() - started,
  });

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        await https?.close();
        await api.close();
        await logManager.stop();
        imageGC.stop();
        eventExpiry.stop();
        configWatcher.stop();
        nodeStatus.stop();
        await agent.stop();
        store.close();
        rmSync(pidFile, { force: true });
      })()),
  };
}

function runningDaemonPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /peapod|node/.test(cmdline) && /serve/.test(cmdline) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** The node's address: the first non-internal IPv4 address that is not on our own bridge. */
function primaryHostIP(bridge: string): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === bridge || name.startsWith('veth')) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Runs argv in a container and collects what it printed (for hooks and exec probes), at most 64 KiB. */
async function execCapture(runtime: OciRuntime, id: string, argv: string[], timeoutMs?: number): Promise<{ exitCode: number; output: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < 64 * 1024) chunks.push(Buffer.from(chunk));
      size += chunk.length;
      cb();
    },
  });
  const exitCode = await runtime.exec(id, { args: argv, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, { stdout: sink, stderr: sink });
  return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
}

/** The machine's capacity (reserves come with admission): what a missing limit reports to the downward API. */
function nodeAllocatable(dataDir: string): { cpuMillis: number; memoryBytes: number; ephemeralStorageBytes: number } {
  let ephemeralStorageBytes = 0;
  try {
    const fs = statfsSync(dataDir);
    ephemeralStorageBytes = fs.blocks * fs.bsize;
  } catch {
    // Unknown: reported as 0.
  }
  return { cpuMillis: cpus().length * 1000, memoryBytes: totalmem(), ephemeralStorageBytes };
}

/** What image GC must keep: images of containers in the runtime (running or kept) and of every pod the node knows. */
function imageRefsInUse(state: RuntimeState, pods: PodSource): string[] {
  const refs: string[] = [];
  for (const uid of state.podUids()) {
    for (const c of state.podContainers(uid)) refs.push(c.annotations[Annotations.imageId] ?? '', c.annotations[Annotations.image] ?? '');
  }
  for (const pod of pods.listPods().items) {
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]) if (c.image) refs.push(c.image);
  }
  return refs;
}
