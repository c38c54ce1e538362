/**
 * @module API object types. The Kubernetes shapes come from `kubernetes-types` verbatim; this
 * file only adds the generic object envelope the store and the API handle.
 */
import type { ObjectMeta, ListMeta } from 'kubernetes-types/meta/v1.js';

export type {
  Pod,
  PodSpec,
  PodStatus,
  Container,
  ContainerStatus,
  ContainerState,
  ContainerStateTerminated,
  ContainerStateWaiting,
  PodCondition,
  Namespace,
  Volume,
  VolumeMount,
  ContainerPort,
  EnvVar,
  Event,
  Node,
  Service,
  ServicePort,
  ServiceAccount,
  Endpoints,
} from 'kubernetes-types/core/v1.js';
export type { EndpointSlice, Endpoint as EndpointSliceEndpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
export type { ObjectMeta, ListMeta, Status, Time } from 'kubernetes-types/meta/v1.js';

/** Any stored API object: apiVersion, kind, metadata, and whatever else its kind has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  /** Typed loosely here so that every kind (Pod, Namespace, ConfigMap...) is a KubeObject. */
  spec?: unknown;
  status?: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}
