import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POD_STRUCTS } from '../core/pod-structs.js';
import { componentSchemas, schemaName, type Schema } from './openapi-schemas.js';
import { openApiDocument } from './openapi.js';
import { builtinRegistry } from './registry/kinds/index.js';
import { MERGE_KEYS } from './strategic-merge.js';

const core = componentSchemas('v1');
const S = (struct: string): Schema => {
  const s = core[schemaName(struct)];
  assert.ok(s, `no schema for ${struct}`);
  return s;
};
const props = (struct: string): Record<string, Schema> => S(struct).properties as Record<string, Schema>;

/** Resolves a property to the component it refers to, as kubectl does: allOf[0], then $ref. */
function resolve(prop: Schema): Schema {
  const inner = Array.isArray(prop.allOf) ? (prop.allOf[0] as Schema) : prop;
  const ref = inner.$ref as string;
  assert.match(ref, /^#\/components\/schemas\//);
  const target = core[ref.slice('#/components/schemas/'.length)];
  assert.ok(target, `${ref} does not resolve`);
  return target;
}

test('names follow Kubernetes: core/v1 structs, meta/v1 metadata, apimachinery scalars', () => {
  for (const name of ['io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.Container', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.apimachinery.pkg.apis.meta.v1.Time']) {
    assert.ok(core[name], name);
  }
  assert.equal(schemaName('Image'), 'io.peapod.v1alpha1.Image');
});

test('refs are wrapped in allOf and resolve: Pod → PodSpec → Container → Probe', () => {
  const spec = props('Pod').spec;
  assert.deepEqual(Object.keys(spec).sort(), ['allOf', 'default', 'description']);
  assert.equal(resolve(spec), S('PodSpec'));
  assert.equal(resolve(props('Pod').metadata), S('ObjectMeta'));
  const containers = props('PodSpec').containers;
  assert.equal(containers.type, 'array');
  assert.equal(resolve(containers.items as Schema), S('Container'));
  assert.equal(resolve(props('Container').livenessProbe), S('Probe'));
});

test('every $ref in a document resolves inside that same document', () => {
  for (const gv of ['v1', 'peapod.io/v1alpha1', 'apps/v1']) {
    const schemas = componentSchemas(gv);
    const refs = JSON.stringify(schemas).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 0);
    for (const r of refs) assert.ok(schemas[r.slice('"$ref":"#/components/schemas/'.length, -1)], `${gv}: ${r}`);
  }
});

test('top-level kinds and list kinds carry x-kubernetes-group-version-kind', () => {
  for (const kind of ['Pod', 'ConfigMap', 'Secret', 'Namespace', 'Event', 'Node', 'PodList', 'NodeList']) {
    assert.deepEqual(S(kind)['x-kubernetes-group-version-kind'], [{ group: '', kind, version: 'v1' }]);
  }
  assert.equal(S('PodSpec')['x-kubernetes-group-version-kind'], undefined);
  assert.deepEqual(componentSchemas('peapod.io/v1alpha1')['io.peapod.v1alpha1.Image']['x-kubernetes-group-version-kind'], [
    { group: 'peapod.io', kind: 'Image', version: 'v1alpha1' },
  ]);
  assert.deepEqual(componentSchemas('apps/v1')['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.ok(componentSchemas('apps/v1')['io.k8s.api.core.v1.PodSpec'], 'a Deployment document carries the pod schemas its template uses');
  assert.deepEqual(componentSchemas('example.com/v1'), {});
});

test('merge-key lists carry the strategic merge extensions from the server merge table', () => {
  const cases: [string, string, string][] = [
    ['PodSpec', 'containers', 'name'],
    ['PodSpec', 'initContainers', 'name'],
    ['PodSpec', 'volumes', 'name'],
    ['Container', 'env', 'name'],
    ['Container', 'ports', 'containerPort'],
    ['Container', 'volumeMounts', 'mountPath'],
    ['ObjectMeta', 'ownerReferences', 'uid'],
    ['PodStatus', 'conditions', 'type'],
  ];
  for (const [struct, field, key] of cases) {
    const p = props(struct)[field];
    assert.equal(key, MERGE_KEYS[field], 'the test agrees with strategic-merge.ts');
    assert.equal(p['x-kubernetes-patch-merge-key'], key, `${struct}.${field}`);
    assert.equal(p['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(p['x-kubernetes-list-type'], 'map');
    assert.deepEqual(p['x-kubernetes-list-map-keys'], [key]);
  }
  assert.equal(props('Container').command['x-kubernetes-patch-strategy'], undefined, 'lists without a merge key are replaced');
  assert.equal(props('Container').command['x-kubernetes-list-type'], 'atomic');
  assert.equal(props('PodSpec').tolerations['x-kubernetes-patch-merge-key'], undefined);
  assert.equal(props('ObjectMeta').finalizers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(props('ObjectMeta').finalizers['x-kubernetes-list-type'], 'set');
});

test('integer formats, quantities, int-or-string and timestamps as Kubernetes represents them', () => {
  assert.deepEqual({ ...props('ContainerPort').containerPort, description: undefined }, { type: 'integer', format: 'int32', description: undefined });
  assert.equal(props('PodSpec').terminationGracePeriodSeconds.format, 'int64');
  assert.equal(props('PodSpec').hostNetwork.type, 'boolean');
  const limits = props('ResourceRequirements').limits;
  assert.equal(limits.type, 'object');
  assert.equal(resolve(limits.additionalProperties as Schema), core['io.k8s.apimachinery.pkg.api.resource.Quantity']);
  assert.deepEqual(core['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
  const port = resolve(props('HTTPGetAction').port);
  assert.equal(port.format, 'int-or-string');
  assert.deepEqual(port.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(resolve(props('ObjectMeta').creationTimestamp).format, 'date-time');
  assert.equal(props('Secret').data.additionalProperties && (props('Secret').data.additionalProperties as Schema).format, 'byte');
});

test('every field of Pod, PodSpec, Container, ObjectMeta and the common structs has a description', () => {
  const structs = ['Pod', 'PodSpec', 'Container', 'ObjectMeta', 'Probe', 'HTTPGetAction', 'ExecAction', 'TCPSocketAction', 'ContainerPort', 'EnvVar', 'EnvVarSource', 'VolumeMount', 'Volume', 'ResourceRequirements', 'SecurityContext', 'PodSecurityContext', 'Lifecycle', 'LifecycleHandler', 'ConfigMap', 'Secret', 'Namespace', 'Event', 'Node'];
  for (const struct of structs) {
    assert.ok(S(struct).description, `${struct} has no description`);
    for (const [field, p] of Object.entries(props(struct))) assert.ok(p.description, `${struct}.${field} has no description`);
  }
  for (const [name, schema] of Object.entries(core)) {
    assert.ok(schema.description, `${name} has no description`);
    for (const [field, p] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) assert.ok(p.description, `${name}.${field}`);
  }
  // The pod table is the source: a field added there shows up here (and so needs a description).
  assert.deepEqual(Object.keys(props('Container')).sort(), Object.keys(POD_STRUCTS.Container).sort());
  assert.match(props('Container').image.description as string, /image reference/i);
});

test('required fields are listed; the v1 document serves the schemas next to the paths', () => {
  assert.deepEqual(S('Container').required, ['name']);
  assert.deepEqual(S('PodSpec').required, ['containers']);
  const doc = openApiDocument(builtinRegistry({ nodeName: 'n' }), 'v1') as { components: { schemas: Record<string, Schema> }; paths: Record<string, unknown> };
  assert.equal(doc.components.schemas, core);
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
});
