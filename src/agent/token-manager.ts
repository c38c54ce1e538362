/**
 * @module The kubelet's service account token manager: the tokens of pods' projected
 * serviceAccountToken volumes, fetched through the ServiceAccountTokenSource port before the
 * volume is written, cached per pod, audience and lifetime, and fetched again once 80 % of their
 * lifetime (at most 24 h) has passed (tokenRefreshAtMs): a periodic pass finds those and has the
 * pods' volumes rewritten in place, so a long-running pod never holds an expired token.
 */
import type { ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { Clock, ServiceAccountTokenSource, TimerHandle } from '../core/ports.js';
import type { Logger } from '../core/logger.js';
import type { Pod, Volume } from '../core/types.js';
import { tokenRefreshAtMs } from '../core/service-account-token.js';

interface Cached {
  token: string;
  refreshAt: number;
}

/** Whether a volume projects a service account token. */
export function hasTokenSource(v: Volume): boolean {
  return (v.projected?.sources ?? []).some((s) => s.serviceAccountToken !== undefined);
}

const sourceKey = (s: ServiceAccountTokenProjection): string => `${s.audience ?? ''}|${s.expirationSeconds ?? 3600}`;

export interface TokenManagerDeps {
  source: ServiceAccountTokenSource;
  clock: Clock;
  logger: Logger;
  /** Rewrites a pod's token volumes (called for pods whose tokens are due). */
  refreshVolumes(podUid: string): Promise<void>;
  /** How often due tokens are looked for (default 60 s, as the kubelet's volume resync). */
  checkEveryMs?: number;
}

export class ServiceAccountTokenManager {
  private readonly tokens = new Map<string, Map<string, Cached>>();
  private timer: TimerHandle | undefined;

  constructor(private readonly d: TokenManagerDeps) {}

  start(): void {
    const every = this.d.checkEveryMs ?? 60_000;
    const tick = (): void => {
      void this.refreshDue().finally(() => {
        if (this.timer) this.timer = this.d.clock.setTimeout(tick, every);
      });
    };
    this.timer = this.d.clock.setTimeout(tick, every);
  }

  stop(): void {
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Fetches every token the pod's volumes need that is missing or due. Rejects when one cannot be had. */
  async prepare(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const now = this.d.clock.now();
    for (const v of pod.spec?.volumes ?? []) {
      for (const s of v.projected?.sources ?? []) {
        if (!s.serviceAccountToken) continue;
        const key = sourceKey(s.serviceAccountToken);
        const cached = this.tokens.get(uid)?.get(key);
        if (cached && cached.refreshAt > now) continue;
        const exp = s.serviceAccountToken.expirationSeconds ?? 3600;
        const got = await this.d.source.requestToken(pod, s.serviceAccountToken.audience || undefined, exp);
        const expiresAt = Date.parse(got.expirationTimestamp);
        let byPod = this.tokens.get(uid);
        if (!byPod) this.tokens.set(uid, (byPod = new Map()));
        byPod.set(key, { token: got.token, refreshAt: tokenRefreshAtMs(now, Number.isFinite(expiresAt) ? expiresAt : now + exp * 1000) });
      }
    }
  }

  /** The cached token for a projection (prepare first). */
  get(pod: Pod, source: ServiceAccountTokenProjection): string | undefined {
    return this.tokens.get(pod.metadata!.uid!)?.get(sourceKey(source))?.token;
  }

  /** Forgets a pod's tokens (its volumes are gone). */
  forget(podUid: string): void {
    this.tokens.delete(podUid);
  }

  /** Pods holding a token past its refresh time. */
  duePods(): string[] {
    const now = this.d.clock.now();
    return [...this.tokens].filter(([, byKey]) => [...byKey.values()].some((c) => c.refreshAt <= now)).map(([uid]) => uid);
  }

  private async refreshDue(): Promise<void> {
    for (const uid of this.duePods()) {
      try {
        await this.d.refreshVolumes(uid);
      } catch (err) {
        this.d.logger.warn('service account token refresh failed; retrying at the next pass', { pod: uid, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
