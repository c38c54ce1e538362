/**
 * @module Admission plugins of Services and service accounts, which read other stored objects
 * (run by the generic store after each kind's prepare, as admission.ts's): the service REST's
 * ClusterIP and NodePort allocation over the stored Services (--service-cidr, 30000-32767), and
 * the ServiceAccount admission of new pods (core/service-account-admission.ts). Read-only: the
 * write is the generic store's, in the same synchronous step, so two creates never get one address.
 */
import { admitServiceAccount } from '../../core/service-account-admission.js';
import type { ServiceNetworkConfig } from '../../core/service-allocation.js';
import { allocateServiceAddresses } from '../../core/service-validation.js';
import type { KubeObject, Pod, Service, ServiceAccount } from '../../core/types.js';
import type { AdmissionPlugin } from './admission.js';
import { generateSuffix } from './generic-store.js';

export function serviceAdmission(cfg: ServiceNetworkConfig): AdmissionPlugin[] {
  const allocation: AdmissionPlugin = ({ def, obj, store }) => {
    if (def.kind !== 'Service' || def.group !== '') return obj;
    return allocateServiceAddresses(obj as Service, store.list<Service & KubeObject>('services', undefined).items, cfg) as KubeObject;
  };
  const serviceAccounts: AdmissionPlugin = ({ operation, def, obj, store }) => {
    if (operation !== 'create' || def.kind !== 'Pod' || def.group !== '') return obj;
    const ns = obj.metadata?.namespace ?? 'default';
    return admitServiceAccount(obj as Pod, store.list<ServiceAccount & KubeObject>('serviceaccounts', ns).items, generateSuffix()) as KubeObject;
  };
  return [allocation, serviceAccounts];
}
