/** @module Every kind the API serves, in discovery order: add a new kind's declaration here. */
import type { KindDefinition } from '../kind-definition.js';
import { ResourceRegistry } from '../resource-registry.js';
import { configMapKind, eventKind, nodeKind, secretKind } from './core-kinds.js';
import { customKinds, customResourceDefinitionKind } from './custom-kinds.js';
import { cronJobKind, jobKind } from './batch-kinds.js';
import { namespaceKind } from './namespace-kind.js';
import { persistentVolumeClaimKind, persistentVolumeKind, statefulSetKind, storageClassKind } from './storage-kinds.js';
import { podKind } from './pod-kind.js';
import { limitRangeKind, resourceQuotaKind } from './quota-kinds.js';
import { priorityClassKind } from './scheduling-kinds.js';
import { controllerRevisionKind, daemonSetKind, deploymentKind, replicaSetKind, replicationControllerKind } from './workload-kinds.js';
import { rbacKinds, serviceAccountKind } from './rbac-kinds.js';
import { endpointSliceKind, endpointsKind, serviceKind } from './service-kinds.js';

export interface BuiltinKindOptions {
  /** Kept for callers; pods are bound by the scheduler now, not at creation. */
  nodeName?: string;
}

export function builtinKinds(_opts: BuiltinKindOptions = {}): KindDefinition[] {
  return [
    namespaceKind,
    podKind(),
    replicationControllerKind,
    eventKind,
    configMapKind,
    secretKind,
    nodeKind,
    daemonSetKind,
    deploymentKind,
    replicaSetKind,
    controllerRevisionKind,
    jobKind,
    cronJobKind,
    statefulSetKind,
    persistentVolumeClaimKind,
    persistentVolumeKind,
    resourceQuotaKind,
    limitRangeKind,
    storageClassKind,
    priorityClassKind,
    serviceKind(),
    endpointsKind,
    serviceAccountKind,
    endpointSliceKind,
    ...rbacKinds,
    customResourceDefinitionKind,
    ...customKinds,
  ] as KindDefinition[];
}

export function builtinRegistry(opts: BuiltinKindOptions = {}): ResourceRegistry {
  return new ResourceRegistry(builtinKinds(opts));
}
