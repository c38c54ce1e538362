/**
 * @module The one way adapters run a command: no shell, bounded output, a clear CommandError
 * naming the command, its exit code and stderr.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { CommandError } from '../../core/errors.js';
import { HelperNotStartedError, LaunchError, sharedLauncher, type LaunchResult } from './launcher.js';

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Resolve instead of reject on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

/** Through the shared helper (launcher.ts: Node's own spawn forks the whole daemon), else by Node. */
export async function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const launched = sharedLauncher()?.launch({
    argv: [command, ...args],
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    maxOutput: MAX_OUTPUT,
  });
  if (!launched) return spawnRun(command, args, opts);
  let r: LaunchResult;
  try {
    r = await launched;
  } catch (e) {
    if (e instanceof HelperNotStartedError) return spawnRun(command, args, opts);
    throw new CommandError(command, null, (e as Error).message, `${command}: ${e instanceof LaunchError ? `spawn ${command} ${e.errno ?? ''}`.trim() : (e as Error).message}`);
  }
  return settle(command, args, opts, { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), exitCode: r.code ?? 128 + (r.signal ? signalNumber(r.signal) : 0) }, r.code);
}

function settle(command: string, args: readonly string[], opts: RunOptions, result: RunResult, code: number | null): RunResult {
  if (result.exitCode !== 0 && !opts.allowFailure) {
    const shown = [command, ...args].join(' ');
    throw new CommandError(shown, code, result.stderr || result.stdout);
  }
  return result;
}

/** The same, spawned by Node itself (no helper: python3 missing, or PEAPOD_SPAWN=node). */
function spawnRun(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    };
    if (opts.cwd !== undefined) spawnOpts.cwd = opts.cwd;
    const child = spawn(command, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    }
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new CommandError(command, null, e.message, `${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? 128 + (signal ? signalNumber(signal) : 0),
      };
      try {
        resolve(settle(command, args, opts, result, code));
      } catch (e) {
        reject(e);
      }
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13, SIGABRT: 6 };
function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 0;
}
