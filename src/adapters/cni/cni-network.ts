/**
 * @module The pod network: a pinned netns per sandbox, its `lo` brought up, plus the CNI chain
 * (bridge with host-local; portmap for pods with port mappings), run in-process the way libcni
 * does. Everything is derived from the Layout, so two daemons with different flags never touch
 * each other's pods. The ADD result, the runtimeConfig and the plugins run are cached per sandbox
 * so DEL can replay them (runtime-pipeline.md P1, P2).
 *
 * A host FORWARD policy of DROP (Docker sets it) and the masquerading of pod egress are handled by
 * rules of the network, not of each pod: a FORWARD chain accepting the pod CIDR and a nat chain
 * masquerading it, plus the jumps to them (cni-network-rules.ts), checked alongside every setUp
 * and removed at reset. Sandboxes set up by an earlier peapod ran the firewall plugin and the
 * bridge plugin's ipMasq instead; their state lacks `plugins` (and `forward`), and their DEL runs
 * that chain (cni-config.ts pluginsToDelete).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import {
  cniArgs,
  firstHost,
  podAddress,
  podConfList,
  podPlugins,
  pluginStdin,
  pluginsToDelete,
  runtimeConfigFor,
  type ChainRecord,
  type CniConfList,
  type CniPluginConf,
  type CniResult,
  type CniRuntimeConfig,
} from '../../core/cni-config.js';
import type { Layout } from '../../core/layout.js';
import type { PodNetwork, PodNetworkRequest, PodNetworkStatus } from '../../core/ports.js';
import { run } from '../process/run.js';
import { invokePlugin } from './cni-plugin.js';
import { installNetworkRules } from './cni-network-rules.js';
import { sweepIptables, sweepIpamLeases } from './cni-leftovers.js';

export interface CniNetworkOptions {
  layout: Layout;
  /** Directory of the plugin binaries. Default /usr/lib/cni. */
  cniPath?: string;
}

/**
 * What is cached per sandbox in <cniStateDir>/<sandboxId>.json. `cniArgs` (present once setUp
 * began) and `plugins` say what DEL must replay; `forward: 'network'` and `plugins` are absent in
 * states of earlier peapods (ChainRecord).
 */
interface SandboxState extends ChainRecord {
  sandboxId: string;
  netnsPath: string;
  network: string;
  runtimeConfig?: CniRuntimeConfig;
  /** The final ADD result of the main chain (prevResult for DEL). */
  result?: CniResult;
}

const IFNAME = 'eth0';

export class CniNetwork implements PodNetwork {
  private readonly layout: Layout;
  private readonly cniPath: string;
  /** The check/install in flight; concurrent setUps share it, so each jump goes in once. */
  private networkRules?: Promise<void>;

  constructor(opts: CniNetworkOptions) {
    this.layout = opts.layout;
    this.cniPath = opts.cniPath ?? '/usr/lib/cni';
  }

  private get networkConfig() {
    const { config, cniNetworkName, ipamDir } = this.layout;
    return { networkName: cniNetworkName, bridge: config.bridge, podCidr: config.podCidr, ipamDir };
  }

  private get confList(): CniConfList {
    return podConfList(this.networkConfig);
  }

  async createNetns(sandboxId: string): Promise<string> {
    const path = this.layout.netnsPath(sandboxId);
    // Recorded first so list() knows the full sandbox id even if we crash right after `ip netns add`.
    if (!(await this.readState(sandboxId))) {
      await this.writeState({ sandboxId, netnsPath: path, network: this.layout.cniNetworkName, forward: 'network', plugins: [] });
    }
    if (!existsSync(path)) {
      const res = await run('ip', ['netns', 'add', this.layout.netnsName(sandboxId)], { allowFailure: true });
      if (res.exitCode !== 0 && !existsSync(path)) {
        throw new Error(`ip netns add ${this.layout.netnsName(sandboxId)} failed: ${res.stderr.trim()}`);
      }
    }
    return path;
  }

