/**
 * @module The real kubectl against a TestDaemon's HTTPS API (its admin kubeconfig), each call
 * with a fresh discovery cache so discovery and OpenAPI are exercised every time. Files that use
 * it skip loudly on a machine without kubectl.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readKubeconfig } from './https-api.js';
import { TestDaemon } from './test-daemon.js';
import { stretch } from './time-factor.js';

export const KUBECTL = '/usr/bin/kubectl';
export const haveKubectl = existsSync(KUBECTL);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Says loudly that a file's tests are skipped on a machine without kubectl; their test options. */
export function kubectlTestOptions(what: string): { skip: string | false } {
  if (!haveKubectl) process.stderr.write(`\n*** NO KUBECTL at ${KUBECTL}: the ${what} e2e tests are SKIPPED ***\n\n`);
  return { skip: haveKubectl ? false : 'kubectl is not installed on this machine' };
}

/** A started daemon whose kubeconfig kubectl can use, with the busybox image imported. */
export async function startKubectlDaemon(): Promise<TestDaemon> {
  const d = new TestDaemon();
  await d.start();
  await readKubeconfig(d.kubeconfigPath);
  await d.importBusybox();
  return d;
}

let cacheN = 0;

export function kubectlFor(d: () => TestDaemon) {
  const kubectl = (args: string[], o: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const daemon = d();
      const child = spawn(KUBECTL, args, {
        env: { ...process.env, KUBECONFIG: daemon.kubeconfigPath, KUBECACHEDIR: `${daemon.base}/kcache-${cacheN++}`, HOME: `${daemon.base}/home` },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGTERM'), stretch(o.timeoutMs ?? 120_000));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 124 : -1), stdout, stderr });
      });
      child.stdin.end(o.stdin ?? '');
    });
  const ok = async (args: string[], o: { stdin?: string; timeoutMs?: number } = {}): Promise<string> => {
    const r = await kubectl(args, o);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}\n--- daemon log:\n${d().log()}`);
    return r.stdout;
  };
  return { kubectl, ok };
}
