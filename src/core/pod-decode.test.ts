import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePod } from './pod-decode.js';
import { BadRequestError } from './errors.js';

const pod = (spec: unknown, metadata: unknown = { name: 'a' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });

test('wrong JSON types are a BadRequest naming the Go field and type', () => {
  const cases: Array<[unknown, RegExp]> = [
    [pod({ containers: 'abc' }), /cannot unmarshal string into Go struct field PodSpec\.spec\.containers of type \[\]v1\.Container/],
    [pod({ containers: [{ name: 5, image: 'x' }] }), /cannot unmarshal number into Go struct field Container\.spec\.containers\.name of type string/],
    [pod({ containers: [{ name: 'a', image: 'x', env: 'x' }] }), /Container\.spec\.containers\.env of type \[\]v1\.EnvVar/],
    [pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] }), /ContainerPort\.spec\.containers\.ports\.containerPort of type int32/],
    [pod({ containers: [] }, { name: 'a', labels: [1] }), /ObjectMeta\.metadata\.labels of type map\[string\]string/],
    [pod({ containers: [], shareProcessNamespace: 'yes' }), /of type bool/],
    [pod({ containers: [{ name: 'a', resources: { limits: { cpu: true } } }] }), /resource\.Quantity/],
    [pod('nope'), /cannot unmarshal string into Go struct field Pod\.spec of type v1\.PodSpec/],
  ];
  for (const [body, message] of cases) {
    assert.throws(() => decodePod(body), (err: unknown) => err instanceof BadRequestError && message.test((err as Error).message), String(message));
  }
});

test('nested v1 structs are typed: probes, security contexts, env sources, tolerations, volume sources', () => {
  const c = (fields: Record<string, unknown>) => pod({ containers: [{ name: 'a', image: 'x', ...fields }] });
  const cases: Array<[unknown, RegExp]> = [
    [c({ livenessProbe: { httpGet: { port: [] } } }), /cannot unmarshal array into Go struct field HTTPGetAction\.spec\.containers\.livenessProbe\.httpGet\.port of type int32/],
    [c({ readinessProbe: { tcpSocket: { port: 1.5 } } }), /cannot unmarshal number 1\.5 into Go struct field TCPSocketAction\.spec\.containers\.readinessProbe\.tcpSocket\.port of type int32/],
    [c({ startupProbe: { periodSeconds: '5' } }), /cannot unmarshal string into Go struct field Probe\.spec\.containers\.startupProbe\.periodSeconds of type int32/],
    [c({ livenessProbe: { httpGet: { port: 80, httpHeaders: {} } } }), /HTTPGetAction\.spec\.containers\.livenessProbe\.httpGet\.httpHeaders of type \[\]v1\.HTTPHeader/],
    [c({ lifecycle: { preStop: { sleep: { seconds: 'x' } } } }), /SleepAction\.spec\.containers\.lifecycle\.preStop\.sleep\.seconds of type int64/],
    [c({ lifecycle: { postStart: 'x' } }), /Lifecycle\.spec\.containers\.lifecycle\.postStart of type v1\.LifecycleHandler/],
    [c({ securityContext: { capabilities: { add: 5 } } }), /cannot unmarshal number into Go struct field Capabilities\.spec\.containers\.securityContext\.capabilities\.add of type \[\]string/],
    [c({ securityContext: { seccompProfile: { type: 1 } } }), /SeccompProfile\.spec\.containers\.securityContext\.seccompProfile\.type of type string/],
    [c({ env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: {} } } }] }), /ResourceFieldSelector\.spec\.containers\.env\.valueFrom\.resourceFieldRef\.divisor of type resource\.Quantity/],
    [c({ env: [{ name: 'A', valueFrom: { secretKeyRef: { key: true } } }] }), /SecretKeySelector\.spec\.containers\.env\.valueFrom\.secretKeyRef\.key of type string/],
    [c({ envFrom: [{ configMapRef: { optional: 'yes' } }] }), /ConfigMapEnvSource\.spec\.containers\.envFrom\.configMapRef\.optional of type bool/],
    [c({ ports: [{ containerPort: 2 ** 31 }] }), /cannot unmarshal number 2147483648 into Go struct field ContainerPort\.spec\.containers\.ports\.containerPort of type int32/],
    [pod({ containers: [], tolerations: [{ tolerationSeconds: 1.5 }] }), /number 1\.5 into Go struct field Toleration\.spec\.tolerations\.tolerationSeconds of type int64/],
    [pod({ containers: [], securityContext: { sysctls: [{ name: 'a', value: 1 }] } }), /Sysctl\.spec\.securityContext\.sysctls\.value of type string/],
    [pod({ containers: [], dnsConfig: { options: ['ndots'] } }), /PodDNSConfig\.spec\.dnsConfig\.options of type v1\.PodDNSConfigOption/],
    [pod({ containers: [], hostAliases: [{ hostnames: 'a' }] }), /HostAlias\.spec\.hostAliases\.hostnames of type \[\]string/],
    [pod({ containers: [], readinessGates: [{ conditionType: [] }] }), /PodReadinessGate\.spec\.readinessGates\.conditionType of type string/],
    [pod({ containers: [], volumes: [{ name: 'c', configMap: { items: [{ key: 'k', path: 'p', mode: '0644' }] } }] }), /KeyToPath\.spec\.volumes\.configMap\.items\.mode of type int32/],
    [pod({ containers: [], volumes: [{ name: 'p', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 'x' } }] } }] }), /ServiceAccountTokenProjection\.spec\.volumes\.projected\.sources\.serviceAccountToken\.expirationSeconds of type int64/],
    [pod({ containers: [], volumes: [{ name: 'p', persistentVolumeClaim: { claimName: 5 } }] }), /PersistentVolumeClaimVolumeSource\.spec\.volumes\.persistentVolumeClaim\.claimName of type string/],
  ];
  for (const [body, message] of cases) {
    assert.throws(() => decodePod(body), (err: unknown) => err instanceof BadRequestError && message.test((err as Error).message), String(message));
  }
});

