/**
 * @module The StatefulSet controller: stable pods `<set>-<ordinal>` with their own claims, by the
 * plan of core/controllers/stateful-set-plan.ts, ControllerRevisions for `kubectl rollout
 * history|undo sts`, and status. Pod and claim names are fixed by ordinal, so a create repeated
 * after a crash finds what the last pass made (AlreadyExists) and nothing is made twice.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { claim, controllerRefOf } from '../core/controllers/controller-ref.js';
import { CONTROLLER_REVISIONS, PERSISTENT_VOLUME_CLAIMS, PODS, STATEFUL_SETS } from '../core/controllers/resource-types.js';
import { planStatefulSet } from '../core/controllers/stateful-set-plan.js';
import { deepEqual } from '../core/deep-equal.js';
import { isNotFound } from '../core/errors.js';
import { selectorMatches } from '../core/label-selector.js';
import type { KubeObject, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type SS = StatefulSet & KubeObject;
type CR = ControllerRevision & KubeObject;
type PVC = PersistentVolumeClaim & KubeObject;

const alreadyExists = (err: unknown): boolean => (err as { reason?: string }).reason === 'AlreadyExists';

export class StatefulSetController implements ManagedController {
  readonly name = 'statefulset-controller';
  private ctx!: ControllerContext;
  private sets!: Informer<SS>;
  private pods!: Informer<Pod>;
  private revisions!: Informer<CR>;
  private claims!: Informer<PVC>;

  constructor(private readonly events: ObjectEvents) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.sets = ctx.informer<SS>(STATEFUL_SETS);
    this.pods = ctx.informer<Pod>(PODS);
    this.revisions = ctx.informer<CR>(CONTROLLER_REVISIONS);
    this.claims = ctx.informer<PVC>(PERSISTENT_VOLUME_CLAIMS);
    const enqueue = (o: KubeObject): void => ctx.queue.add(objectKey(o));
    this.sets.addHandlers({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
    const owner = (o: KubeObject): void => {
      const ref = controllerRefOf(o);
      if (ref?.kind !== 'StatefulSet') return;
      const s = this.sets.get(o.metadata?.namespace, ref.name);
      if (s?.metadata?.uid === ref.uid) enqueue(s);
    };
    this.pods.addHandlers({ onAdd: owner, onUpdate: (_o, p) => owner(p), onDelete: owner });
    this.revisions.addHandlers({ onAdd: owner, onDelete: owner });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ss = this.sets.get(namespace, name);
    if (!ss) return;
    const { client } = this.ctx;
    const pods = claim(ss, this.pods.list(namespace), (p) => selectorMatches(ss.spec?.selector, p.metadata?.labels)).owned;
    const revisions = this.revisions.list(namespace).filter((r) => controllerRefOf(r)?.uid === ss.metadata?.uid);
    const claims = new Set(this.claims.list(namespace).map((c) => c.metadata?.name ?? ''));
    const plan = planStatefulSet(ss, pods, revisions, claims, this.ctx.clock.now());
    if (plan.revision?.create) await client.create(CONTROLLER_REVISIONS, plan.revision.create as CR).catch((err: unknown) => {
      if (!alreadyExists(err)) throw err;
    });
    if (plan.revision?.update) await client.update(CONTROLLER_REVISIONS, plan.revision.update as CR);
    for (const c of plan.claims) {
      try {
        await client.create(PERSISTENT_VOLUME_CLAIMS, c as PVC);
        this.events.record(ss, 'Normal', 'SuccessfulCreate', `create Claim ${c.metadata?.name} Pod ${c.metadata?.name?.replace(/^.*?-(?=[^-]*-\d+$)/, '')} in StatefulSet ${name} success`);
      } catch (err) {
        if (!alreadyExists(err)) {
          this.events.record(ss, 'Warning', 'FailedCreate', `create Claim ${c.metadata?.name} for Pod in StatefulSet ${name} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
    }
    for (const p of plan.create) {
      try {
        await client.create(PODS, p);
        this.events.record(ss, 'Normal', 'SuccessfulCreate', `create Pod ${p.metadata?.name} in StatefulSet ${name} successful`);
      } catch (err) {
        if (!alreadyExists(err)) {
          this.events.record(ss, 'Warning', 'FailedCreate', `create Pod ${p.metadata?.name} in StatefulSet ${name} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
    }
    for (const p of plan.delete) {
      try {
        await client.delete(PODS, namespace, p.metadata!.name!, { preconditions: { uid: p.metadata?.uid } });
        this.events.record(ss, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata?.name} in StatefulSet ${name} successful`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const c of plan.deleteClaims) await client.delete(PERSISTENT_VOLUME_CLAIMS, namespace, c).catch(() => undefined);
    for (const r of plan.deleteRevisions) await client.delete(CONTROLLER_REVISIONS, namespace, r.metadata!.name!, { preconditions: { uid: r.metadata?.uid } }).catch(() => undefined);
    if (!deepEqual(plan.status, ss.status ?? {})) {
      await client.update(STATEFUL_SETS, { ...ss, status: plan.status }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
}
