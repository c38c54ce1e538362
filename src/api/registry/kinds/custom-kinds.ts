/**
 * @module Kinds served by hand-written routes, declared here for discovery, OpenAPI and tables:
 * the access and identity reviews kubectl asks (routes/self-subject.ts), peapod's images
 * (routes/images.ts) and the resource metrics (routes/metrics.ts).
 */
import type { KindDefinition } from '../kind-definition.js';

const review = (group: string, resource: string, kind: string): KindDefinition => ({
  group,
  version: 'v1',
  kind,
  resource,
  singular: resource.slice(0, -1),
  namespaced: false,
  verbs: ['create'],
  routes: 'custom',
});

/**
 * CustomResourceDefinitions, read-only and always empty: peapod serves no custom resources, but
 * kubectl's validation lists CRDs to learn whether an unknown kind is one; an empty list lets it
 * report the real problem (`no matches for kind`). Creating one is refused (405).
 */
export const customResourceDefinitionKind: KindDefinition = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['get', 'list', 'watch'],
};

export const customKinds: readonly KindDefinition[] = [
  review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
  { group: 'peapod.io', version: 'v1alpha1', resource: 'images', singular: 'image', kind: 'Image', namespaced: false, verbs: ['delete', 'get', 'list'], routes: 'custom' },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'imageimports', singular: 'imageimport', kind: 'Image', namespaced: false, verbs: ['create'], routes: 'custom' },
  { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'nodes', singular: 'nodemetrics', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], routes: 'custom' },
  { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', singular: 'podmetrics', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], routes: 'custom' },
  { group: 'node.peapod.io', version: 'v1alpha1', resource: 'podprocesses', singular: 'podprocesses', kind: 'PodProcesses', namespaced: true, verbs: ['get'], routes: 'custom' },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'dashboardlogins', singular: 'dashboardlogin', kind: 'DashboardLogin', namespaced: false, verbs: ['create'], routes: 'custom' },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'imageloads', singular: 'imageload', kind: 'ImageList', namespaced: false, verbs: ['create'], routes: 'custom' },
];