test('an IntOrString port takes a name or an int32', () => {
  const out = decodePod(pod({ containers: [{ name: 'a', livenessProbe: { tcpSocket: { port: 'http' } }, readinessProbe: { httpGet: { port: 8080 } } }] })) as unknown as {
    spec: { containers: Array<{ livenessProbe: { tcpSocket: { port: unknown } }; readinessProbe: { httpGet: { port: unknown } } }> };
  };
  assert.equal(out.spec.containers[0].livenessProbe.tcpSocket.port, 'http');
  assert.equal(out.spec.containers[0].readinessProbe.httpGet.port, 8080);
});

test('a `__proto__` key stays an own field and never reaches the struct table', () => {
  const out = decodePod(JSON.parse('{"metadata":{"labels":{"__proto__":"x"}},"spec":{"__proto__":{"containers":5},"containers":[]}}')) as unknown as {
    metadata: { labels: Record<string, string> };
    spec: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(out.metadata.labels), ['__proto__']);
  assert.equal(Object.getPrototypeOf(out.spec), Object.prototype);
  assert.deepEqual(out.spec.containers, []);
});

test('nulls read as absent; null list items as empty structs; unknown fields pass through', () => {
  const out = decodePod(pod({ containers: [null, { name: 'a', image: 'x', command: null }], hostNetwork: null, futureField: { x: 1 } })) as unknown as {
    spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> };
  };
  assert.deepEqual(out.spec.containers, [{}, { name: 'a', image: 'x' }]);
  assert.equal('hostNetwork' in out.spec, false);
  assert.deepEqual(out.spec.futureField, { x: 1 });
});

test('undefined members read as absent, as an in-process caller means them', () => {
  const out = decodePod(pod({ containers: [] }, { name: 'a', resourceVersion: undefined })) as unknown as { metadata: Record<string, unknown> };
  assert.deepEqual(out.metadata, { name: 'a' });
});

test('null list items and map values read as their zero value, as in Go', () => {
  const out = decodePod(pod({ containers: [{ name: 'a', command: [null, 'x'], resources: { limits: { cpu: null } } }] }, { name: 'a', labels: { k: null } })) as unknown as {
    metadata: { labels: Record<string, string> };
    spec: { containers: Array<{ command: string[]; resources: { limits: Record<string, string> } }> };
  };
  assert.deepEqual(out.spec.containers[0].command, ['', 'x']);
  assert.deepEqual(out.spec.containers[0].resources.limits, { cpu: '0' });
  assert.deepEqual(out.metadata.labels, { k: '' });
});
