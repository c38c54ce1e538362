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
import { onLauncherFallback } from '../adapters/process/launcher.js';
import { prepareUnixSocket, restrictUnixSocket } from '../adapters/system/unix-socket.js';
import { LocalImageStore } from '../images/image-store.js';
import { ImageFiles } from '../adapters/content/image-files.js';
import { createApiServer } from '../api/server.js';
import { LocalObjectClient } from '../api/registry/local-object-client.js';
import { ControllerManager } from '../controllers/controller-manager.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { DeploymentController } from '../controllers/deployment-controller.js';
import { DaemonSetController } from '../controllers/daemon-set-controller.js';
import { JobController } from '../controllers/job-controller.js';
import { CronJobController } from '../controllers/cron-job-controller.js';
import { TtlAfterFinishedController } from '../controllers/ttl-after-finished-controller.js';
import { ResourceQuotaController } from '../controllers/resource-quota-controller.js';
import { LOCAL_PATH_STORAGE_CLASS, PersistentVolumeController } from '../controllers/persistent-volume-controller.js';
import { StatefulSetController } from '../controllers/stateful-set-controller.js';
import { LocalVolumeDirs } from '../adapters/system/local-volume-storage.js';
import { ClaimWatcher } from '../agent/claim-watcher.js';
import { STORAGE_CLASSES } from '../core/controllers/resource-types.js';
import { Scheduler } from '../controllers/scheduler.js';
import { PodGarbageCollector } from '../controllers/pod-gc.js';
import { TaintEvictionController } from '../controllers/taint-eviction-controller.js';
import { ControllerEventRecorder } from '../controllers/event-recorder.js';
import { REPLICA_SET_KIND, REPLICATION_CONTROLLER_KIND, ReplicaSetController } from '../controllers/replica-set-controller.js';
import { EndpointsController } from '../controllers/endpoints-controller.js';
import { ServiceAccountController } from '../controllers/service-account-controller.js';
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
import { ServiceUnavailableError } from '../core/errors.js';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CIDR, parseNodeFlags, SERVE_USAGE, UsageError, type ListenAddress, type ServiceFlags } from './config.js';
import { startHttpsApi, type HttpsApi } from './https-api.js';
import { setUpServiceNetwork } from './service-network-setup.js';
import { readHostResolvConf } from '../adapters/dns/host-resolvers.js';
import { ensureApiCredentials, ensureServiceAccountKey } from '../adapters/tls/api-credentials.js';
import { ensureBuiltinServices } from '../api/builtin-services.js';
import { ServiceAccountTokenIssuer } from '../api/service-account-tokens.js';
import { hasTokenSource, ServiceAccountTokenManager } from '../agent/token-manager.js';
import { DEFAULT_NODE_PORT_RANGE, nthServiceAddress } from '../core/service-allocation.js';
import { IMAGE_GC_FLAGS, imageGCPolicyFromFlags, parseDuration } from './image-gc-flags.js';
import { AGENT_PERIOD_FLAGS, agentPeriodsFromFlags, type AgentPeriods } from './agent-period-flags.js';
import { NODE_RESOURCE_FLAGS, nodeResourcesFromFlags, type NodeResourceFlags } from './node-flags.js';
import { nodeCapacity } from '../core/admission.js';
import { PodCgroupFiles, hasSwapAccounting } from '../adapters/system/pod-cgroup.js';
import { CgroupRoot, readCgroupHost } from '../adapters/system/cgroup-root.js';
import { ownCgroup, showUnit, systemdBooted } from '../adapters/system/systemd-units.js';
import { CHECKED_PROPERTIES, parseShow, serviceOfCgroup, serviceUnitProblems } from '../core/service-unit.js';
import { machineResources, observeNode, oomScoreAdjFloor as readOomScoreAdjFloor, readNodeInfo, runtimeVersion } from '../adapters/system/node-info.js';
import { NodeStatusReporter } from '../agent/node-status-reporter.js';
import { StaticPodManager } from '../agent/static-pod-manager.js';
import { ManifestDir } from '../adapters/system/manifest-dir.js';
import { createHash } from 'node:crypto';
import { StatsProvider } from '../agent/stats-provider.js';
import { CgroupFsStats } from '../adapters/system/cgroup-stats.js';
import { ProcFsReader } from '../adapters/system/proc-reader.js';
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
  let periods: AgentPeriods;
  try {
    parsed = parseNodeFlags(argv, { ...IMAGE_GC_FLAGS, ...NODE_RESOURCE_FLAGS, 'event-ttl': { type: 'string' }, ...AGENT_PERIOD_FLAGS });
    imageGC = imageGCPolicyFromFlags(parsed.values);
    nodeResources = nodeResourcesFromFlags(parsed.values);
    const ttl = parsed.values['event-ttl'];
    eventTtlMs = ttl === undefined ? DEFAULT_EVENT_TTL_MS : parseDuration(String(ttl), 'event-ttl');
    periods = agentPeriodsFromFlags(parsed.values);
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
  onLauncherFallback((why) => logger.warn('commands are spawned by node itself, which blocks the daemon for each one', { why }));
  // A bug in one pod's sync must not take every pod's supervisor down: log it loudly, keep serving.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (a bug)', { err: reason instanceof Error ? reason.stack : String(reason) }));
  const daemon = await startDaemon(new Layout(parsed.config), logger, { listen: parsed.listen, imageGC, nodeResources, eventTtlMs, manifestsDir: parsed.manifestsDir, periods, services: parsed.services }).catch((err: unknown) => {
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
  flagLayout: Layout,
  logger: Logger,
  opts: { listen?: ListenAddress; imageGC?: ImageGCPolicy; nodeResources?: NodeResourceFlags; eventTtlMs?: number; manifestsDir?: string; periods?: AgentPeriods; services?: ServiceFlags } = {},
): Promise<RunningDaemon> {
  const started = Date.now();
  // Where the instance's cgroups go follows from what the host mounts (core/cgroup-mode.ts).
  const cgroupHost = await readCgroupHost(flagLayout.config.instance);
  const layout = flagLayout.withCgroupRoot(cgroupHost.plan.root);
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
  const nodeApi = new LocalStoreNodeApi(store, systemClock);
  const infraRootfs = await ensureInfraRootfs(layout);
  const cgroups = new CgroupRoot(cgroupHost);
  const cgroupsV2 = cgroupHost.plan.version === 'v2' && cgroupHost.v2 !== undefined;
  await cgroups.ready().then(
    () => logger.info('cgroups', { version: cgroupHost.plan.version, root: cgroups.root, ...(cgroupHost.plan.driver === 'systemd' ? { delegatedBy: `systemd (${cgroupHost.plan.unit})` } : {}) }),
    (err: unknown) => logger.error('cgroups unusable: no pod can start until this is fixed', { err: (err as Error).message }),
  );
  await checkServiceUnit(logger);
  // A missing runtime leaves the daemon up (the API answers, pods say why they cannot start).
  const oci = await detectOciRuntime(layout, { infraRootfs, cgroupsReady: () => cgroups.ready(), note: (message) => logger.warn(message) }).catch((err: unknown) => {
    logger.error('no OCI runtime: no container can start until one is installed', { err: (err as Error).message });
    return { name: 'runc' as const, path: '/usr/sbin/runc', unavailable: (err as Error).message };
  });
  const runtime = new RuncRuntime({
    layout,
    runtimePath: oci.path,
    ...(cgroupsV2 ? { cgroupV2Mount: cgroupHost.v2! } : {}),
    ...('unavailable' in oci ? { unavailable: oci.unavailable } : {}),
  });
  const network = new CniNetwork({ layout });
  const serviceFlags = opts.services ?? { serviceCidr: DEFAULT_SERVICE_CIDR, clusterDomain: DEFAULT_CLUSTER_DOMAIN };
  // Services and cluster DNS (kube-proxy's and CoreDNS's job); the kubelet part needs their addresses.
  const serviceNet = await setUpServiceNetwork(layout, network, store, serviceFlags, logger);
  // Service account tokens (TokenRequest, the pods' projected tokens) are signed with this key.
  const saKey = ensureServiceAccountKey(`${layout.dataDir}/pki`);
  const tokenIssuer = new ServiceAccountTokenIssuer(store, systemClock, saKey.privateKey, saKey.publicKey);
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
  // The kubelet's token manager: pods' projected service account tokens, through TokenRequest.
  const tokens: ServiceAccountTokenManager = new ServiceAccountTokenManager({
    source: {
      requestToken: async (pod, audience, expirationSeconds) =>
        tokenIssuer.issue(pod.metadata!.namespace!, pod.spec?.serviceAccountName || 'default', {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        }),
    },
    clock: systemClock,
    logger,
    refreshVolumes: async (uid) => {
      const pod = nodeApi.listPods().items.find((p) => p.metadata?.uid === uid);
      if (!pod) tokens.forget(uid);
      else await podRuntime.refreshConfigVolumes(pod, false, hasTokenSource);
    },
  });
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
    dns: serviceNet.kubelet,
    tokens,
    services: nodeApi,
    imagePulls,
    configs: nodeApi,
    claims: nodeApi,
    volumeWriter: new AtomicWriter(),
    allocatable: nodeAllocatable(layout.dataDir),
    resources: { memoryCapacityBytes: capacity.capacity.memoryBytes, swapAccounting: await hasSwapAccounting(), podCgroups: new PodCgroupFiles(cgroups), oomScoreAdjFloor, cgroupV2: cgroupsV2 },
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
    images,
    ...opts.periods,
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
  // Static pods: run from their files whether or not any client connects.
  const staticPods = opts.manifestsDir
    ? new StaticPodManager({
        manifests: new ManifestDir(opts.manifestsDir),
        pods: nodeApi,
        mirrors: nodeApi,
        events,
        clock: systemClock,
        logger,
        nodeName: config.nodeName,
        nodeUid: () => nodeApi.getNode(config.nodeName)?.metadata?.uid,
        hash: (text) => createHash('md5').update(text).digest('hex'),
      })
    : undefined;
  staticPods?.start();
  const configWatcher = new ConfigWatcher({ configs: nodeApi, pods: nodeApi, podRuntime, nodeName: config.nodeName, logger, onReferenced: (uid) => agent.configChanged(uid) });
  configWatcher.start();
  const claimWatcher = new ClaimWatcher({ claims: nodeApi, pods: nodeApi, nodeName: config.nodeName, onReferenced: (uid) => agent.configChanged(uid) });
  claimWatcher.start();
  tokens.start();
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
  let https: HttpsApi | undefined;
  const stats = new StatsProvider({
    layout,
    state,
    cgroups: new CgroupFsStats(),
    processes: new ProcFsReader(),
    clock: systemClock,
    nodeName: config.nodeName,
    nodeStartTime: started,
    memoryCapacityBytes: capacity.capacity.memoryBytes,
  });
  const api = createApiServer({
    store,
    images,
    runtime: agent,
    logs: new CriLogReader(),
    stats,
    dashboardLogins: () => {
      if (!https) throw new ServiceUnavailableError('the dashboard needs the HTTPS API (serve --listen)');
      return https.mintDashboardLogin();
    },
    nodeName: config.nodeName,
    clock: systemClock,
    logger,
    services: { serviceCidr: serviceFlags.serviceCidr, nodePortRange: DEFAULT_NODE_PORT_RANGE },
    tokens: tokenIssuer,
  });
  await prepareUnixSocket(config.socketPath);
  await api.listen(config.socketPath);
  restrictUnixSocket(config.socketPath);
  const podApi = { host: serviceNet.gateway, serviceIP: nthServiceAddress(serviceFlags.serviceCidr, 1), clusterDomain: serviceFlags.clusterDomain };
  https = opts.listen ? await startHttpsApi(layout.dataDir, opts.listen, api, logger, { store, clock: systemClock, serviceAccountKey: saKey.publicKey }, podApi) : undefined;
  ensureBuiltinServices(api.objects, api.registry, logger, {
    serviceCidr: serviceFlags.serviceCidr,
    ...(https?.podListener ? { api: { ip: serviceNet.gateway, port: https.podListener.port } } : {}),
    ...(serviceNet.dns ? { dns: serviceNet.dns } : {}),
  });
  serviceNet.start();
  // kube-controller-manager's part: the controllers reach the API through the ObjectClient port.
  const objectClient = new LocalObjectClient(api.objects, api.registry, systemClock);
  const recorder = (component: string) => new ControllerEventRecorder(objectClient, systemClock, component, logger);
  const controllers = new ControllerManager(objectClient, systemClock, logger);
  controllers.add(new GarbageCollector(logger));
  controllers.add(new DeploymentController(recorder('deployment-controller')));
  controllers.add(new ReplicaSetController(REPLICA_SET_KIND, recorder('replicaset-controller')));
  controllers.add(new ReplicaSetController(REPLICATION_CONTROLLER_KIND, recorder('replication-controller')));
  controllers.add(new DaemonSetController(recorder('daemonset-controller')));
  controllers.add(new JobController(recorder('job-controller')));
  controllers.add(new CronJobController(recorder('cronjob-controller')));
  controllers.add(new TtlAfterFinishedController());
  controllers.add(new ResourceQuotaController());
  controllers.add(new StatefulSetController(recorder('statefulset-controller')));
  controllers.add(new PersistentVolumeController(recorder('persistentvolume-controller'), new LocalVolumeDirs(`${layout.dataDir}/storage`), config.nodeName));
  // The default StorageClass (k3s' local-path), made at start when missing, as k3s does.
  if (!(await objectClient.get(STORAGE_CLASSES, undefined, LOCAL_PATH_STORAGE_CLASS.metadata!.name!))) {
    await objectClient.create(STORAGE_CLASSES, LOCAL_PATH_STORAGE_CLASS).catch((err: unknown) => logger.warn('default StorageClass not made', { err: (err as Error).message }));
  }
  controllers.add(new Scheduler(recorder('default-scheduler')));
  controllers.add(new PodGarbageCollector(logger));
  controllers.add(new TaintEvictionController(recorder('taint-eviction-controller')));
  controllers.add(new EndpointsController(logger));
  // kube-root-ca.crt holds the API's CA even when HTTPS is off: pods' token volumes project it.
  const caPem = https?.caPem ?? (await ensureApiCredentials(`${layout.dataDir}/pki`, [hostname()])).caPem;
  controllers.add(new ServiceAccountController(logger, caPem));
  await controllers.start();
  logger.info('peapod serving', {
    socket: config.socketPath,
    runtime: oci.name,
    cgroups: `${cgroupHost.plan.version} ${cgroups.root}`,
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
        await controllers.stop();
        await serviceNet.close();
        await logManager.stop();
        imageGC.stop();
        eventExpiry.stop();
        configWatcher.stop();
        claimWatcher.close();
        staticPods?.stop();
        tokens.stop();
        nodeStatus.stop();
        await agent.stop();
        store.close();
        rmSync(pidFile, { force: true });
      })()),
  };
}

/** Run by systemd as a service: the settings the unit must keep (core/service-unit.ts), each wrong one logged. */
async function checkServiceUnit(logger: Logger): Promise<void> {
  if (!systemdBooted()) return;
  const unit = serviceOfCgroup(await ownCgroup());
  if (!unit) return;
  try {
    for (const problem of serviceUnitProblems(unit, parseShow(await showUnit(unit, CHECKED_PROPERTIES)))) logger.error('service unit', { problem });
  } catch (err) {
    logger.warn('cannot check the service unit', { unit, err: (err as Error).message });
  }
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
