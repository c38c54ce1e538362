/**
 * @module What the machine says about itself for the Node object: identity (machine-id, boot id,
 * kernel, OS image) once, and the free memory, disk and pids that the pressure conditions use.
 */
import { readFile, readdir, statfs } from 'node:fs/promises';
import { arch, cpus, release, totalmem } from 'node:os';
import type { NodeObservation } from '../../core/node-status.js';
import { run } from '../process/run.js';

export function machineResources(): { cpus: number; memoryBytes: number } {
  return { cpus: cpus().length, memoryBytes: totalmem() };
}

async function firstLine(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n')[0].trim();
  } catch {
    return '';
  }
}

export async function readNodeInfo(): Promise<{
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  architecture: string;
}> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  const machineID = await firstLine('/etc/machine-id');
  return {
    machineID,
    systemUUID: (await firstLine('/sys/class/dmi/id/product_uuid')) || machineID,
    bootID: await firstLine('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: pretty,
    operatingSystem: 'linux',
    architecture: ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch()] ?? arch(),
  };
}

export async function observeNode(dataDir: string): Promise<NodeObservation> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const availKb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? NaN);
  const memoryAvailableBytes = Number.isFinite(availKb) ? availKb * 1024 : totalmem();
  let diskAvailableFraction = 1;
  let ephemeralStorageBytes = 0;
  try {
    const fs = await statfs(dataDir);
    ephemeralStorageBytes = fs.blocks * fs.bsize;
    if (fs.blocks > 0) diskAvailableFraction = fs.bavail / fs.blocks;
  } catch {
    // Unknown: no pressure reported.
  }
  const pidMax = Number(await firstLine('/proc/sys/kernel/pid_max')) || 32768;
  const procs = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).length;
  return { memoryAvailableBytes, diskAvailableFraction, pidsAvailableFraction: Math.max(0, 1 - procs / pidMax), ephemeralStorageBytes };
}

/** "runc://1.1.5" as nodeInfo.containerRuntimeVersion shows a runtime. */
export async function runtimeVersion(name: string, path: string): Promise<string> {
  const r = await run(path, ['--version'], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
  const v = /version\s+v?([0-9][^\s+]*)/.exec(r?.stdout ?? '')?.[1];
  return `${name}://${v ?? 'unknown'}`;
}

const CAP_SYS_RESOURCE = 24n;

/**
 * The lowest oom_score_adj containers can be given: undefined with CAP_SYS_RESOURCE (any value),
 * else this process's own value (lowering below it is EACCES, as in some VMs and user namespaces).
 */
export async function oomScoreAdjFloor(): Promise<number | undefined> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (eff && (BigInt(`0x${eff}`) >> CAP_SYS_RESOURCE) & 1n) return undefined;
  return Number(await firstLine('/proc/self/oom_score_adj')) || 0;
}
