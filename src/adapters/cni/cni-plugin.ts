/**
 * @module One CNI plugin invocation, as libcni does it: the plugin binary from CNI_PATH, the
 * CNI_* environment, the config on stdin, the result (or a `{code,msg}` error) on stdout.
 */
import { CommandError } from '../../core/errors.js';
import type { CniResult } from '../../core/cni-config.js';
import { run } from '../process/run.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

export interface PluginCall {
  cniPath: string;
  command: CniCommand;
  containerId: string;
  /** Empty when the netns is gone (DEL only): the plugins then skip what needs the netns. */
  netns: string;
  ifName: string;
  args: string;
  /** The plugin's stdin, including `type`. */
  conf: Record<string, unknown> & { type?: unknown };
  timeoutMs?: number;
}

/** A plugin exited non-zero; `msg` is what it printed as `{code,msg,details}`. */
export class CniPluginError extends CommandError {
  constructor(
    readonly plugin: string,
    readonly cniCommand: CniCommand,
    readonly cniCode: number | undefined,
    readonly msg: string,
    exitCode: number | null,
    stderr: string,
  ) {
    super(`cni plugin ${plugin}`, exitCode, stderr, `CNI plugin ${plugin} ${cniCommand} failed: ${msg}`);
    this.name = 'CniPluginError';
  }
}

export async function invokePlugin(call: PluginCall): Promise<CniResult | undefined> {
  const type = String(call.conf.type);
  if (!/^[A-Za-z0-9._-]+$/.test(type)) throw new Error(`invalid CNI plugin type ${JSON.stringify(type)}`);
  const env: NodeJS.ProcessEnv = {
    // The plugins exec iptables/ip from PATH; a daemon started with a user PATH may lack sbin.
    PATH: `${process.env.PATH ? `${process.env.PATH}:` : ''}/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin`,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifName,
    CNI_ARGS: call.args,
    CNI_PATH: call.cniPath,
  };
  const res = await run(`${call.cniPath}/${type}`, [], {
    input: JSON.stringify(call.conf),
    env,
    timeoutMs: call.timeoutMs ?? 60_000,
    allowFailure: true,
  });
  if (res.exitCode !== 0) {
    let code: number | undefined;
    let msg = (res.stderr || res.stdout).trim() || `exit status ${res.exitCode}`;
    try {
      const err = JSON.parse(res.stdout) as { code?: number; msg?: string; details?: string };
      code = err.code;
      if (err.msg) msg = err.details ? `${err.msg}: ${err.details}` : err.msg;
    } catch {
      // not JSON: keep the raw output as the message
    }
    throw new CniPluginError(type, call.command, code, msg, res.exitCode, res.stderr);
  }
  if (call.command !== 'ADD' || res.stdout.trim() === '') return undefined;
  try {
    return JSON.parse(res.stdout) as CniResult;
  } catch {
    throw new CniPluginError(type, call.command, undefined, `unparsable result: ${res.stdout.slice(0, 200)}`, 0, res.stderr);
  }
}
