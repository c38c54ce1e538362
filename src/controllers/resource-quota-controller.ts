/**
 * @module The resource quota controller (upstream pkg/controller/resourcequota): keeps each
 * ResourceQuota's status.hard equal to spec.hard and status.used equal to what the namespace's
 * objects cost (core/quota/quota-usage.ts). Admission charges a quota as objects are created;
 * this recount gives back what deleted and finished objects held, and catches any drift. A quota
 * is recounted when it changes, when an object it may count changes in its namespace, when a
 * deleted pod's grace runs out, and every five minutes (upstream's full resync). The counted
 * objects are read fresh and the status written conditionally on the quota as read first, so a
 * charge made meanwhile is never overwritten by an older count.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { RESOURCE_QUOTAS } from '../core/controllers/resource-types.js';
import type { ResourceType } from '../core/ports.js';
import type { GroupResource } from '../core/quota/quota-evaluators.js';
import { recountQuota, quotaResources } from '../core/quota/quota-usage.js';
import type { KubeObject } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type Q = ResourceQuota & KubeObject;

/** --resource-quota-sync-period's default. */
export const QUOTA_RESYNC_MS = 5 * 60_000;

/** The kinds whose changes trigger a recount at once (others wait for the resync or a quota change). */
const WATCHED: readonly GroupResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: '', resource: 'services' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'secrets' },
  { group: '', resource: 'replicationcontrollers' },
];

export class ResourceQuotaController implements ManagedController {
  readonly name = 'resourcequota-controller';
  private ctx!: ControllerContext;
  private quotas!: Informer<Q>;

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.quotas = ctx.informer<Q>(RESOURCE_QUOTAS);
    const enqueue = (q: Q): void => ctx.queue.add(objectKey(q));
    this.quotas.addHandlers({ onAdd: enqueue, onUpdate: (_o, q) => enqueue(q) });
    const served = ctx.client.resourceTypes();
    for (const gr of WATCHED) {
      const type = served.find((t) => t.group === gr.group && t.resource === gr.resource);
      if (!type) continue;
      const replenish = (o: KubeObject): void => {
        for (const q of this.quotas.list(o.metadata?.namespace)) enqueue(q);
      };
      ctx.informer(type).addHandlers({ onAdd: replenish, onUpdate: (_o, n) => replenish(n), onDelete: replenish });
    }
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const quota = await this.ctx.client.get<Q>(RESOURCE_QUOTAS, namespace, name);
    if (!quota || quota.metadata?.deletionTimestamp) return;
    const served = this.ctx.client.resourceTypes();
    const objects = new Map<string, readonly KubeObject[]>();
    for (const gr of quotaResources(quota)) {
      const type: ResourceType | undefined = served.find((t) => t.group === gr.group && t.resource === gr.resource && t.namespaced);
      objects.set(`${gr.group}/${gr.resource}`, type ? (await this.ctx.client.list(type, namespace)).items : []);
    }
    const now = this.ctx.clock.now();
    const recount = recountQuota(quota, (gr) => objects.get(`${gr.group}/${gr.resource}`) ?? [], now);
    if (recount.changed) await this.ctx.client.update<Q>(RESOURCE_QUOTAS, { ...quota, status: recount.status }, { subresource: 'status' });
    const next = recount.recountAt !== undefined ? Math.min(recount.recountAt - now, QUOTA_RESYNC_MS) : QUOTA_RESYNC_MS;
    return { requeueAfterMs: Math.max(next, 0) };
  }
}
