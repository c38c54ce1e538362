/**
 * @module The pod network: a pinned netns per sandbox plus the CNI chain (loopback; bridge with
 * host-local, portmap), run in-process the way libcni does. Everything is derived from the
 * Layout, so two daemons with different flags never touch each other's pods. The ADD result and
 * the runtimeConfig are cached per sandbox so DEL can replay them (runtime-pipeline.md P1, P2).
 *
 * A host FORWARD policy of DROP (Docker sets it) is passed by rules of the network, not of each
 * pod: one chain accepting the pod CIDR plus the jump to it (cni-forwarding.ts), checked
 * alongside every setUp and removed at reset. Sandboxes set up by an earlier peapod ran the
 * firewall plugin instead; their state lacks `forward`, and their DEL still runs it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import {
  cniArgs,
  legacyFirewallPlugin,
  loopbackConfList,
  podAddress,
  podConfList,
  pluginStdin,
  runtimeConfigFor,
  type CniConfList,
  type CniPluginConf,
  type CniResult,
  type CniRuntimeConfig,
} from '../../core/cni-config.js';
import type { Layout } from '../../core/layout.js';
import type { PodNetwork, PodNetworkRequest, PodNetworkStatus } from '../../core/ports.js';
import { run } from '../process/run.js';
import { invokePlugin, type CniCommand } from './cni-plugin.js';
import { installForwardRules } from './cni-forwarding.js';
import { sweepIptables, sweepIpamLeases } from './cni-leftovers.js';

export interface CniNetworkOptions {
  layout: Layout;
  /** Directory of the plugin binaries. Default /usr/lib/cni. */
  cniPath?: string;
  /** Run the loopback plugin alongside the main chain (they touch different devices). Default true. */
  concurrentLoopback?: boolean;
}

/** What is cached per sandbox in <cniStateDir>/<sandboxId>.json. */
interface SandboxState {
  sandboxId: string;
  netnsPath: string;
  network: string;
  /** Present once setUp began: DEL must replay exactly these. */
  cniArgs?: string;
  runtimeConfig?: CniRuntimeConfig;
  /** The final ADD result of the main chain (prevResult for DEL). */
  result?: CniResult;
  /**
   * 'network': the network's FORWARD rules let this sandbox through. Absent in states written
   * by a peapod that ran the firewall plugin per pod: DEL then runs that plugin too.
   */
  forward?: 'network';
}

const IFNAME = 'eth0';

export class CniNetwork implements PodNetwork {
  private readonly layout: Layout;
  private readonly cniPath: string;
  private readonly concurrentLoopback: boolean;
  /** The check/install in flight; concurrent setUps share it, so the jump goes in once. */
  private forwarding?: Promise<void>;

  constructor(opts: CniNetworkOptions) {
    this.layout = opts.layout;
    this.cniPath = opts.cniPath ?? '/usr/lib/cni';
    this.concurrentLoopback = opts.concurrentLoopback ?? true;
  }

  private get confList(): CniConfList {
    const { config, cniNetworkName, ipamDir } = this.layout;
    return podConfList({ networkName: cniNetworkName, bridge: config.bridge, podCidr: config.podCidr, ipamDir });
  }

  async createNetns(sandboxId: string): Promise<string> {
    const path = this.layout.netnsPath(sandboxId);
    // Recorded first so list() knows the full sandbox id even if we crash right after `ip netns add`.
    if (!(await this.readState(sandboxId))) {
      await this.writeState({ sandboxId, netnsPath: path, network: this.layout.cniNetworkName, forward: 'network' });
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
    const state: SandboxState = {
      sandboxId: req.sandboxId,
      netnsPath,
      network: list.name,
      cniArgs: cniArgs(req),
      runtimeConfig: runtimeConfigFor(req.portMappings),
      forward: 'network',
    };
    // Written before ADD, so a crash half-way through still leaves what DEL needs.
    await this.writeState(state);

    const call = (command: CniCommand, ifName: string, conf: Record<string, unknown>) =>
      invokePlugin({ cniPath: this.cniPath, command, containerId: req.sandboxId, netns: netnsPath, ifName, args: state.cniArgs!, conf });
    const lo = loopbackConfList();
    const loopback = () => call('ADD', 'lo', pluginStdin(lo, lo.plugins[0], {}, undefined));

    const ran: CniPluginConf[] = [];
    let prev: CniResult | undefined;
    const chain = async () => {
      for (const plugin of list.plugins) {
        ran.push(plugin);
        prev = await call('ADD', IFNAME, pluginStdin(list, plugin, state.runtimeConfig!, prev));
      }
    };
    // The FORWARD rules are needed only once the pod sends, so they are not waited for first.
    // (Settled at once: a rejection must not count as unhandled while the chain still runs.)
    const forwarding = settle(this.ensureForwarding());
    let outcome: PromiseSettledResult<unknown>[];
    if (this.concurrentLoopback) {
      outcome = await Promise.allSettled([loopback(), chain()]);
    } else {
      outcome = [await settle(loopback())];
      if (outcome[0].status === 'fulfilled') outcome.push(await settle(chain()));
    }
    outcome.push(await forwarding);
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

  /**
   * The network's FORWARD chain and the jump to it, installed if missing (e.g. after a reboot or
   * a firewall reload flushed them). Idempotent; one `iptables -C` when they are in place.
   */
  ensureForwarding(): Promise<void> {
    this.forwarding ??= installForwardRules(this.layout.cniNetworkName, this.layout.config.podCidr)
      .then(() => undefined)
      .finally(() => {
        this.forwarding = undefined;
      });
    return this.forwarding;
  }

  async tearDown(sandboxId: string): Promise<void> {
    const state = await this.readState(sandboxId);
    const netnsPath = this.layout.netnsPath(sandboxId);
    const netnsExists = existsSync(netnsPath);
    if (!state && !netnsExists) return;

    if (state?.runtimeConfig !== undefined || netnsExists) {
      // Only a sandbox whose ADD began (cniArgs) under an earlier peapod has firewall rules.
      const legacy = state !== undefined && state.cniArgs !== undefined && state.forward !== 'network';
      const errors = await this.delChain(
        state ?? { sandboxId, netnsPath, network: this.layout.cniNetworkName },
        legacy ? [...this.confList.plugins, legacyFirewallPlugin()] : this.confList.plugins,
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
    // network's own FORWARD chain is this instance's alone, so it goes with its jump.
    await this.forwarding?.catch(() => undefined);
    await sweepIptables(this.layout.cniNetworkName, { podCidr, sharedChains: false, forwardRules: true });
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
