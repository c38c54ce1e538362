/**
 * @module The endpointslice, endpoints and endpointslicemirroring controllers of
 * kube-controller-manager, as one reconciler keyed by Service: a Service with a selector gets
 * EndpointSlices (and the legacy Endpoints) of its selected pods, conditions from their readiness
 * and termination; a Service without one gets EndpointSlices mirrored from its hand-made
 * Endpoints. Pod, slice and Endpoints changes enqueue the Services concerned, so a pod turning
 * not-ready leaves the rules within one pass. Plans are pure (core/endpoint-slices.ts).
 */
import { isNotFound, AlreadyExistsError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ObjectClient } from '../core/ports.js';
import type { EndpointSlice, Endpoints, Pod, Service } from '../core/types.js';
import { desiredEndpoints, endpointsDiffer, MANAGED_BY_LABEL, MIRRORING_CONTROLLER, planEndpointSlices, planMirroredSlices, SERVICE_NAME_LABEL, SLICE_CONTROLLER, type SlicePlan } from '../core/endpoint-slices.js';
import { ENDPOINT_SLICES, ENDPOINTS, SERVICES } from '../core/controllers/network-resource-types.js';
import { PODS } from '../core/controllers/resource-types.js';
import type { ControllerContext } from './controller-manager.js';
import type { Reconciler } from './controller-runner.js';
import { objectKey, splitKey, type Informer } from './informer.js';

const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

export class EndpointsController implements Reconciler {
  readonly name = 'endpoints';
  private client!: ObjectClient;
  private services!: Informer<Service>;
  private pods!: Informer<Pod>;
  private slices!: Informer<EndpointSlice>;
  private endpoints!: Informer<Endpoints>;

  constructor(private readonly logger: Logger) {}

  register(ctx: ControllerContext): void {
    this.client = ctx.client;
    const add = (key: string): void => ctx.queue.add(key);
    this.services = ctx.informer<Service>(SERVICES);
    this.pods = ctx.informer<Pod>(PODS);
    this.slices = ctx.informer<EndpointSlice>(ENDPOINT_SLICES);
    this.endpoints = ctx.informer<Endpoints>(ENDPOINTS);
    this.slices.addIndex('service', (s) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []));
    this.services.addHandlers({ onAdd: (s) => add(objectKey(s)), onUpdate: (_o, s) => add(objectKey(s)), onDelete: (s) => add(objectKey(s)) });
    const forPod = (...pods: Pod[]): void => {
      for (const svc of this.services.list(pods[0].metadata?.namespace)) {
        const sel = svc.spec?.selector;
        if (!sel || Object.keys(sel).length === 0) continue;
        if (pods.some((p) => Object.entries(sel).every(([k, v]) => p.metadata?.labels?.[k] === v))) add(objectKey(svc));
      }
    };
    this.pods.addHandlers({ onAdd: (p) => forPod(p), onUpdate: (old, p) => forPod(old, p), onDelete: (p) => forPod(p) });
    const forSlice = (s: EndpointSlice): void => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      const by = s.metadata?.labels?.[MANAGED_BY_LABEL];
      if (svc && (by === SLICE_CONTROLLER || by === MIRRORING_CONTROLLER)) add(`${s.metadata?.namespace}/${svc}`);
    };
    this.slices.addHandlers({ onAdd: forSlice, onUpdate: (_o, s) => forSlice(s), onDelete: forSlice });
    this.endpoints.addHandlers({ onAdd: (e) => add(objectKey(e)), onUpdate: (_o, e) => add(objectKey(e)), onDelete: (e) => add(objectKey(e)) });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    const stored = this.slices.byIndex('service', key);
    if (!svc || svc.spec?.type === 'ExternalName') {
      // The Service's own slices go with it (owner references); its Endpoints are ours to remove.
      if (!svc) {
        const ep = this.endpoints.get(namespace, name);
        if (ep && ep.metadata?.labels?.[SKIP_MIRROR] === undefined && this.managedEndpoints(ep)) await this.ignoreMissing(this.client.delete(ENDPOINTS, namespace, name));
      }
      return;
    }
    const selector = svc.spec?.selector;
    if (selector && Object.keys(selector).length > 0) {
      const pods = this.pods.list(namespace);
      await this.execute(planEndpointSlices(svc, pods, stored));
      await this.syncEndpoints(svc, desiredEndpoints(svc, pods));
    } else {
      const ep = this.endpoints.get(namespace, name);
      if (ep?.metadata?.labels?.[SKIP_MIRROR] === 'true') return;
      await this.execute(planMirroredSlices(svc, ep, stored));
    }
  }

  /** Endpoints the controller wrote (a selector-less Service's are the user's). */
  private managedEndpoints(ep: Endpoints): boolean {
    return ep.metadata?.annotations?.['peapod.io/managed-by'] === 'endpoint-controller';
  }

  private async syncEndpoints(svc: Service, want: Endpoints): Promise<void> {
    const ns = svc.metadata!.namespace!;
    const name = svc.metadata!.name!;
    want.metadata = { ...want.metadata, annotations: { 'peapod.io/managed-by': 'endpoint-controller' } };
    const stored = this.endpoints.get(ns, name);
    if (!stored) {
      try {
        await this.client.create(ENDPOINTS, want);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
      return;
    }
    if (!endpointsDiffer(stored, want)) return;
    await this.client.update(ENDPOINTS, { ...want, metadata: { ...stored.metadata, labels: want.metadata?.labels, annotations: { ...stored.metadata?.annotations, ...want.metadata.annotations } } });
  }

  private async execute(plan: SlicePlan): Promise<void> {
    for (const s of plan.update) await this.client.update(ENDPOINT_SLICES, s);
    for (const s of plan.create) await this.client.create(ENDPOINT_SLICES, s);
    for (const s of plan.delete) {
      await this.ignoreMissing(this.client.delete(ENDPOINT_SLICES, s.metadata?.namespace, s.metadata!.name!, { preconditions: { uid: s.metadata?.uid } }));
    }
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      this.logger.debug('endpoint slices synced', { created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length });
    }
  }

  private async ignoreMissing(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
