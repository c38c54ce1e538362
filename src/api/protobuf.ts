/**
 * @module Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl's typed
 * clients send for `create configmap|secret|namespace|deployment|job|cronjob|serviceaccount|service|
 * role|rolebinding|token` and `auth can-i|whoami` and cannot be told not to. Decodes the `k8s\0`
 * envelope (runtime.Unknown) and the messages those commands send (`create job --from=cronjob/NAME`
 * copies the CronJob's stored, defaulted template), field numbers from k8s.io/api generated.proto,
 * into the JSON shape the routes already take. A field a decoder does not read is refused (415),
 * never dropped; any other kind is a 415 naming it.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors.js';
import { cronJobDecoder, jobDecoder } from './protobuf-batch.js';
import { podTemplate } from './protobuf-pod.js';
import { addToMap, fields, int, labelSelector, message, objectMeta, str, stringFields, stringsMessage, type Decoder, type Field } from './protobuf-wire.js';

export { fields, type Field } from './protobuf-wire.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** authorization/v1 ResourceAttributes (the field and label selectors of 1.31+ are not read). */
const RESOURCE_ATTRIBUTES = { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' };
const NON_RESOURCE_ATTRIBUTES = { 1: 'path', 2: 'verb' };

/** A review: metadata (1) and spec (2), whose sub-messages `specFields` decodes. */
function review(specFields: (f: Field) => [string, unknown] | undefined): Decoder {
  return (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const spec: Record<string, unknown> = {};
        for (const sf of fields(f.bytes)) {
          const entry = specFields(sf);
          if (entry) spec[entry[0]] = entry[1];
        }
        o.spec = spec;
      }
    }
    return o;
  };
}

const SUBJECT = { 1: 'kind', 2: 'apiGroup', 3: 'name', 4: 'namespace' };
const ROLE_REF = { 1: 'apiGroup', 2: 'kind', 3: 'name' };
const POLICY_RULE_LISTS = { 1: 'verbs', 2: 'apiGroups', 3: 'resources', 4: 'resourceNames', 5: 'nonResourceURLs' };

/** rbac/v1 RoleBinding and ClusterRoleBinding: metadata 1, subjects 2, roleRef 3. */
const binding: Decoder = (buf) => {
  const o: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
    else if (f.no === 2 && f.bytes) o.subjects = [...((o.subjects as unknown[] | undefined) ?? []), stringsMessage(f.bytes, SUBJECT)];
    else if (f.no === 3 && f.bytes) o.roleRef = stringsMessage(f.bytes, ROLE_REF);
  }
  return o;
};

/** rbac/v1 Role and ClusterRole: metadata 1, rules 2 (an aggregationRule is not read). */
const role: Decoder = (buf) => {
  const o: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
    else if (f.no === 2 && f.bytes) o.rules = [...((o.rules as unknown[] | undefined) ?? []), stringsMessage(f.bytes, {}, POLICY_RULE_LISTS)];
  }
  return o;
};

/** intstr.IntOrString: type 1 (0 int, 1 string), intVal 2, strVal 3. */
function intOrString(buf: Buffer): number | string {
  let type = 0n;
  let int = 0;
  let s = '';
  for (const f of fields(buf)) {
    if (f.no === 1 && f.int !== undefined) type = f.int;
    else if (f.no === 2 && f.int !== undefined) int = Number(BigInt.asIntN(32, f.int));
    else if (f.no === 3) s = str(f);
  }
  return type === 1n ? s : int;
}

/** core/v1 ServicePort: name 1, protocol 2, port 3, targetPort 4, nodePort 5, appProtocol 6. */
function servicePort(buf: Buffer): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes?.length) p.name = str(f);
    else if (f.no === 2 && f.bytes?.length) p.protocol = str(f);
    else if (f.no === 3 && f.int !== undefined) p.port = Number(f.int);
    else if (f.no === 4 && f.bytes) p.targetPort = intOrString(f.bytes);
    else if (f.no === 5 && f.int !== undefined) p.nodePort = Number(f.int);
    else if (f.no === 6 && f.bytes?.length) p.appProtocol = str(f);
  }
  return p;
}

const SERVICE_SPEC_STRINGS: Record<number, string> = {
  3: 'clusterIP',
  4: 'type',
  7: 'sessionAffinity',
  8: 'loadBalancerIP',
  10: 'externalName',
  11: 'externalTrafficPolicy',
  17: 'ipFamilyPolicy',
  21: 'loadBalancerClass',
  22: 'internalTrafficPolicy',
  23: 'trafficDistribution',
};
const SERVICE_SPEC_LISTS: Record<number, string> = { 5: 'externalIPs', 9: 'loadBalancerSourceRanges', 18: 'clusterIPs', 19: 'ipFamilies' };

function serviceSpec(buf: Buffer): Record<string, unknown> {
  const spec: Record<string, unknown> = stringsMessage(buf, SERVICE_SPEC_STRINGS, SERVICE_SPEC_LISTS);
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) spec.ports = [...((spec.ports as unknown[] | undefined) ?? []), servicePort(f.bytes)];
    else if (f.no === 2 && f.bytes) addToMap(spec, 'selector', f);
    else if (f.no === 13 && f.int !== undefined && f.int !== 0n) spec.publishNotReadyAddresses = true;
  }
  return spec;
}

