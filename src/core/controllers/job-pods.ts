/**
 * @module What the Job controller reads from and puts on its pods (upstream
 * pkg/controller/job): the tracking finalizer, the completion index of Indexed Jobs (annotation,
 * label, JOB_COMPLETION_INDEX env, hostname), when a pod counts as finished, failed or
 * succeeded, which podFailurePolicy rule a failed pod matches, and the pod made from the template.
 */
import type { Job, PodFailurePolicyRule } from 'kubernetes-types/batch/v1.js';
import type { Container, EnvVar } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_UID_LABEL, JOB_COMPLETION_INDEX_ANNOTATION } from '../workloads/job-validation.js';
import type { Pod, PodSpec } from '../types.js';
import { newControllerRef } from './controller-ref.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

export function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** The completion index of a pod of an Indexed Job, when it has a valid one. */
export function completionIndex(pod: Pod, completions: number): number | undefined {
  const raw = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const i = Number(raw);
  return i < completions ? i : undefined;
}

/** Succeeded: the pod's phase says so. */
export function isPodSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

/**
 * Failed: phase Failed, or (unless only failed pods are replaced) being deleted before it
 * succeeded, as upstream's isPodFailed.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed') return false;
  return pod.metadata?.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

export function isPodFinished(pod: Pod, job: Job): boolean {
  return isPodSucceeded(pod) || isPodFailed(pod, job);
}

/** When the pod finished: its containers' latest finish, else its deletion or creation time. */
export function finishTime(pod: Pod): number {
  let t = 0;
  for (const c of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const at = c.state?.terminated?.finishedAt;
    if (at) t = Math.max(t, Date.parse(at) || 0);
  }
  if (t > 0) return t;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return Date.parse(ready?.lastTransitionTime ?? pod.metadata?.deletionTimestamp ?? pod.metadata?.creationTimestamp ?? '') || 0;
}

export interface PodFailurePolicyMatch {
  action: PodFailurePolicyRule['action'];
  index: number;
  message: string;
}

/** The first rule the failed pod matches (exit codes of its terminated containers, or its conditions). */
export function matchPodFailurePolicy(job: Job, pod: Pod): PodFailurePolicyMatch | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const who = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.onExitCodes) {
      const ec = r.onExitCodes;
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const s of statuses) {
        if (ec.containerName && ec.containerName !== s.name) continue;
        const code = s.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inValues = ec.values.includes(code);
        if ((ec.operator === 'In' && inValues) || (ec.operator === 'NotIn' && !inValues)) {
          return { action: r.action, index: i, message: `Container ${s.name} for pod ${who} failed with exit code ${code} matching ${r.action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of r.onPodConditions ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === pattern.type && x.status === pattern.status);
      if (c) return { action: r.action, index: i, message: `Pod ${who} has condition ${c.type} matching ${r.action} rule at index ${i}` };
    }
  }
  return undefined;
}

/** The pod for one more completion (of `index` in an Indexed Job), with the tracking finalizer. */
export function jobPod(job: Job, index?: number, indexFailures?: { failed: number; ignored: number }): Pod {
  const t = structuredClone(job.spec!.template);
  const spec = structuredClone(t.spec) as PodSpec;
  const name = job.metadata?.name ?? '';
  const labels: Record<string, string> = { ...t.metadata?.labels };
  const annotations: Record<string, string> = { ...t.metadata?.annotations };
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    if (indexFailures && job.spec?.backoffLimitPerIndex !== undefined) {
      annotations[JOB_INDEX_FAILURE_COUNT] = String(indexFailures.failed);
      if (indexFailures.ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(indexFailures.ignored);
    }
    const env: EnvVar = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } };
    const withIndex = (c: Container): Container => (c.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX') ? c : { ...c, env: [...(c.env ?? []), env] });
    spec.containers = spec.containers.map(withIndex);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndex);
    // The pod's hostname is <job>-<index>, so with a headless Service as subdomain the pods find each other.
    spec.hostname ||= `${name}-${index}`;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
      namespace: job.metadata?.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [newControllerRef(job as never, 'batch/v1', 'Job')],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec,
  } as Pod;
}

/** The Job's uid label, by which the controller finds pods it owns even without an owner index. */
export function jobUidOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_UID_LABEL];
}
