/**
 * @module A Service as the API server takes it (pkg/apis/core/v1/defaults.go SetDefaults_Service,
 * validation.go ValidateService, the service REST's allocation): defaults, then validation worded
 * as upstream's with each cause naming its field, then the ClusterIP and NodePorts allocated over
 * the Services already stored. Allocated values a client leaves out of an update are kept
 * (kubectl apply of a manifest without clusterIP). Pure: the stored Services are an argument.
 */
import { fieldErrors as fe, isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortName, PORT_RANGE_MESSAGE, throwIfInvalid, type FieldError } from './field-error.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './pod-validation.js';
import { allocateClusterIP, allocateNodePort, clusterIPsInUse, nodePortsInUse, type ServiceNetworkConfig } from './service-allocation.js';
import type { Service, ServicePort } from './types.js';

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;

type MutableService = Service & { spec: NonNullable<Service['spec']> };

const needsClusterIP = (s: Service): boolean => s.spec?.type !== 'ExternalName' && s.spec?.clusterIP !== 'None';
const needsNodePorts = (s: Service): boolean => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';

/** SetDefaults_Service, plus what an update inherits from the stored Service (patchAllocatedValues). */
export function defaultService(input: Service, stored?: Service): MutableService {
  const svc = structuredClone(input) as MutableService;
  const spec = (svc.spec ??= {});
  spec.type ||= 'ClusterIP';
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ||= 'Cluster';
    spec.ipFamilyPolicy ||= 'SingleStack';
    if (!spec.ipFamilies?.length) spec.ipFamilies = ['IPv4'];
  }
  if (needsNodePorts(svc)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (stored) {
    // What was allocated stays when the update does not say otherwise.
    if (!spec.clusterIP && needsClusterIP(svc) && stored.spec?.clusterIP && stored.spec.clusterIP !== 'None') {
      spec.clusterIP = stored.spec.clusterIP;
      spec.clusterIPs = [...(stored.spec.clusterIPs ?? [stored.spec.clusterIP])];
    }
    if (needsNodePorts(svc)) {
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        const old = (stored.spec?.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === p.protocol);
        if (old?.nodePort) p.nodePort = old.nodePort;
      }
    }
  }
  return svc;
}

