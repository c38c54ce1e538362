/**
 * @module batch/v1 Job and CronJob in protobuf (protobuf.ts), as `kubectl create job|cronjob` and
 * `create job --from=cronjob/NAME` send them; field numbers from k8s.io/api batch/v1
 * generated.proto. The status kubectl sends is zero-valued and ignored, as the API server
 * ignores a status on create.
 */
import { podTemplate } from './protobuf-pod.js';
import { bytesOf, labelSelector, message, objectMeta, optionalString, pointerBool, pointerInt, push, pushInt32s, str, type Decoder } from './protobuf-wire.js';

/** batch/v1 PodFailurePolicy: rules 1 = action 1, onExitCodes 2 (containerName 1, operator 2, values 3), onPodConditions 3 (type 1, status 2). */
function podFailurePolicy(buf: Buffer): Record<string, unknown> {
  return message(buf, 'PodFailurePolicy', {
    1: (f, o) =>
      push(
        o,
        'rules',
        message(bytesOf(f), 'PodFailurePolicyRule', {
          1: (g, r) => (r.action = str(g)),
          2: (g, r) =>
            (r.onExitCodes = message(bytesOf(g), 'PodFailurePolicyOnExitCodesRequirement', {
              1: (h, e) => (e.containerName = str(h)),
              2: (h, e) => (e.operator = str(h)),
              3: (h, e) => pushInt32s(e, 'values', h),
            })),
          3: (g, r) => push(r, 'onPodConditions', message(bytesOf(g), 'PodFailurePolicyOnPodConditionsPattern', { 1: optionalString('type'), 2: optionalString('status') })),
        }),
      ),
  });
}

/** batch/v1 SuccessPolicy: rules 1 = succeededIndexes 1, succeededCount 2 (both pointers). */
function successPolicy(buf: Buffer): Record<string, unknown> {
  return message(buf, 'SuccessPolicy', {
    1: (f, o) => push(o, 'rules', message(bytesOf(f), 'SuccessPolicyRule', { 1: (g, r) => (r.succeededIndexes = str(g)), 2: pointerInt('succeededCount') })),
  });
}

/** batch/v1 JobSpec: every field but the template is a pointer in Go, so a present zero is a value (backoffLimit: 0). */
function jobSpec(buf: Buffer): Record<string, unknown> {
  return message(buf, 'JobSpec', {
    1: pointerInt('parallelism'),
    2: pointerInt('completions'),
    3: pointerInt('activeDeadlineSeconds'),
    4: (f, o) => (o.selector = labelSelector(bytesOf(f))),
    5: pointerBool('manualSelector'),
    6: (f, o) => (o.template = podTemplate(bytesOf(f))),
    7: pointerInt('backoffLimit'),
    8: pointerInt('ttlSecondsAfterFinished'),
    9: (f, o) => (o.completionMode = str(f)),
    10: pointerBool('suspend'),
    11: (f, o) => (o.podFailurePolicy = podFailurePolicy(bytesOf(f))),
    12: pointerInt('backoffLimitPerIndex'),
    13: pointerInt('maxFailedIndexes'),
    14: (f, o) => (o.podReplacementPolicy = str(f)),
    15: (f, o) => (o.managedBy = str(f)),
    16: (f, o) => (o.successPolicy = successPolicy(bytesOf(f))),
  });
}

/** batch/v1 CronJobSpec; schedule and concurrencyPolicy are plain strings (empty = unset), the rest pointers. */
function cronJobSpec(buf: Buffer): Record<string, unknown> {
  return message(buf, 'CronJobSpec', {
    1: (f, o) => (o.schedule = str(f)),
    2: pointerInt('startingDeadlineSeconds'),
    3: optionalString('concurrencyPolicy'),
    4: pointerBool('suspend'),
    5: (f, o) =>
      (o.jobTemplate = message(bytesOf(f), 'JobTemplateSpec', {
        1: (g, t) => (t.metadata = objectMeta(bytesOf(g))),
        2: (g, t) => (t.spec = jobSpec(bytesOf(g))),
      })),
    6: pointerInt('successfulJobsHistoryLimit'),
    7: pointerInt('failedJobsHistoryLimit'),
    8: (f, o) => (o.timeZone = str(f)),
  });
}

export const jobDecoder: Decoder = (buf) =>
  message(buf, 'Job', { 1: (f, o) => (o.metadata = objectMeta(bytesOf(f))), 2: (f, o) => (o.spec = jobSpec(bytesOf(f))), 3: () => undefined });

export const cronJobDecoder: Decoder = (buf) =>
  message(buf, 'CronJob', { 1: (f, o) => (o.metadata = objectMeta(bytesOf(f))), 2: (f, o) => (o.spec = cronJobSpec(bytesOf(f))), 3: () => undefined });
