import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSwaggerProtobuf, swaggerDocument, toV2Schema } from './openapi-v2.js';
import { fields, type Field } from './protobuf.js';
import { builtinRegistry } from './registry/kinds/index.js';

const registry = builtinRegistry({ nodeName: 'n' });
const str = (f: Field | undefined): string => (f?.bytes ?? Buffer.alloc(0)).toString('utf8');
const sub = (f: Field | undefined): Field[] => fields(f?.bytes ?? Buffer.alloc(0));

test('v2 document: definitions from the v3 schemas with #/definitions refs, paths with the GVK extension', () => {
  const doc = swaggerDocument(registry) as { swagger: string; definitions: Record<string, Record<string, unknown>>; paths: Record<string, Record<string, Record<string, unknown>>> };
  assert.equal(doc.swagger, '2.0');
  const pod = doc.definitions['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.equal((pod.properties as Record<string, { $ref?: string }>).spec.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  assert.equal(JSON.stringify(doc.definitions).includes('#/components/'), false);
  assert.deepEqual(doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch['x-kubernetes-group-version-kind'], { group: '', kind: 'ConfigMap', version: 'v1' });
  assert.deepEqual(toV2Schema({ oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string' }), { type: 'string', format: 'int-or-string' });
});

test('v2 protobuf: gnostic Document fields (swagger, info, paths, definitions with vendor extensions)', () => {
  const doc = swaggerDocument(registry);
  const top = fields(encodeSwaggerProtobuf(doc));
  assert.equal(str(top.find((f) => f.no === 1)), '2.0');
  assert.equal(str(sub(top.find((f) => f.no === 2)).find((f) => f.no === 1)), 'Kubernetes');
  const paths = sub(top.find((f) => f.no === 8)).filter((f) => f.no === 2).map((f) => str(sub(f).find((x) => x.no === 1)));
  assert.ok(paths.includes('/api/v1/namespaces/{namespace}/pods/{name}'));
  const defs = sub(top.find((f) => f.no === 9)).filter((f) => f.no === 1);
  const pod = defs.find((f) => str(sub(f).find((x) => x.no === 1)) === 'io.k8s.api.core.v1.Pod');
  assert.ok(pod, 'the Pod definition');
  const schema = sub(sub(pod).find((x) => x.no === 2));
  const ext = schema.filter((f) => f.no === 31).map((f) => sub(f));
  const gvk = ext.find((e) => str(e.find((x) => x.no === 1)) === 'x-kubernetes-group-version-kind');
  assert.match(str(sub(gvk?.find((x) => x.no === 2)).find((x) => x.no === 2)), /kind: Pod/);
  const type = sub(schema.find((f) => f.no === 22));
  assert.equal(str(type.find((f) => f.no === 1)), 'object');
});
