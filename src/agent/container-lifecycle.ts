/**
 * @module What happens to a created container afterwards (not its hooks: lifecycle-hooks.ts):
 * start it, stop it with its stop signal and SIGKILL at the deadline, read its termination
 * message once it exited, remove it with its rootfs.
 */
import { Annotations } from '../core/annotations.js';
import type { Pod } from '../core/types.js';
import type { Clock, ContainerLogs, OciRuntime, PodHost, Snapshotter } from '../core/ports.js';
import type { Layout } from '../core/layout.js';
import type { Logger } from '../core/logger.js';
import type { ContainerInstance } from '../core/runtime-view.js';
import type { RuntimeState } from './runtime-state.js';
import type { PreparedContainer } from './container-preparer.js';
import { ContainerStartError, errorText } from './container-start-error.js';
import { withTimeout } from './with-timeout.js';

/** The kubelet never stops a container with less than this after the stop signal. */
export const MIN_GRACE_SECONDS = 2;

/** The kubelet's limits on termination messages (pkg/kubelet/container/runtime.go). */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;
export const FALLBACK_LOG_LINES = 80;
export const FALLBACK_LOG_MAX_BYTES = 2048;

export interface ContainerLifecycleDeps {
  layout: Layout;
  runtime: OciRuntime;
  snapshotter: Snapshotter;
  host: PodHost;
  state: RuntimeState;
  clock: Clock;
  logger: Logger;
  logs: ContainerLogs;
}

export class ContainerLifecycle {
  constructor(private readonly d: ContainerLifecycleDeps) {}

  async start(prepared: PreparedContainer): Promise<void> {
    try {
      await this.d.runtime.start(prepared.id);
      this.d.state.recordStarted(prepared.id);
    } catch (err) {
      await this.d.state.refresh(prepared.id);
      throw new ContainerStartError('RunContainerError', errorText(err));
    }
  }

  /**
   * Stop signal, then SIGKILL once `deadline()` (epoch ms, re-read so that a second delete can
   * shorten it) has passed, but never less than 2 s after the stop signal.
   */
  async kill(instance: ContainerInstance, deadline: () => number, sharedPid: boolean): Promise<void> {
    const { runtime, state, clock } = this.d;
    const info = state.get(instance.id);
    if (info?.status === 'unknown') {
      // No conmon will report an exit (or there is no process left): kill whatever may remain,
      // as the kubelet kills an unknown container before replacing it, without waiting.
      await runtime.kill(instance.id, 'SIGKILL', true).catch(() => {});
      await state.refresh(instance.id);
      return;
    }
    if (!info || (info.status !== 'running' && info.status !== 'created')) return;
    const signal = info.annotations[Annotations.stopSignal] || 'SIGTERM';
    if (info.status === 'running') {
      const floor = clock.now() + MIN_GRACE_SECONDS * 1000;
      await runtime.kill(instance.id, signal, sharedPid).catch(() => {});
      const exited = state.waitForExit(instance.id);
      for (;;) {
        const left = Math.max(deadline(), floor) - clock.now();
        if (left <= 0) break;
        if (await withTimeout(clock, exited, Math.min(left, 250))) return;
      }
    }
    await runtime.kill(instance.id, 'SIGKILL', true).catch(() => {});
    if (!(await withTimeout(clock, state.waitForExit(instance.id), 5000))) await state.refresh(instance.id);
  }

  /**
   * The message of an exited instance: the tail of its termination-log file, or with
   * FallbackToLogsOnError and a non-zero exit, the tail of its log.
   */
  async terminationMessage(pod: Pod, instance: ContainerInstance): Promise<string> {
    const { layout, host, logs } = this.d;
    const uid = pod.metadata!.uid!;
    const container = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers].find((c) => c.name === instance.name);
    const fromFile = await host.readTail(layout.terminationLogPath(uid, instance.name, instance.id), TERMINATION_MESSAGE_MAX_BYTES);
    if (fromFile || container?.terminationMessagePolicy !== 'FallbackToLogsOnError' || instance.exitCode === 0) return fromFile;
    let text = '';
    try {
      for await (const line of logs.read(layout.containerLogPath(uid, instance.name, instance.restartCount), { tailLines: FALLBACK_LOG_LINES })) text += line;
    } catch {
      return '';
    }
    const bytes = Buffer.from(text, 'utf8');
    return bytes.length > FALLBACK_LOG_MAX_BYTES ? bytes.subarray(bytes.length - FALLBACK_LOG_MAX_BYTES).toString('utf8') : text;
  }

  /** Removes one container instance: runtime state, conmon leftovers, rootfs. */
  async remove(id: string): Promise<void> {
    await this.d.runtime.remove(id).catch((e: unknown) => this.d.logger.warn('remove container', { id, err: String(e) }));
    await this.d.snapshotter.remove(id).catch((e: unknown) => this.d.logger.warn('remove snapshot', { id, err: String(e) }));
    this.d.state.forget(id);
  }
}