function validatePort(p: ServicePort, i: number, count: number, svc: Service): FieldError[] {
  const path = `spec.ports[${i}]`;
  const errs: FieldError[] = [];
  if (!p.name) {
    if (count > 1) errs.push(fe.required(`${path}.name`));
  } else {
    for (const m of isDNS1123Label(p.name)) errs.push(fe.invalid(`${path}.name`, p.name, m));
  }
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(fe.invalid(`${path}.port`, p.port, PORT_RANGE_MESSAGE));
  if (!PROTOCOLS.includes(p.protocol ?? 'TCP')) errs.push(fe.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  const tp = p.targetPort;
  if (typeof tp === 'number') {
    if (!Number.isInteger(tp) || tp < 1 || tp > 65535) errs.push(fe.invalid(`${path}.targetPort`, tp, PORT_RANGE_MESSAGE));
  } else if (typeof tp === 'string') {
    for (const m of isValidPortName(tp)) errs.push(fe.invalid(`${path}.targetPort`, tp, m));
  }
  if (p.nodePort && !needsNodePorts(svc)) errs.push(fe.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${svc.spec?.type}'`));
  return errs;
}

/** ValidateService on a defaulted Service (and ValidateServiceUpdate when `stored` is given). */
export function validateService(svc: Service, stored?: Service): FieldError[] {
  const errs: FieldError[] = validateObjectMeta(svc.metadata ?? {}, 'Service', true).filter((e) => e.field !== 'metadata.name');
  const name = svc.metadata?.name ?? '';
  if (name && (!DNS1035_RE.test(name) || name.length > 63)) {
    if (name.length > 63) errs.push(fe.invalid('metadata.name', name, 'must be no more than 63 characters'));
    if (!DNS1035_RE.test(name)) errs.push(fe.invalid('metadata.name', name, DNS1035_MESSAGE));
  }
  if (stored) errs.push(...validateObjectMetaUpdate(svc.metadata ?? {}, stored.metadata ?? {}));
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!TYPES.includes(type)) errs.push(fe.notSupported('spec.type', type, TYPES));
  const ports = spec.ports ?? [];
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(fe.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(fe.invalid('spec.externalName', spec.externalName, m));
    if (spec.clusterIP && spec.clusterIP !== 'None') errs.push(fe.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  } else if (ports.length === 0 && spec.clusterIP !== 'None') {
    errs.push(fe.required('spec.ports'));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validatePort(p, i, ports.length, svc));
    if (p.name) {
      if (names.has(p.name)) errs.push(fe.duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.push(fe.duplicate(`spec.ports[${i}]`, key));
    keys.add(key);
    if (p.nodePort) {
      const np = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (nodePorts.has(np)) errs.push(fe.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      nodePorts.add(np);
    }
  });
  const cip = spec.clusterIP;
  if (cip && cip !== 'None' && !isValidIP(cip)) errs.push(fe.invalid('spec.clusterIPs[0]', cip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  else if (cip && cip.includes(':')) errs.push(fe.invalid('spec.clusterIPs[0]', cip, 'expected an IPv4 address: IPv6 ClusterIPs are not configured'));
  if (cip === 'None' && needsNodePorts(svc)) errs.push(fe.invalid('spec.clusterIPs[0]', cip, `may not be set to 'None' for ${type} services`));
  if (cip && spec.clusterIPs?.length && spec.clusterIPs[0] !== cip) {
    errs.push(fe.invalid('spec.clusterIPs', spec.clusterIPs, 'must match `clusterIP` when it is set'));
  }
  if (stored && stored.spec?.clusterIP && needsClusterIP(stored) && needsClusterIP(svc) && cip !== stored.spec.clusterIP) {
    errs.push(fe.invalid('spec.clusterIPs[0]', cip ?? '', 'may not change once set'));
  }
  const affinity = spec.sessionAffinity ?? 'None';
  if (!['None', 'ClientIP'].includes(affinity)) errs.push(fe.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  else if (affinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(fe.forbidden('spec.sessionAffinityConfig', 'must not be set when `sessionAffinity` is None'));
  } else if (affinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
    if (!Number.isInteger(t) || t <= 0 || t > MAX_AFFINITY_TIMEOUT_SECONDS) {
      errs.push(fe.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_AFFINITY_TIMEOUT_SECONDS}`));
    }
  }
  if (spec.externalTrafficPolicy !== undefined) {
    if (!needsNodePorts(svc) && (spec.externalIPs ?? []).length === 0) {
      errs.push(fe.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) {
      errs.push(fe.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
    }
  }
  if (spec.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) {
    errs.push(fe.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  errs.push(...validateLabels(spec.selector ?? {}, 'spec.selector'));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isValidIP(ip)) errs.push(fe.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  return errs;
}

/** Defaults and validates (InvalidError with every cause): the kind's own, pure step. */
export function prepareServiceSpec(input: Service, stored: Service | undefined): Service {
  const svc = defaultService(input, stored);
  throwIfInvalid('Service', svc.metadata?.name ?? '', validateService(svc, stored));
  return svc;
}

/**
 * The ClusterIP and NodePorts of a defaulted, valid Service, over the stored Services (this
 * one's stored version may be among them): requested ones checked, missing ones allocated.
 * InvalidError (422) naming the field when a requested one is out of range or taken.
 */
export function allocateServiceAddresses(input: Service, others: readonly Service[], cfg: ServiceNetworkConfig): Service {
  const svc = structuredClone(input) as MutableService;
  const name = svc.metadata?.name ?? '';
  const self = `${svc.metadata?.namespace}/${name}`;
  const spec = (svc.spec ??= {});
  if (needsClusterIP(svc)) {
    const got = allocateClusterIP(cfg.serviceCidr, spec.clusterIP || undefined, clusterIPsInUse(others), self);
    if ('error' in got) throwIfInvalid('Service', name, [got.error]);
    else {
      spec.clusterIP = got.ip;
      spec.clusterIPs = [got.ip];
    }
  } else if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else {
    spec.clusterIPs = ['None'];
  }
  if (needsNodePorts(svc)) {
    const inUse = nodePortsInUse(others);
    const errors: FieldError[] = [];
    (spec.ports ?? []).forEach((p, i) => {
      // One port number for both protocols of a name-sharing pair (upstream shares it the same way).
      const sibling = (spec.ports ?? []).slice(0, i).find((q) => q.port === p.port && q.nodePort && !p.nodePort);
      if (sibling) {
        p.nodePort = sibling.nodePort;
        return;
      }
      const got = allocateNodePort(cfg.nodePortRange, p.nodePort, inUse, self, `spec.ports[${i}].nodePort`, `${self}/${p.port}/${p.protocol}`);
      if ('error' in got) errors.push(got.error);
      else {
        p.nodePort = got.port;
        inUse.set(got.port, self);
      }
    });
    throwIfInvalid('Service', name, errors);
  }
  return svc;
}

/** Both steps: what the API server stores for a Service create or update. */
export function prepareService(input: Service, stored: Service | undefined, others: readonly Service[], cfg: ServiceNetworkConfig): Service {
  return allocateServiceAddresses(prepareServiceSpec(input, stored), others, cfg);
}
