/**
 * @module postStart and preStop handlers (pkg/kubelet/lifecycle/handlers.go): `exec` runs in the
 * container (non-zero exit fails), `httpGet` fails only on a transport error (any HTTP status is
 * success), `sleep` is a timer in the agent (nothing runs in the container). preStop is bounded
 * by the remaining grace; postStart is not.
 */
import type { Clock } from '../core/ports.js';
import type { Container } from '../core/types.js';

export type Handler = NonNullable<NonNullable<Container['lifecycle']>['postStart']>;

export interface HookPorts {
  clock: Clock;
  /** Runs argv in the container; resolves with its exit code and output. */
  exec(containerId: string, argv: string[], timeoutMs?: number): Promise<{ exitCode: number; output: string }>;
  /** GET from the node; resolves when an HTTP answer (any status) arrived, rejects on transport errors. */
  httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<number>;
}

export interface HookResult {
  ok: boolean;
  message: string;
}

const HOOK_USER_AGENT = 'kube-lifecycle/1.32';

export class HookRunner {
  constructor(private readonly ports: HookPorts) {}

  /** Runs the handler; `budgetMs` bounds it (preStop), undefined means no bound (postStart). */
  async run(container: Container, containerId: string, handler: Handler, podIP: string | undefined, budgetMs?: number): Promise<HookResult> {
    const work = this.execute(container, containerId, handler, podIP, budgetMs);
    if (budgetMs === undefined) return work;
    return new Promise<HookResult>((resolve) => {
      const timer = this.ports.clock.setTimeout(() => resolve({ ok: false, message: `hook did not finish within ${Math.round(budgetMs / 1000)}s` }), Math.max(0, budgetMs));
      work.then((r) => {
        this.ports.clock.clearTimeout(timer);
        resolve(r);
      });
    });
  }

  private async execute(container: Container, containerId: string, handler: Handler, podIP: string | undefined, budgetMs?: number): Promise<HookResult> {
    try {
      if (handler.exec) {
        const { exitCode, output } = await this.ports.exec(containerId, [...(handler.exec.command ?? [])], budgetMs);
        return exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: `command '${(handler.exec.command ?? []).join(' ')}' exited with ${exitCode}: ${output}` };
      }
      if (handler.httpGet) {
        const g = handler.httpGet;
        const port = resolvePort(container, g.port);
        const host = g.host || podIP || '127.0.0.1';
        const scheme = (g.scheme ?? 'HTTP').toLowerCase();
        const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
        const headers: Record<string, string> = { 'User-Agent': HOOK_USER_AGENT, Accept: '*/*' };
        for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
        await this.ports.httpGet(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`, headers, budgetMs ?? 30_000);
        return { ok: true, message: '' };
      }
      if (handler.sleep) {
        const ms = (handler.sleep.seconds ?? 0) * 1000;
        await new Promise<void>((r) => this.ports.clock.setTimeout(r, ms));
        return { ok: true, message: '' };
      }
      if ((handler as { tcpSocket?: unknown }).tcpSocket) return { ok: false, message: 'tcpSocket is not supported for lifecycle hooks' };
      return { ok: false, message: 'no handler' };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** A named port resolves through the container's ports. */
export function resolvePort(container: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((p) => p.name === port);
  if (!found) throw new Error(`port "${port}" not found in container ${container.name}`);
  return found.containerPort;
}
