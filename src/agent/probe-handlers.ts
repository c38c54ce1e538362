/**
 * @module Runs one probe handler (pkg/kubelet/prober/prober.go runProbe): exec in the container,
 * httpGet / tcpSocket / grpc from the node. Returns the outcome and the message that goes into
 * the Unhealthy/ProbeWarning event; throws ProbeError when the probe could not be run at all
 * (the kubelet then throws the result away and only records "probe errored").
 */
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { NetworkProber, NetworkProbeResult } from '../core/ports.js';
import type { Container } from '../core/types.js';

export const PROBE_USER_AGENT = 'kube-probe/1.32';
/** The kubelet reads at most this much of an exec probe's output or an HTTP body. */
export const MAX_PROBE_OUTPUT = 10 * 1024;

export interface ProbeExecResult {
  exitCode: number;
  /** stdout and stderr together. */
  output: string;
  /** The command was stopped at the timeout (then exitCode is meaningless). */
  timedOut?: boolean;
}

/**
 * Runs argv (no shell) in the container; kills it after timeoutMs. A timeout is reported as
 * `timedOut` or as a rejection with `code: 'PEAPOD_EXEC_TIMEOUT'`; other rejections mean the
 * command could not run.
 */
export type ProbeExec = (containerId: string, argv: string[], timeoutMs: number) => Promise<ProbeExecResult>;

export interface ProbeHandlerPorts {
  exec: ProbeExec;
  network: NetworkProber;
}

export interface ProbeHandlerTarget {
  container: Container;
  containerId: string;
  podIP: string | undefined;
}

export class ProbeError extends Error {
  override name = 'ProbeError';
}

export function runProbeHandler(probe: Probe, target: ProbeHandlerTarget, timeoutMs: number, ports: ProbeHandlerPorts): Promise<NetworkProbeResult> {
  if (probe.exec) return runExec(probe.exec.command ?? [], target.containerId, timeoutMs, ports.exec);
  if (probe.httpGet) {
    const g = probe.httpGet;
    const scheme = (g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS' ? 'HTTPS' : 'HTTP';
    const path = !g.path ? '/' : g.path.startsWith('/') ? g.path : `/${g.path}`;
    return ports.network.httpGet({
      scheme,
      host: hostOf(g.host, target.podIP),
      port: resolveProbePort(target.container, g.port),
      path,
      headers: probeHeaders(g.httpHeaders),
      timeoutMs,
    });
  }
  if (probe.tcpSocket) {
    const t = probe.tcpSocket;
    return ports.network.tcp({ host: hostOf(t.host, target.podIP), port: resolveProbePort(target.container, t.port), timeoutMs });
  }
  if (probe.grpc) {
    const port = probe.grpc.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ProbeError(`invalid gRPC port ${port}`);
    return ports.network.grpc({ host: hostOf(undefined, target.podIP), port, service: probe.grpc.service ?? '', timeoutMs });
  }
  throw new ProbeError('missing probe handler');
}

async function runExec(argv: string[], containerId: string, timeoutMs: number, exec: ProbeExec): Promise<NetworkProbeResult> {
  let r: ProbeExecResult;
  try {
    r = await exec(containerId, [...argv], timeoutMs);
  } catch (err) {
    // The runtime adapter's ExecTimeoutError: a timeout is a failed probe, not an errored one.
    if ((err as { code?: unknown }).code === 'PEAPOD_EXEC_TIMEOUT') r = { exitCode: -1, output: '', timedOut: true };
    else throw new ProbeError((err as Error).message);
  }
  if (r.timedOut) return { result: 'failure', message: `command ${JSON.stringify(argv.join(' '))} timed out` };
  const output = r.output.length > MAX_PROBE_OUTPUT ? r.output.slice(0, MAX_PROBE_OUTPUT) : r.output;
  return { result: r.exitCode === 0 ? 'success' : 'failure', message: output };
}

function hostOf(host: string | undefined, podIP: string | undefined): string {
  const h = host || podIP;
  if (!h) throw new ProbeError('the pod has no IP yet');
  return h;
}

/** A number, a named port of the container, or a number written as a string (as extractPort). */
export function resolveProbePort(container: Container, port: number | string): number {
  let n: number | undefined;
  if (typeof port === 'number') n = port;
  else {
    n = container.ports?.find((p) => p.name === port)?.containerPort;
    if (n === undefined && /^\d+$/.test(port)) n = Number(port);
    if (n === undefined) throw new ProbeError(`couldn't find port: ${port} in container ${container.name}`);
  }
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ProbeError(`invalid port number: ${n}`);
  return n;
}

/**
 * Default User-Agent and Accept unless httpHeaders name them (case-insensitively); an empty value
 * removes the header. Repeated names are all sent.
 */
export function probeHeaders(httpHeaders: ReadonlyArray<{ name: string; value: string }> | undefined): Array<[string, string]> {
  const given = httpHeaders ?? [];
  const named = (n: string) => given.some((h) => h.name.toLowerCase() === n.toLowerCase());
  const out: Array<[string, string]> = [];
  if (!named('User-Agent')) out.push(['User-Agent', PROBE_USER_AGENT]);
  if (!named('Accept')) out.push(['Accept', '*/*']);
  for (const h of given) if (h.value !== '') out.push([h.name, h.value]);
  return out;
}
