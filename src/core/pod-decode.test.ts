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
    [pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] }), /ContainerPort\.spec\.containers\.ports\.containerPort of type int64/],
    [pod({ containers: [] }, { name: 'a', labels: [1] }), /ObjectMeta\.metadata\.labels of type map\[string\]string/],
    [pod({ containers: [], shareProcessNamespace: 'yes' }), /of type bool/],
    [pod({ containers: [{ name: 'a', resources: { limits: { cpu: true } } }] }), /resource\.Quantity/],
    [pod('nope'), /cannot unmarshal string into Go struct field Pod\.spec of type v1\.PodSpec/],
  ];
  for (const [body, message] of cases) {
    assert.throws(() => decodePod(body), (err: unknown) => err instanceof BadRequestError && message.test((err as Error).message), String(message));
  }
});

test('nulls read as absent; null list items as empty structs; unknown fields pass through', () => {
  const out = decodePod(pod({ containers: [null, { name: 'a', image: 'x', command: null }], hostNetwork: null, futureField: { x: 1 } })) as unknown as {
    spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> };
  };
  assert.deepEqual(out.spec.containers, [{}, { name: 'a', image: 'x' }]);
  assert.equal('hostNetwork' in out.spec, false);
  assert.deepEqual(out.spec.futureField, { x: 1 });
});
