/**
 * @module core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice validation as upstream words
 * it (ValidateEndpoints, ValidateEndpointSlice): addresses must be IPs a Service can send to
 * (not loopback, link-local or multicast), ports in range with unique names, at most 1000
 * endpoints of at most 100 addresses in a slice, and a slice's addressType never changes.
 */
import { fieldErrors as fe, isDNS1123Label, isDNS1123Subdomain, isValidIP, PORT_RANGE_MESSAGE, throwIfInvalid, type FieldError } from './field-error.js';
import { validateObjectMeta } from './pod-validation.js';
import type { EndpointSlice, Endpoints } from './types.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
export const MAX_ENDPOINTS_PER_SLICE = 1000;
const MAX_ADDRESSES = 100;

/** validateNonSpecialIP: an endpoint address traffic can be sent to. */
export function endpointAddressErrors(path: string, ip: string): FieldError[] {
  if (!isValidIP(ip)) return [fe.invalid(path, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
  const v4 = !ip.includes(':') ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || lower === '::') return [fe.invalid(path, ip, 'may not be unspecified (0.0.0.0)')];
  if ((v4 && v4[0] === 127) || lower === '::1') return [fe.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if ((v4 && v4[0] === 169 && v4[1] === 254) || /^fe[89ab]/.test(lower)) return [fe.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if ((v4 && v4[0] >= 224 && v4[0] <= 239) || lower.startsWith('ff')) return [fe.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

function portErrors(path: string, ports: ReadonlyArray<{ name?: string; port?: number; protocol?: string }>, portRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(fe.invalid(`${at}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fe.duplicate(`${at}.name`, p.name));
      names.add(p.name);
    } else if (portRequired && ports.length > 1) {
      errs.push(fe.required(`${at}.name`));
    }
    if (p.port === undefined ? portRequired : !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(fe.invalid(`${at}.port`, p.port ?? 0, PORT_RANGE_MESSAGE));
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) errs.push(fe.notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

export function validateEndpoints(ep: Endpoints): void {
  const errs = validateObjectMeta(ep.metadata ?? {}, 'Endpoints', true);
  (ep.subsets ?? []).forEach((s, i) => {
    const at = `subsets[${i}]`;
    for (const [field, list] of [['addresses', s.addresses], ['notReadyAddresses', s.notReadyAddresses]] as const) {
      (list ?? []).forEach((a, j) => {
        errs.push(...endpointAddressErrors(`${at}.${field}[${j}].ip`, a.ip));
        if (a.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(fe.invalid(`${at}.${field}[${j}].hostname`, a.hostname, m));
      });
    }
    if ((s.addresses ?? []).length + (s.notReadyAddresses ?? []).length === 0) errs.push(fe.required(`${at}`, 'must specify `addresses` or `notReadyAddresses`'));
    if ((s.ports ?? []).length === 0) errs.push(fe.required(`${at}.ports`));
    errs.push(...portErrors(`${at}.ports`, s.ports ?? [], true));
  });
  throwIfInvalid('Endpoints', ep.metadata?.name ?? '', errs);
}

export function validateEndpointSlice(slice: EndpointSlice, stored?: EndpointSlice): void {
  const errs = validateObjectMeta(slice.metadata ?? {}, 'EndpointSlice', true);
  const type = slice.addressType;
  if (!type) errs.push(fe.required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(fe.notSupported('addressType', type, ADDRESS_TYPES));
  if (stored && stored.addressType !== type) errs.push(fe.invalid('addressType', type, 'field is immutable'));
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS_PER_SLICE) errs.push({ type: 'FieldValueTooMany', field: 'endpoints', message: `Too many: ${endpoints.length}: must have at most ${MAX_ENDPOINTS_PER_SLICE} items` });
  endpoints.forEach((e, i) => {
    const at = `endpoints[${i}]`;
    const addrs = e.addresses ?? [];
    if (addrs.length === 0) errs.push(fe.required(`${at}.addresses`, 'must contain at least 1 address'));
    if (addrs.length > MAX_ADDRESSES) errs.push({ type: 'FieldValueTooMany', field: `${at}.addresses`, message: `Too many: ${addrs.length}: must have at most ${MAX_ADDRESSES} items` });
    addrs.forEach((a, j) => {
      const path = `${at}.addresses[${j}]`;
      if (type === 'IPv4' && (a.includes(':') || !isValidIP(a))) errs.push(fe.invalid(path, a, 'must be a valid IPv4 address'));
      else if (type === 'IPv6' && (!a.includes(':') || !isValidIP(a))) errs.push(fe.invalid(path, a, 'must be a valid IPv6 address'));
      else if (type === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(fe.invalid(path, a, m));
      else errs.push(...endpointAddressErrors(path, a));
    });
    if (e.hostname) for (const m of isDNS1123Label(e.hostname)) errs.push(fe.invalid(`${at}.hostname`, e.hostname, m));
  });
  errs.push(...portErrors('ports', slice.ports ?? [], false));
  throwIfInvalid('EndpointSlice', slice.metadata?.name ?? '', errs);
}
