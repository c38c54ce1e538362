/**
 * @module The kubelet's ContainerLogManager: every 10 s, each running container's log is rotated
 * when it has grown past containerLogMaxSize, keeping containerLogMaxFiles files. conmon itself
 * is started without a size limit (its own limit truncates and loses lines); the runtime only
 * has to reopen the log after the rename.
 */
import { Annotations } from '../core/annotations.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { Clock, LogRotationOptions, LogRotator, OciContainerInfo, OciRuntime, TimerHandle } from '../core/ports.js';
import type { RuntimeState } from './runtime-state.js';

/** The kubelet's containerLogMonitorInterval. */
export const LOG_ROTATION_PERIOD_MS = 10_000;
/** The kubelet's defaults: containerLogMaxSize 10Mi, containerLogMaxFiles 5. */
export const DEFAULT_CONTAINER_LOG_POLICY: LogRotationOptions = { maxSize: 10 * 1024 * 1024, maxFiles: 5 };

export interface ContainerLogManagerDeps {
  state: Pick<RuntimeState, 'podUids' | 'podContainers'>;
  runtime: Pick<OciRuntime, 'reopenLog'>;
  rotator: LogRotator;
  layout: Pick<Layout, 'containerLogPath'>;
  clock: Clock;
  logger: Logger;
  policy?: LogRotationOptions;
  periodMs?: number;
}

export interface LogTarget {
  id: string;
  logPath: string;
}

/**
 * The live logs to look at: running app and init containers (a sandbox's catatonit writes
 * nothing), at the path the kubelet's naming gives from their annotations. Pure.
 */
export function rotationTargets(infos: Iterable<OciContainerInfo>, layout: Pick<Layout, 'containerLogPath'>): LogTarget[] {
  const out: LogTarget[] = [];
  for (const info of infos) {
    const a = info.annotations;
    if (info.status !== 'running' || a[Annotations.containerType] === 'sandbox') continue;
    const uid = a[Annotations.podUid];
    const name = a[Annotations.containerName];
    const restartCount = Number(a[Annotations.restartCount] ?? 0);
    if (!uid || !name || !Number.isInteger(restartCount) || restartCount < 0) continue;
    out.push({ id: info.id, logPath: layout.containerLogPath(uid, name, restartCount) });
  }
  return out;
}

export class ContainerLogManager {
  private readonly policy: LogRotationOptions;
  private readonly periodMs: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly d: ContainerLogManagerDeps) {
    this.policy = d.policy ?? DEFAULT_CONTAINER_LOG_POLICY;
    this.periodMs = d.periodMs ?? LOG_ROTATION_PERIOD_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the schedule and waits for a pass under way, so nothing is renamed after it returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** The pass under way (or the last one), for tests and shutdown. */
  get idle(): Promise<void> {
    return this.current;
  }

  private schedule(): void {
    if (!this.running) return;
    // The next pass is timed from the end of this one, so passes never overlap.
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      this.current = this.rotateAll().finally(() => this.schedule());
    }, this.periodMs);
  }

  /** One pass over every running container; a failure is logged and the others still go. */
  async rotateAll(): Promise<void> {
    const infos = [...this.d.state.podUids()].flatMap((uid) => this.d.state.podContainers(uid));
    for (const { id, logPath } of rotationTargets(infos, this.d.layout)) {
      if (this.stopped) return;
      try {
        const rotated = await this.d.rotator.rotateIfNeeded(logPath, this.policy, () => this.d.runtime.reopenLog(id));
        if (rotated) this.d.logger.debug('rotated container log', { id, logPath });
      } catch (err) {
        this.d.logger.warn('container log rotation failed', { id, logPath, err: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
