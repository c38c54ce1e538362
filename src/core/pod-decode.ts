/**
 * @module Type-checks a Pod body as the API server's JSON decoder does before any validation:
 * a field of the wrong JSON type is a 400 BadRequest naming the field and the type it wants
 * (`cannot unmarshal string into Go struct field PodSpec.spec.containers of type
 * []v1.Container`), never a crash further in. JSON nulls read as "absent", as in Go. Fields the
 * table does not describe are passed through untouched (validation and later decoders own them).
 */
import { BadRequestError } from './errors.js';
import type { Pod } from './types.js';

type FieldType =
  | 'string'
  | 'int'
  | 'bool'
  | 'quantity'
  | 'intOrString'
  | 'any'
  | 'object'
  | { arr: FieldType }
  | { map: FieldType }
  | { obj: string };

const str = 'string' as const;
const int = 'int' as const;
const bool = 'bool' as const;
const any = 'any' as const;
/** A JSON object whose inside later validation checks (probes, security contexts, ...). */
const object = 'object' as const;

const STRUCTS: Record<string, Record<string, FieldType>> = {
  Pod: { apiVersion: str, kind: str, metadata: { obj: 'ObjectMeta' }, spec: { obj: 'PodSpec' }, status: any },
  ObjectMeta: {
    name: str,
    generateName: str,
    namespace: str,
    uid: str,
    resourceVersion: str,
    generation: int,
    creationTimestamp: any,
    deletionTimestamp: any,
    deletionGracePeriodSeconds: int,
    labels: { map: str },
    annotations: { map: str },
    ownerReferences: { arr: object },
    finalizers: { arr: str },
    managedFields: { arr: object },
  },
  PodSpec: {
    volumes: { arr: { obj: 'Volume' } },
    initContainers: { arr: { obj: 'Container' } },
    containers: { arr: { obj: 'Container' } },
    ephemeralContainers: { arr: object },
    restartPolicy: str,
    terminationGracePeriodSeconds: int,
    activeDeadlineSeconds: int,
    dnsPolicy: str,
    nodeSelector: { map: str },
    serviceAccountName: str,
    serviceAccount: str,
    automountServiceAccountToken: bool,
    nodeName: str,
    hostNetwork: bool,
    hostPID: bool,
    hostIPC: bool,
    shareProcessNamespace: bool,
    securityContext: object,
    imagePullSecrets: { arr: object },
    hostname: str,
    subdomain: str,
    affinity: object,
    schedulerName: str,
    tolerations: { arr: object },
    hostAliases: { arr: object },
    priorityClassName: str,
    priority: int,
    dnsConfig: object,
    readinessGates: { arr: object },
    runtimeClassName: str,
    enableServiceLinks: bool,
    preemptionPolicy: str,
    overhead: { map: 'quantity' },
    topologySpreadConstraints: { arr: object },
    setHostnameAsFQDN: bool,
    os: object,
    hostUsers: bool,
    schedulingGates: { arr: object },
    resourceClaims: { arr: object },
    resources: object,
  },
  Container: {
    name: str,
    image: str,
    command: { arr: str },
    args: { arr: str },
    workingDir: str,
    ports: { arr: { obj: 'ContainerPort' } },
    envFrom: { arr: object },
    env: { arr: { obj: 'EnvVar' } },
    resources: { obj: 'ResourceRequirements' },
    resizePolicy: { arr: object },
    restartPolicy: str,
    volumeMounts: { arr: { obj: 'VolumeMount' } },
    volumeDevices: { arr: object },
    livenessProbe: object,
    readinessProbe: object,
    startupProbe: object,
    lifecycle: object,
    terminationMessagePath: str,
    terminationMessagePolicy: str,
    imagePullPolicy: str,
    securityContext: object,
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
  },
  ContainerPort: { name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str },
  EnvVar: { name: str, value: str, valueFrom: object },
  ResourceRequirements: { limits: { map: 'quantity' }, requests: { map: 'quantity' }, claims: { arr: object } },
  VolumeMount: { name: str, readOnly: bool, recursiveReadOnly: str, mountPath: str, subPath: str, mountPropagation: str, subPathExpr: str },
  Volume: {
    name: str,
    emptyDir: { obj: 'EmptyDirVolumeSource' },
    hostPath: { obj: 'HostPathVolumeSource' },
    configMap: object,
    secret: object,
    downwardAPI: object,
    projected: object,
    persistentVolumeClaim: object,
    ephemeral: object,
    csi: object,
    image: object,
    nfs: object,
  },
  EmptyDirVolumeSource: { medium: str, sizeLimit: 'quantity' },
  HostPathVolumeSource: { path: str, type: str },
};

/** Returns the pod with nulls removed; throws BadRequestError on a field of the wrong type. */
export function decodePod(body: unknown): Pod {
  return decodeStruct(body, 'Pod', '', 'Pod') as Pod;
}

function goType(t: FieldType): string {
  if (typeof t === 'string') {
    return { string: 'string', int: 'int64', bool: 'bool', quantity: 'resource.Quantity', intOrString: 'intstr.IntOrString', any: 'interface {}', object: 'struct' }[t];
  }
  if ('arr' in t) return `[]${goType(t.arr)}`;
  if ('map' in t) return `map[string]${goType(t.map)}`;
  return t.obj === 'ObjectMeta' ? 'v1.ObjectMeta' : `v1.${t.obj}`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function fail(kind: string, struct: string, path: string, value: unknown, t: FieldType): never {
  throw new BadRequestError(
    `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value)} into Go struct field ${struct}.${path} of type ${goType(t)}`,
  );
}

function decodeStruct(value: unknown, name: string, path: string, kind: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value)} into Go value of type v1.${name}${path ? ` at ${path}` : ''}`);
  }
  const fields = STRUCTS[name];
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    const t = fields[key];
    const fieldPath = path ? `${path}.${key}` : key;
    out[key] = t ? decodeValue(v, t, name, fieldPath, kind) : v;
  }
  return out;
}

function decodeValue(v: unknown, t: FieldType, struct: string, path: string, kind: string): unknown {
  if (typeof t === 'string') {
    switch (t) {
      case 'any':
        return v;
      case 'object':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(kind, struct, path, v, t);
        return v;
      case 'string':
        if (typeof v !== 'string') fail(kind, struct, path, v, t);
        return v;
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) fail(kind, struct, path, v, t);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') fail(kind, struct, path, v, t);
        return v;
      case 'quantity':
      case 'intOrString':
        if (typeof v !== 'string' && typeof v !== 'number') fail(kind, struct, path, v, t);
        return v;
    }
  }
  if ('arr' in t) {
    if (!Array.isArray(v)) fail(kind, struct, path, v, t);
    return v.map((item) => (item === null && (t.arr === 'object' || (typeof t.arr === 'object' && 'obj' in t.arr)) ? {} : decodeValue(item, t.arr, struct, path, kind)));
  }
  if ('map' in t) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(kind, struct, path, v, t);
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = decodeValue(item, t.map, struct, path, kind);
    return out;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(kind, struct, path, v, t);
  return decodeStruct(v, t.obj, path, kind);
}
