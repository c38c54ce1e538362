/**
 * @module A container's variables as the kubelet's makeEnvironmentVariables builds them: envFrom
 * sources in order (prefix, invalid names skipped), then `env` in order with valueFrom resolved
 * (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef). The result is EnvEntry[] for
 * resolveProcess, which does the `$(VAR)` expansion. ConfigMaps and Secrets come through the
 * ConfigSource port; a missing non-optional one is a ContainerConfigError.
 */
import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector, Secret } from 'kubernetes-types/core/v1.js';
import type { EnvEntry } from './container-process.js';
import { isEnvVarName } from './field-error.js';
import { parseQuantity, quantityMilliValue, quantityValue } from './quantity.js';

/** Where ConfigMaps and Secrets are looked up (the daemon wires the store; a kubelet would use a cache). */
export interface ConfigSource {
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
}

/** The node's allocatable amounts: what a missing limit reports to the downward API. */
export interface NodeAllocatable {
  cpuMillis: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

/** Becomes the waiting reason CreateContainerConfigError with this message. */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export interface EnvContext {
  pod: Pod;
  configs: ConfigSource;
  allocatable: NodeAllocatable;
  podIPs?: string[];
  hostIPs?: string[];
}

export interface ResolvedEnv {
  entries: EnvEntry[];
  /** envFrom keys skipped as invalid variable names (the kubelet's InvalidEnvironmentVariableNames event). */
  invalidKeys: string[];
}

export function configMapNotFound(name: string): ContainerConfigError {
  return new ContainerConfigError(`configmap "${name}" not found`);
}

export function secretNotFound(name: string): ContainerConfigError {
  return new ContainerConfigError(`secret "${name}" not found`);
}

/** Secret data is base64 on the API; the container sees the bytes. */
export function secretValue(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

export function resolveContainerEnv(container: Container, ctx: EnvContext): ResolvedEnv {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const entries: EnvEntry[] = [];
  const invalidKeys: string[] = [];
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = ctx.configs.getConfigMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw configMapNotFound(name);
      }
      data = { ...cm.data };
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = ctx.configs.getSecret(ns, name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw secretNotFound(name);
      }
      data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, secretValue(v)]));
    }
    for (const [key, value] of Object.entries(data ?? {})) {
      const name = prefix + key;
      if (isEnvVarName(name).length > 0) {
        invalidKeys.push(name);
        continue;
      }
      entries.push({ name, value });
    }
  }
  for (const env of container.env ?? []) {
    if (!env.valueFrom) {
      entries.push({ name: env.name, value: env.value ?? '', expand: true });
      continue;
    }
    const value = valueFrom(env, container, ctx, ns);
    if (value !== undefined) entries.push({ name: env.name, value });
  }
  return { entries, invalidKeys };
}

function valueFrom(env: EnvVar, container: Container, ctx: EnvContext, ns: string): string | undefined {
  const from = env.valueFrom!;
  if (from.fieldRef) return podFieldValue(from.fieldRef, ctx);
  if (from.resourceFieldRef) return containerResourceValue(from.resourceFieldRef, ctx.pod, container.name, ctx.allocatable);
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = ctx.configs.getConfigMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw configMapNotFound(name);
    }
    const value = cm.data?.[key];
    if (value === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return value;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const secret = ctx.configs.getSecret(ns, name);
    if (!secret) {
      if (optional) return undefined;
      throw secretNotFound(name);
    }
    const value = secret.data?.[key];
    if (value === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return secretValue(value);
  }
  return '';
}

/** The kubelet's podFieldSelectorRuntimeValue: status fields come from the runtime, the rest from the object. */
export function podFieldValue(ref: ObjectFieldSelector, ctx: EnvContext): string {
  const spec = ctx.pod.spec;
  switch (ref.fieldPath) {
    case 'spec.nodeName':
      return spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIPs?.[0] ?? '';
    case 'status.hostIPs':
      return (ctx.hostIPs ?? []).join(',');
    case 'status.podIP':
      return ctx.podIPs?.[0] ?? '';
    case 'status.podIPs':
      return (ctx.podIPs ?? []).join(',');
    default:
      return objectFieldValue(ctx.pod, ref.fieldPath);
  }
}

/** fieldpath.ExtractFieldPathAsString for the metadata paths (downward API env and volumes). */
export function objectFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscript) {
    const map = (subscript[1] === 'labels' ? meta.labels : meta.annotations) ?? {};
    return map[subscript[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels ?? {});
    case 'metadata.annotations':
      return formatMap(meta.annotations ?? {});
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** fieldpath.FormatMap: `key="value"` lines, keys sorted, Go-quoted values, no trailing newline. */
export function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${goQuote(map[k])}`)
    .join('\n');
}

/** Go's strconv.Quote for the printable-ASCII-and-common-escapes cases labels and annotations hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * ExtractContainerResourceValue with the kubelet's allocatable fill-in: an unset limit reports the
 * node's allocatable, an unset request "0"; the value is ceiling(quantity / divisor).
 */
export function containerResourceValue(ref: ResourceFieldSelector, pod: Pod, self: string, allocatable: NodeAllocatable): string {
  const name = ref.containerName || self;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const container = all.find((c) => c.name === name);
  if (!container) throw new ContainerConfigError(`container ${name} not found`);
  const [kind, resource] = splitResource(ref.resource);
  const given = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[resource];
  const divisor = parseQuantity(String(ref.divisor ?? '1'));
  if (resource === 'cpu') {
    const millis = given !== undefined ? quantityMilliValue(parseQuantity(String(given))) : kind === 'limits' ? allocatable.cpuMillis : 0;
    return String(Math.ceil(millis / Math.max(1, quantityMilliValue(divisor))));
  }
  let bytes: number;
  if (given !== undefined) bytes = quantityValue(parseQuantity(String(given)));
  else if (kind === 'requests') bytes = 0;
  else if (resource === 'memory') bytes = allocatable.memoryBytes;
  else if (resource === 'ephemeral-storage') bytes = allocatable.ephemeralStorageBytes;
  else bytes = 0;
  return String(Math.ceil(bytes / Math.max(1, quantityValue(divisor))));
}

function splitResource(resource: string): ['limits' | 'requests', string] {
  const dot = resource.indexOf('.');
  const kind = resource.slice(0, dot);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) throw new ContainerConfigError(`unsupported container resource : ${resource}`);
  return [kind, resource.slice(dot + 1)];
}
