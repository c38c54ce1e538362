/**
 * @module Validation of init and regular containers (validateContainers, validateInitContainers,
 * validateProbe, validateHandler, ValidateResourceRequirements ... in upstream validation.go).
 */
import type { Container, PodSpec } from './types.js';
import type { LifecycleHandler, Probe, SecurityContext } from 'kubernetes-types/core/v1.js';
import {
  fieldErrors as fe,
  isDNS1123Label,
  isEnvVarName,
  isValidIP,
  isValidPortName,
  inclusiveRange,
  NON_NEGATIVE_MESSAGE,
  PORT_RANGE_MESSAGE,
  type FieldError,
} from './field-error.js';
import { compareQuantities, formatQuantity, parseQuantity, QUANTITY_FORMAT_MESSAGE, type Quantity } from './quantity.js';

const FIELD_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const MAX_INT32 = 2147483647;

export interface ContainerContext {
  spec: PodSpec;
  volumeNames: Set<string>;
  /** Names already taken by containers validated before (regular containers, then init). */
  names: Set<string>;
}

export function validateContainers(ctx: ContainerContext): FieldError[] {
  const containers = ctx.spec.containers ?? [];
  if (containers.length === 0) return [fe.required('spec.containers')];
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const path = `spec.containers[${i}]`;
    errs.push(...validateContainerCommon(c, path, ctx));
    if (c.restartPolicy !== undefined) errs.push(fe.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    for (const probe of ['livenessProbe', 'startupProbe'] as const) {
      const p = c[probe];
      if (p && p.successThreshold !== undefined && p.successThreshold !== 1) {
        errs.push(fe.invalid(`${path}.${probe}.successThreshold`, p.successThreshold, 'must be 1'));
      }
    }
  });
  return errs;
}