const DECODERS: Record<string, Decoder> = {
  // kubectl create deployment NAME --image=... [--replicas] [--port] [-- COMMAND]
  'apps/v1/Deployment': (buf) =>
    message(buf, 'Deployment', {
      1: (f, o) => (o.metadata = objectMeta(f.bytes ?? Buffer.alloc(0))),
      2: (f, o) =>
        (o.spec = message(f.bytes ?? Buffer.alloc(0), 'DeploymentSpec', {
          1: (g, s) => (s.replicas = int(g)),
          2: (g, s) => (s.selector = labelSelector(g.bytes ?? Buffer.alloc(0))),
          3: (g, s) => (s.template = podTemplate(g.bytes ?? Buffer.alloc(0))),
          // kubectl sends an empty strategy (its type an empty string): the server defaults it.
          4: (g, s) => {
            const strategy = message(g.bytes ?? Buffer.alloc(0), 'DeploymentStrategy', { 1: (h, o) => (o.type = str(h)) });
            if (strategy.type) s.strategy = strategy;
          },
          5: (g, s) => (s.minReadySeconds = int(g)),
          6: (g, s) => (s.revisionHistoryLimit = int(g)),
          7: (g, s) => (s.paused = g.int !== 0n),
          9: (g, s) => (s.progressDeadlineSeconds = int(g)),
        })),
      3: () => undefined,
    }),
  // kubectl create job NAME --image -- COMMAND, create job NAME --from=cronjob/CJ. The status (3) kubectl sends is
  // zero-valued and the API server ignores a status on create anyway.
  'batch/v1/Job': jobDecoder,
  // kubectl create cronjob NAME --image --schedule [--restart] -- COMMAND
  'batch/v1/CronJob': cronJobDecoder,
  'rbac.authorization.k8s.io/v1/RoleBinding': binding,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': binding,
  'rbac.authorization.k8s.io/v1/Role': role,
  'rbac.authorization.k8s.io/v1/ClusterRole': role,
  'v1/ServiceAccount': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 4 && f.int !== undefined) o.automountServiceAccountToken = f.int !== 0n;
    }
    return o;
  },
  'v1/Service': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) o.spec = serviceSpec(f.bytes);
    }
    return o;
  },
  /** authentication/v1 TokenRequest: spec 2 = audiences 1, boundObjectRef 3, expirationSeconds 4. */
  'authentication.k8s.io/v1/TokenRequest': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const spec: Record<string, unknown> = {};
        for (const sf of fields(f.bytes)) {
          if (sf.no === 1) spec.audiences = [...((spec.audiences as string[] | undefined) ?? []), str(sf)];
          else if (sf.no === 3 && sf.bytes) spec.boundObjectRef = stringsMessage(sf.bytes, { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' });
          else if (sf.no === 4 && sf.int !== undefined) spec.expirationSeconds = Number(sf.int);
        }
        o.spec = spec;
      }
    }
    return o;
  },
  'v1/ConfigMap': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) addToMap(o, 'data', f);
      else if (f.no === 3 && f.bytes) addToMap(o, 'binaryData', f, true);
      else if (f.no === 4 && f.int !== undefined) o.immutable = f.int !== 0n;
    }
    return o;
  },
  'v1/Secret': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) addToMap(o, 'data', f, true);
      else if (f.no === 3 && f.bytes) o.type = str(f);
      else if (f.no === 4 && f.bytes) addToMap(o, 'stringData', f);
      else if (f.no === 5 && f.int !== undefined) o.immutable = f.int !== 0n;
    }
    // kubectl sends an empty type; the API's default is Opaque.
    if (!o.type) o.type = 'Opaque';
    return o;
  },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': review((f) => {
    if (f.no === 1 && f.bytes) return ['resourceAttributes', stringFields(f.bytes, RESOURCE_ATTRIBUTES)];
    if (f.no === 2 && f.bytes) return ['nonResourceAttributes', stringFields(f.bytes, NON_RESOURCE_ATTRIBUTES)];
    return undefined;
  }),
  'authorization.k8s.io/v1/SelfSubjectRulesReview': review((f) => (f.no === 1 && f.bytes ? ['namespace', str(f)] : undefined)),
  // Only metadata and status: the whole request is "who am I".
  'authentication.k8s.io/v1/SelfSubjectReview': review(() => undefined),
  'v1/Namespace': (buf) => {
    const o: Record<string, unknown> = {};
    for (const f of fields(buf)) {
      if (f.no === 1 && f.bytes) o.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const finalizers = fields(f.bytes).filter((x) => x.no === 1).map(str);
        if (finalizers.length) o.spec = { finalizers };
      }
    }
    return o;
  },
};

/** Decodes a protobuf body to a JSON object with apiVersion and kind. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new BadRequestError('protobuf: the body does not start with the k8s\\0 prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2 && f.bytes) raw = f.bytes;
    else if (f.no === 3 && f.bytes && f.bytes.length > 0) throw new UnsupportedMediaTypeError(`protobuf: unsupported contentEncoding ${JSON.stringify(str(f))}`);
  }
  const decoder = DECODERS[`${apiVersion}/${kind}`];
  if (!decoder) {
    throw new UnsupportedMediaTypeError(`the body of the request was in an unsupported format: protobuf for ${apiVersion ? `${apiVersion}/` : ''}${kind || 'an unknown kind'}; send JSON`);
  }
  return { apiVersion, kind, ...decoder(raw ?? Buffer.alloc(0)) };
}