  async setUp(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    const netnsPath = await this.createNetns(req.sandboxId);
    const list = this.confList;
    const runtimeConfig = runtimeConfigFor(req.portMappings);
    const plugins = podPlugins(list, runtimeConfig);
    const state: SandboxState = {
      sandboxId: req.sandboxId,
      netnsPath,
      network: list.name,
      cniArgs: cniArgs(req),
      runtimeConfig,
      forward: 'network',
      plugins: plugins.map((p) => p.type),
    };
    // Written before ADD, so a crash half-way through still leaves what DEL needs.
    await this.writeState(state);

    const ran: CniPluginConf[] = [];
    let prev: CniResult | undefined;
    const chain = async () => {
      for (const plugin of plugins) {
        ran.push(plugin);
        prev = await invokePlugin({
          cniPath: this.cniPath,
          command: 'ADD',
          containerId: req.sandboxId,
          netns: netnsPath,
          ifName: IFNAME,
          args: state.cniArgs!,
          conf: pluginStdin(list, plugin, runtimeConfig, prev),
        });
      }
    };
    // The network's rules are needed only once the pod sends, so they are not waited for first.
    // (Settled at once: a rejection must not count as unhandled while the chain still runs.)
    const rules = settle(this.ensureNetworkRules());
    // All the loopback plugin would do, in one cheap exec; alongside the chain (another device).
    const outcome = await Promise.allSettled([this.loopbackUp(req.sandboxId), chain()]);
    outcome.push(await rules);
    const failed = outcome.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await this.delChain(state, ran, prev, netnsPath).catch(() => undefined);
      delete state.result;
      await this.writeState(state).catch(() => undefined);
      throw failed.reason;
    }
    const address = prev ? podAddress(prev, IFNAME) : undefined;
    if (!address) {
      await this.delChain(state, ran, prev, netnsPath).catch(() => undefined);
      throw new Error(`CNI network ${list.name} returned no IP address for sandbox ${req.sandboxId}`);
    }
    state.result = prev;
    await this.writeState(state);
    return { netnsPath, ...address };
  }

  private async loopbackUp(sandboxId: string): Promise<void> {
    const netns = this.layout.netnsName(sandboxId);
    const res = await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up'], { allowFailure: true });
    if (res.exitCode !== 0) {
      throw new Error(`bringing up lo in netns ${netns} failed: ${res.stderr.trim() || `exit status ${res.exitCode}`}`);
    }
  }

  /**
   * The network's FORWARD and masquerade chains and the jumps to them, installed if missing
   * (e.g. after a reboot or a firewall reload flushed them). Idempotent; one check exec when they
   * are in place.
   */
  ensureNetworkRules(): Promise<void> {
    this.networkRules ??= installNetworkRules(this.layout.cniNetworkName, this.layout.config.podCidr)
      .then(() => undefined)
      .finally(() => {
        this.networkRules = undefined;
      });
    return this.networkRules;
  }

  /**
   * The bridge with its gateway address, up, before any pod: what the bridge plugin makes on the
   * first ADD (and accepts on later ones: same device, same address). Cluster DNS and the API for
   * pods listen on the gateway address, so it must exist when the daemon starts. Idempotent.
   * Returns the gateway address.
   */
  async ensureBridge(): Promise<string> {
    const { bridge, podCidr } = this.layout.config;
    const gateway = firstHost(podCidr);
    const prefix = podCidr.split('/')[1];
    const exists = await run('ip', ['link', 'show', 'dev', bridge], { allowFailure: true });
    if (exists.exitCode !== 0) {
      const add = await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { allowFailure: true });
      if (add.exitCode !== 0 && !/exists/i.test(add.stderr)) throw new Error(`ip link add ${bridge} type bridge failed: ${add.stderr.trim()}`);
    }
    const shown = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge], { allowFailure: true });
    if (!shown.stdout.includes(` ${gateway}/${prefix} `)) {
      const addr = await run('ip', ['addr', 'add', `${gateway}/${prefix}`, 'dev', bridge], { allowFailure: true });
      if (addr.exitCode !== 0 && !/exists|already assigned/i.test(addr.stderr)) throw new Error(`ip addr add ${gateway}/${prefix} dev ${bridge} failed: ${addr.stderr.trim()}`);
    }
    await run('ip', ['link', 'set', 'dev', bridge, 'up']);
    return gateway;
  }

  async tearDown(sandboxId: string): Promise<void> {
    const state = await this.readState(sandboxId);
    const netnsPath = this.layout.netnsPath(sandboxId);
    const netnsExists = existsSync(netnsPath);
    if (!state && !netnsExists) return;

    if (state?.runtimeConfig !== undefined || netnsExists) {
      const errors = await this.delChain(
        state ?? { sandboxId, netnsPath, network: this.layout.cniNetworkName },
        pluginsToDelete(this.networkConfig, state),
        state?.result,
        netnsExists ? netnsPath : '',
      );
      // The bridge plugin finds the addresses to unmasquerade in the netns (P1); without it, or
      // after a failed DEL, remove by the rules' comments and the lease files instead.
      if (!netnsExists || errors.length > 0 || !state?.result) {
        const ip = state?.result ? podAddress(state.result, IFNAME)?.ip : undefined;
        const idPrefix = state === undefined;
        const leased = await sweepIpamLeases(this.layout.ipamDir, this.layout.cniNetworkName, sandboxId, idPrefix);
        await sweepIptables(this.layout.cniNetworkName, { sandboxId, idPrefix, ips: ip ? [ip, ...leased] : leased });
      }
    }
    if (existsSync(netnsPath)) {
      const res = await run('ip', ['netns', 'del', this.layout.netnsName(sandboxId)], { allowFailure: true });
      if (res.exitCode !== 0 && existsSync(netnsPath)) {
        throw new Error(`ip netns del ${this.layout.netnsName(sandboxId)} failed: ${res.stderr.trim()}`);
      }
    }
    await rm(this.statePath(sandboxId), { force: true });
  }

  async status(sandboxId: string): Promise<PodNetworkStatus | undefined> {
    const state = await this.readState(sandboxId);
    if (!state?.result || !existsSync(state.netnsPath)) return undefined;
    const address = podAddress(state.result, IFNAME);
    return address ? { netnsPath: state.netnsPath, ...address } : undefined;
  }

  async list(): Promise<string[]> {
    const ids = new Set<string>();
    for (const file of await readdir(this.layout.cniStateDir).catch(() => [] as string[])) {
      if (file.endsWith('.json')) ids.add(file.slice(0, -'.json'.length));
    }
    const prefix = `${this.layout.config.instance}-`;
    for (const name of await readdir('/run/netns').catch(() => [] as string[])) {
      const rest = name.startsWith(prefix) ? name.slice(prefix.length) : '';
      // Another instance's names carry its own "-<hex>" suffix before the id; ours do not.
      if (!rest || rest.includes('-')) continue;
      if (![...ids].some((id) => this.layout.netnsName(id) === name)) ids.add(rest);
    }
    return [...ids].sort();
  }

  async removeAll(): Promise<void> {
    for (const id of await this.list()) await this.tearDown(id);
    const { bridge, podCidr } = this.layout.config;
    const res = await run('ip', ['link', 'del', bridge], { allowFailure: true });
    if (res.exitCode !== 0 && !/Cannot find device|does not exist/i.test(res.stderr)) {
      throw new Error(`ip link del ${bridge} failed: ${res.stderr.trim()}`);
    }
    // The CNI-HOSTPORT-* and CNI-FORWARD/CNI-ADMIN chains are shared by every portmap/firewall
    // user on the host (another peapod instance, a CNI-based podman): removing them while one of
    // those is inside an ADD breaks its pod. They are left in place, empty of our rules. The
    // network's own FORWARD and masquerade chains are this instance's alone: they go with their jumps.
    await this.networkRules?.catch(() => undefined);
    await sweepIptables(this.layout.cniNetworkName, { podCidr, sharedChains: false, networkRules: true });
    await rm(this.layout.ipamDir, { recursive: true, force: true });
    await rm(this.layout.cniStateDir, { recursive: true, force: true });
  }

  /** DEL in reverse order over `plugins`; returns the errors instead of stopping at the first. */
  private async delChain(state: SandboxState, plugins: CniPluginConf[], result: CniResult | undefined, netns: string): Promise<Error[]> {
    const list = this.confList;
    const errors: Error[] = [];
    for (const plugin of [...plugins].reverse()) {
      try {
        await invokePlugin({
          cniPath: this.cniPath,
          command: 'DEL',
          containerId: state.sandboxId,
          netns,
          ifName: IFNAME,
          args: state.cniArgs ?? cniArgs({ namespace: '', podName: '', sandboxId: state.sandboxId, podUid: '' }),
          conf: pluginStdin(list, plugin, state.runtimeConfig ?? {}, result),
        });
      } catch (err) {
        errors.push(err as Error);
      }
    }
    return errors;
  }

  private statePath(sandboxId: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(sandboxId) || sandboxId.startsWith('.')) throw new Error(`invalid sandbox id ${sandboxId}`);
    return `${this.layout.cniStateDir}/${sandboxId}.json`;
  }

  private async readState(sandboxId: string): Promise<SandboxState | undefined> {
    try {
      return JSON.parse(await readFile(this.statePath(sandboxId), 'utf8')) as SandboxState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  private async writeState(state: SandboxState): Promise<void> {
    const path = this.statePath(state.sandboxId);
    await mkdir(this.layout.cniStateDir, { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, path);
  }
}

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
}