export function validateInitContainers(ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  (ctx.spec.initContainers ?? []).forEach((c, i) => {
    const path = `spec.initContainers[${i}]`;
    errs.push(...validateContainerCommon(c, path, ctx));
    if (c.restartPolicy === undefined || c.restartPolicy === '') {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[f]) errs.push(fe.forbidden(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    } else if (c.restartPolicy !== 'Always') {
      errs.push(fe.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
    } else {
      for (const probe of ['livenessProbe', 'startupProbe'] as const) {
        const p = c[probe];
        if (p && p.successThreshold !== undefined && p.successThreshold !== 1) {
          errs.push(fe.invalid(`${path}.${probe}.successThreshold`, p.successThreshold, 'must be 1'));
        }
      }
    }
  });
  return errs;
}

function validateContainerCommon(c: Container, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fe.required(`${path}.name`));
  else {
    for (const m of isDNS1123Label(c.name)) errs.push(fe.invalid(`${path}.name`, c.name, m));
    if (ctx.names.has(c.name)) errs.push(fe.duplicate(`${path}.name`, c.name));
    ctx.names.add(c.name);
  }
  if (!c.image) errs.push(fe.required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(fe.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (!c.imagePullPolicy) errs.push(fe.required(`${path}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
    errs.push(fe.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
  }
  if (!c.terminationMessagePolicy) errs.push(fe.required(`${path}.terminationMessagePolicy`));
  else if (!['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) {
    errs.push(fe.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validatePorts(c, path, ctx.spec.hostNetwork === true));
  errs.push(...validateEnv(c, path));
  errs.push(...validateVolumeMounts(c, path, ctx.volumeNames));
  const grace = ctx.spec.terminationGracePeriodSeconds ?? 30;
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const p = c[probe];
    if (p) errs.push(...validateProbe(p, `${path}.${probe}`, probe === 'readinessProbe'));
  }
  if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`, grace, true));
  if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`, grace, true));
  errs.push(...validateResources(c, `${path}.resources`));
  if (c.securityContext) errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));
  return errs;
}

function validatePorts(c: Container, path: string, hostNetwork: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (p.name) {
      for (const m of isValidPortName(p.name)) errs.push(fe.invalid(`${pp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fe.duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    if (!p.containerPort) errs.push(fe.required(`${pp}.containerPort`));
    else if (!isPort(p.containerPort)) errs.push(fe.invalid(`${pp}.containerPort`, p.containerPort, PORT_RANGE_MESSAGE));
    if (p.hostPort && !isPort(p.hostPort)) errs.push(fe.invalid(`${pp}.hostPort`, p.hostPort, PORT_RANGE_MESSAGE));
    if (hostNetwork && p.hostPort && p.hostPort !== p.containerPort) {
      errs.push(fe.invalid(`${pp}.hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    }
    if (!p.protocol) errs.push(fe.required(`${pp}.protocol`));
    else if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol)) errs.push(fe.notSupported(`${pp}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    if (p.hostIP && !isValidIP(p.hostIP)) errs.push(fe.invalid(`${pp}.hostIP`, p.hostIP, 'must be a valid IP address'));
  });
  return errs;
}

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;

function validateEnv(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (c.env ?? []).forEach((e, i) => {
    const ep = `${path}.env[${i}]`;
    if (!e.name) errs.push(fe.required(`${ep}.name`));
    else for (const m of isEnvVarName(e.name)) errs.push(fe.invalid(`${ep}.name`, e.name, m));
    const vf = e.valueFrom;
    if (!vf) return;
    const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((k) => vf[k]);
    if (sources.length === 0) errs.push(fe.invalid(`${ep}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (sources.length > 1) errs.push(fe.invalid(`${ep}.valueFrom`, '', 'may not have more than one field specified at a time'));
    if (e.value) errs.push(fe.invalid(`${ep}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    if (vf.fieldRef) {
      const fp = vf.fieldRef.fieldPath;
      const base = fp?.replace(/\['[^']*'\]$/, '');
      if (!fp) errs.push(fe.required(`${ep}.valueFrom.fieldRef.fieldPath`));
      else if (!FIELD_PATHS.includes(fp) && !(fp !== base && (base === 'metadata.labels' || base === 'metadata.annotations'))) {
        errs.push(fe.notSupported(`${ep}.valueFrom.fieldRef.fieldPath`, fp, FIELD_PATHS));
      }
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = vf[k];
      if (ref && !ref.key) errs.push(fe.required(`${ep}.valueFrom.${k}.key`));
      if (ref && !ref.name) errs.push(fe.required(`${ep}.valueFrom.${k}.name`));
    }
    if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(fe.required(`${ep}.valueFrom.resourceFieldRef.resource`));
  });
  (c.envFrom ?? []).forEach((e, i) => {
    const ep = `${path}.envFrom[${i}]`;
    if (e.prefix) for (const m of isEnvVarName(e.prefix)) errs.push(fe.invalid(`${ep}.prefix`, e.prefix, m));
    const n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n === 0) errs.push(fe.invalid(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (n > 1) errs.push(fe.invalid(ep, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

/** Kubernetes' validateLocalDescendingPath. */
export function validateLocalDescendingPath(p: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(fe.invalid(field, p, 'must be a relative path'));
  if (p.split(/[\\/]/).includes('..')) errs.push(fe.invalid(field, p, "must not contain '..'"));
  return errs;
}

function validateVolumeMounts(c: Container, path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.push(fe.required(`${mp}.name`));
    else if (!volumes.has(m.name)) errs.push(fe.notFound(`${mp}.name`, m.name));
    if (!m.mountPath) errs.push(fe.required(`${mp}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(fe.invalid(`${mp}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${mp}.subPath`));
    if (m.subPathExpr) {
      if (m.subPath) errs.push(fe.invalid(`${mp}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, `${mp}.subPathExpr`));
    }
    if (m.mountPropagation && !['None', 'HostToContainer', 'Bidirectional'].includes(m.mountPropagation)) {
      errs.push(fe.notSupported(`${mp}.mountPropagation`, m.mountPropagation, ['Bidirectional', 'HostToContainer', 'None']));
    }
    if (m.mountPropagation === 'Bidirectional' && !c.securityContext?.privileged) {
      errs.push(fe.forbidden(`${mp}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
    }
  });
  return errs;
}

function validateProbe(p: Probe, path: string, readiness: boolean): FieldError[] {
  const errs = validateHandler(p, path, undefined, false);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = p[f];
    if (v !== undefined && v < 0) errs.push(fe.invalid(`${path}.${f}`, v, NON_NEGATIVE_MESSAGE));
  }
  if (p.terminationGracePeriodSeconds !== undefined) {
    if (readiness) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    else if (p.terminationGracePeriodSeconds <= 0) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

type AnyHandler = Probe & LifecycleHandler;

function validateHandler(h: AnyHandler, path: string, grace: number | undefined, lifecycle: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const kinds = (lifecycle ? (['exec', 'httpGet', 'tcpSocket', 'sleep'] as const) : (['exec', 'httpGet', 'tcpSocket', 'grpc'] as const)).filter(
    (k) => (h as Record<string, unknown>)[k] !== undefined,
  );
  if (kinds.length === 0) errs.push(fe.required(path, 'must specify a handler type'));
  for (const extra of kinds.slice(1)) errs.push(fe.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type'));
  if (h.exec && !(h.exec.command && h.exec.command.length)) errs.push(fe.required(`${path}.exec.command`));
  if (h.httpGet) {
    errs.push(...validatePortRef(h.httpGet.port, `${path}.httpGet.port`));
    if (h.httpGet.scheme && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) {
      errs.push(fe.notSupported(`${path}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']));
    }
    if (!h.httpGet.path) errs.push(fe.required(`${path}.httpGet.path`));
  }
  if (h.tcpSocket) errs.push(...validatePortRef(h.tcpSocket.port, `${path}.tcpSocket.port`));
  if (h.grpc && !isPort(h.grpc.port)) errs.push(fe.invalid(`${path}.grpc.port`, h.grpc.port, PORT_RANGE_MESSAGE));
  if (h.sleep && grace !== undefined && (h.sleep.seconds < 0 || h.sleep.seconds > grace)) {
    errs.push(fe.invalid(`${path}.sleep.seconds`, h.sleep.seconds, `must be non-negative and less than terminationGracePeriodSeconds (${grace})`));
  }
  return errs;
}

function validatePortRef(port: number | string | undefined, field: string): FieldError[] {
  if (port === undefined || port === '' || port === 0) return [fe.required(field)];
  if (typeof port === 'number') return isPort(port) ? [] : [fe.invalid(field, port, PORT_RANGE_MESSAGE)];
  return isValidPortName(port).map((m) => fe.invalid(field, port, m));
}

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

function validateResources(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed: Record<'limits' | 'requests', Map<string, Quantity>> = { limits: new Map(), requests: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, raw] of Object.entries(c.resources?.[kind] ?? {})) {
      const field = `${path}.${kind}[${name}]`;
      if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-') && !name.includes('/')) {
        errs.push(fe.invalid(field, name, 'must be a standard resource for containers'));
        continue;
      }
      let q: Quantity;
      try {
        q = parseQuantity(String(raw));
      } catch {
        errs.push(fe.invalid(field, String(raw), QUANTITY_FORMAT_MESSAGE));
        continue;
      }
      if (q.nano < 0n) errs.push(fe.invalid(field, String(raw), NON_NEGATIVE_MESSAGE));
      parsed[kind].set(name, q);
    }
  }
  for (const [name, req] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit && compareQuantities(req, limit) > 0) {
      errs.push(fe.invalid(`${path}.requests[${name}]`, formatQuantity(req), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
    }
  }
  return errs;
}

export function validateSecurityContext(sc: SecurityContext, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(fe.invalid(`${path}.${f}`, v, inclusiveRange(0, MAX_INT32)));
  }
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged) errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    const adds = sc.capabilities?.add ?? [];
    if (adds.includes('SYS_ADMIN') || adds.includes('CAP_SYS_ADMIN')) {
      errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  return errs;
}
