/**
 * @module core/v1 pod templates in protobuf (protobuf.ts): the containers and pod spec fields
 * `kubectl create deployment|job|cronjob` write and `create job --from=cronjob/NAME` copies from a
 * stored, defaulted template; field numbers from k8s.io/api core/v1 generated.proto. Volumes,
 * probes, security settings and the other structured fields are refused (415), never dropped.
 */
import { addToMap, bool, bytesOf, fields, flag, int, message, objectMeta, optionalString, pointerBool, pointerInt, push, str, type Field } from './protobuf-wire.js';

function containerPort(buf: Buffer): Record<string, unknown> {
  return message(buf, 'ContainerPort', {
    1: (f, o) => (o.name = str(f)),
    2: (f, o) => (o.hostPort = int(f)),
    3: (f, o) => (o.containerPort = int(f)),
    4: (f, o) => (o.protocol = str(f)),
    5: (f, o) => (o.hostIP = str(f)),
  });
}

/** resource.Quantity: its string form (field 1). */
const quantity = (buf: Buffer): string => String(message(buf, 'Quantity', { 1: (f, o) => (o.s = str(f)) }).s ?? '');

/** A map<string, Quantity> entry into obj[name]. */
function addQuantity(obj: Record<string, unknown>, name: string, f: Field): void {
  let key = '';
  let value = '';
  for (const e of fields(bytesOf(f))) {
    if (e.no === 1) key = str(e);
    else if (e.no === 2) value = quantity(bytesOf(e));
  }
  obj[name] = { ...(obj[name] as Record<string, string> | undefined), [key]: value };
}

/** core/v1 ResourceRequirements: limits 1, requests 2 (claims are refused). */
function resourceRequirements(buf: Buffer): Record<string, unknown> {
  return message(buf, 'ResourceRequirements', { 1: (f, o) => addQuantity(o, 'limits', f), 2: (f, o) => addQuantity(o, 'requests', f) });
}

function volumeMount(buf: Buffer): Record<string, unknown> {
  return message(buf, 'VolumeMount', {
    1: (f, o) => (o.name = str(f)),
    2: (f, o) => bool(f) && (o.readOnly = true),
    3: (f, o) => (o.mountPath = str(f)),
    4: (f, o) => f.bytes?.length && (o.subPath = str(f)),
    5: (f, o) => (o.mountPropagation = str(f)),
    6: (f, o) => f.bytes?.length && (o.subPathExpr = str(f)),
    7: (f, o) => (o.recursiveReadOnly = str(f)),
  });
}

/**
 * What `kubectl create deployment|job|cronjob ... --image --port -- command` puts in a container,
 * and what `create job --from=cronjob/NAME` copies from a stored (defaulted) template.
 */
function container(buf: Buffer): Record<string, unknown> {
  return message(buf, 'Container', {
    1: (f, o) => (o.name = str(f)),
    2: (f, o) => (o.image = str(f)),
    3: (f, o) => push(o, 'command', str(f)),
    4: (f, o) => push(o, 'args', str(f)),
    5: (f, o) => f.bytes?.length && (o.workingDir = str(f)),
    6: (f, o) => push(o, 'ports', containerPort(bytesOf(f))),
    7: (f, o) => push(o, 'env', message(bytesOf(f), 'EnvVar', { 1: (g, e) => (e.name = str(g)), 2: (g, e) => (e.value = str(g)) })),
    // kubectl sends an empty ResourceRequirements (the server defaults it to {}).
    8: (f, o) => {
      const r = resourceRequirements(bytesOf(f));
      if (Object.keys(r).length > 0) o.resources = r;
    },
    9: (f, o) => push(o, 'volumeMounts', volumeMount(bytesOf(f))),
    13: (f, o) => f.bytes?.length && (o.terminationMessagePath = str(f)),
    14: (f, o) => f.bytes?.length && (o.imagePullPolicy = str(f)),
    16: (f, o) => bool(f) && (o.stdin = true),
    17: (f, o) => bool(f) && (o.stdinOnce = true),
    18: (f, o) => bool(f) && (o.tty = true),
    20: (f, o) => f.bytes?.length && (o.terminationMessagePolicy = str(f)),
  });
}

/** core/v1 PodSpec, field numbers from generated.proto; volumes, affinity, tolerations and the other structured fields are refused. */
function podSpec(buf: Buffer): Record<string, unknown> {
  return message(buf, 'PodSpec', {
    2: (g, s) => push(s, 'containers', container(bytesOf(g))),
    3: optionalString('restartPolicy'),
    4: pointerInt('terminationGracePeriodSeconds'),
    5: pointerInt('activeDeadlineSeconds'),
    6: optionalString('dnsPolicy'),
    7: (g, s) => addToMap(s, 'nodeSelector', g),
    8: optionalString('serviceAccountName'),
    9: optionalString('serviceAccount'),
    10: optionalString('nodeName'),
    11: flag('hostNetwork'),
    12: flag('hostPID'),
    13: flag('hostIPC'),
    // The defaulted template's empty PodSecurityContext; any setting in it is refused.
    14: (g, s) => (s.securityContext = message(bytesOf(g), 'PodSecurityContext', {})),
    16: optionalString('hostname'),
    17: optionalString('subdomain'),
    19: optionalString('schedulerName'),
    20: (g, s) => push(s, 'initContainers', container(bytesOf(g))),
    21: pointerBool('automountServiceAccountToken'),
    24: optionalString('priorityClassName'),
    25: pointerInt('priority'),
    27: pointerBool('shareProcessNamespace'),
    29: (g, s) => (s.runtimeClassName = str(g)),
    30: pointerBool('enableServiceLinks'),
    31: (g, s) => (s.preemptionPolicy = str(g)),
    35: pointerBool('setHostnameAsFQDN'),
    37: pointerBool('hostUsers'),
  });
}

export function podTemplate(buf: Buffer): Record<string, unknown> {
  return message(buf, 'PodTemplateSpec', {
    1: (f, o) => (o.metadata = objectMeta(bytesOf(f))),
    2: (f, o) => (o.spec = podSpec(bytesOf(f))),
  });
}
