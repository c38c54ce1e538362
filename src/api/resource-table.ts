/**
 * @module The one table of served resources. Legacy and aggregated discovery and the OpenAPI v3
 * documents are generated from it, so a new resource appears everywhere by adding one entry here
 * (and its routes: discovery lists only entries whose routes exist).
 */

export interface SubresourceInfo {
  /** e.g. "log" */
  name: string;
  kind: string;
  /** responseKind's group/version when not the parent's (e.g. autoscaling/v1 Scale). */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural, as in the path. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
}

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const RWC = [...RW, 'deletecollection'];

export const RESOURCES: ResourceInfo[] = [
  {
    group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, verbs: RW, shortNames: ['ns'],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get'] }],
  },
  {
    group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, verbs: RW, shortNames: ['po'], categories: ['all'],
    subresources: [
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  },
  { group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', namespaced: true, verbs: RWC, shortNames: ['ev'] },
  { group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, verbs: RWC, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, verbs: RWC },
  {
    group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', namespaced: false, verbs: ['get', 'list', 'watch'], shortNames: ['no'],
    subresources: [{ name: 'status', kind: 'Node', verbs: ['get'] }],
  },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', singular: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'images', singular: 'image', kind: 'Image', namespaced: false, verbs: ['delete', 'get', 'list'] },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'imageimports', singular: 'imageimport', kind: 'Image', namespaced: false, verbs: ['create'] },
  { group: 'peapod.io', version: 'v1alpha1', resource: 'imageloads', singular: 'imageload', kind: 'ImageList', namespaced: false, verbs: ['create'] },
];

export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The URL prefix of a group version: /api/v1 or /apis/<group>/<version>. */
export function groupVersionPath(r: { group: string; version: string }): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

/** A path that exists when the resource is served (used to skip entries without routes). */
export function probePath(r: ResourceInfo): string {
  return r.namespaced ? `${groupVersionPath(r)}/namespaces/x/${r.resource}` : `${groupVersionPath(r)}/${r.resource}`;
}

export function findByKind(apiVersion: string | undefined, kind: string | undefined): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind && groupVersion(r) === apiVersion && r.verbs.includes('get'));
}
